"""What a search answers: one page of results (`SearchPage`) and the filters it could drop (`Relaxation`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from app.requests.pages.listings import RequestListing
from app.search.find.params import SearchParams


@dataclass(frozen=True)
class Relaxation:
    """A filter a "no results" page offers to drop, and how many results the search has without it."""

    name: str
    value: Any
    total: int
    params: SearchParams


@dataclass
class SearchPage:
    """One page of results with what the page and the API show around them.

    Has the attributes the pagination macro reads (page, pages, has_prev, prev_num, has_next,
    next_num, iter_pages).
    """

    params: SearchParams
    items: list[RequestListing]
    total: int
    scores: dict[int, float] = field(default_factory=dict)
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    summaries: dict[int, str] = field(default_factory=dict)
    suggestion: str | None = None
    relaxations: list[Relaxation] = field(default_factory=list)
    engine: str = "database"

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def per_page(self) -> int:
        return self.params.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """Page numbers to link, with None for a gap (Flask-SQLAlchemy's Pagination's shape)."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number <= self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number

"""What a search asks for: words, filters, order and page (`SearchParams`), and its limits."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.search.indexing.documents import EFFORT_SIZES

SORTS = ("relevance", "newest", "deadline")
PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
QUERY_MAX = 500  # characters of `q` searched; the rest of a pasted essay adds nothing but cost
# Filters a "no results" page may offer to drop, in the order they are tried.
DROPPABLE = ("skills", "cause", "region", "effort", "remote", "verified", "has_free_seats", "status")


@dataclass(frozen=True)
class SearchParams:
    """What a search asks for: words, filters, order and page. Every field has a harmless default."""

    q: str = ""
    skills: tuple[str, ...] = ()
    cause: str | None = None
    region: str | None = None
    status: str | None = None
    effort: str | None = None
    remote: bool = False
    verified: bool = False
    has_free_seats: bool = False
    organization_id: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    published_after: datetime | None = None  # digests: only requests published since then

    @property
    def words(self) -> str:
        """The searched text: control characters (NUL included) dropped, trimmed, at most QUERY_MAX."""
        printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in self.q)
        return " ".join(printable.split())[:QUERY_MAX]

    @property
    def effective_sort(self) -> str:
        """The order used: relevance only makes sense with words, so without them it is newest."""
        if self.sort in SORTS and (self.sort != "relevance" or self.words):
            return self.sort
        return "relevance" if self.words else "newest"

    def changed(self, **changes: Any) -> SearchParams:
        """A copy with some fields changed; any change of filter or words goes back to page 1."""
        changes.setdefault("page", 1)
        return replace(self, **changes)

    def active_filters(self) -> list[tuple[str, Any]]:
        """(name, value) for each filter in use; skills count one by one."""
        active: list[tuple[str, Any]] = [("skills", slug) for slug in self.skills]
        for name in ("cause", "region", "effort", "status"):
            if getattr(self, name):
                active.append((name, getattr(self, name)))
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                active.append((name, True))
        return active

    def without(self, name: str, value: Any = None) -> SearchParams:
        """A copy without one filter (one skill of several when `value` names it)."""
        if name == "skills":
            kept = tuple(s for s in self.skills if value is not None and s != value)
            return self.changed(skills=kept)
        if name in ("remote", "verified", "has_free_seats"):
            return self.changed(**{name: False})
        return self.changed(**{name: None})

    def with_skill(self, slug: str) -> SearchParams:
        """A copy that also asks for this skill."""
        return self.changed(skills=(*self.skills, slug)) if slug not in self.skills else self

    def to_args(self) -> dict[str, Any]:
        """Query-string arguments for a link to this search (defaults left out; skills repeated)."""
        args: dict[str, Any] = {}
        if self.words:
            args["q"] = self.words
        if self.skills:
            args["skills"] = list(self.skills)
        for name in ("cause", "region", "status", "effort", "organization_id"):
            if getattr(self, name) is not None:
                args[name] = getattr(self, name)
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                args[name] = "1"
        if self.sort in SORTS and self.sort != ("relevance" if self.words else "newest"):
            args["sort"] = self.sort
        if self.page > 1:
            args["page"] = self.page
        if self.per_page != PER_PAGE_DEFAULT:
            args["per_page"] = self.per_page
        return args

    def saved_filters(self) -> dict[str, Any]:
        """The filters as a saved search keeps them (JSON): only the ones in use."""
        saved: dict[str, Any] = {}
        if self.skills:
            saved["skills"] = list(self.skills)
        for name in ("cause", "region", "effort"):
            if getattr(self, name) is not None:
                saved[name] = getattr(self, name)
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                saved[name] = True
        return saved

    @classmethod
    def from_saved(cls, query: str, filters: dict[str, Any] | None, **extra: Any) -> SearchParams:
        """The search a saved search describes; unknown or malformed keys are ignored."""
        filters = filters or {}
        skills = filters.get("skills") or []
        values: dict[str, Any] = {
            "q": query or "",
            "skills": tuple(s for s in skills if isinstance(s, str)) if isinstance(skills, list) else (),
            "remote": filters.get("remote") is True,
            "verified": filters.get("verified") is True,
            "has_free_seats": filters.get("has_free_seats") is True,
        }
        for name in ("cause", "region"):
            if isinstance(filters.get(name), str):
                values[name] = filters[name]
        if filters.get("effort") in EFFORT_SIZES:
            values["effort"] = filters["effort"]
        return cls(**values, **extra)

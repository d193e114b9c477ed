"""One search, start to end: checks, the searcher, the parsed query, and the page of results.

A search runs through here once: its query is read (`parsing`), filtered (`filters`), evaluated and
counted over the index's arrays (`evaluation`), ordered (`ordering`), and its page highlighted
(`highlights`); a search with no match gets a spelling suggestion. Whole results are remembered
per index version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from whoosh import query
from whoosh.searching import Searcher

from app.core.errors import Invalid
from app.search.engine import evaluation, store
from app.search.engine.evaluation import FACETS
from app.search.engine.filters import filter_query
from app.search.engine.generations import IndexMissing
from app.search.engine.highlights import page_highlights
from app.search.engine.ordering import ranked
from app.search.engine.parsing import clean_query, synonym_table, text_query
from app.search.engine.postings import remembered
from app.search.engine.searchers import current_searcher, forget_searchers
from app.search.engine.store import IndexCorrupt
from app.search.engine.suggestions import suggestion
from app.search.indexing.rebuilds import schedule_rebuild

log = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "deadline")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchResult:
    """One page of results: request ids in order, with scores, highlights, facets and a suggestion.

    `total` counts every match (all pages); `facets` counts values over the whole filtered result
    set; `highlights[id][field]` is HTML-escaped text where only the `<mark>` tags are markup;
    `scores` is empty unless sorted by relevance; `suggestion` is a corrected query or None;
    `index_status` is "ok" unless the index could not answer ("missing", "corrupt" or
    "rebuilding"), and the result is then empty.
    """

    ids: list[int]
    total: int
    page: int
    per_page: int
    scores: dict[int, float] = field(default_factory=dict)
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {name: {} for name in FACETS})
    suggestion: str | None = None
    index_status: str = "ok"


def search(text: str = "", *, filters: dict[str, Any] | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20) -> SearchResult:
    """Search listed requests for `text` (Chinese, English or mixed) within `filters`.

    Words are ANDed, each found in the title, the content (spec summary, the nonprofit's
    answers, stories, criteria) or the labels (organisation, skill names); Traditional Chinese
    finds Simplified text and the reverse, English words match across stems, and synonyms
    (search/engine/synonyms.json and the skills taxonomy) find each other. Quoted phrases, OR and NOT
    are understood; text the parser can't read is searched as plain words, so no query string
    raises. Empty text lists everything within the filters, newest first.

    Filters: skills (slugs, all required), cause, region, status, effort (one value or several,
    any of them), remote, verified, has_free_seats (True to require). Raises Invalid naming
    `sort`, `page`, `per_page` or the filter with a bad value, and ValueError for an unknown
    filter name. A missing or corrupt index schedules a rebuild; the result is empty (its
    `index_status` says why) unless that rebuild ran at once (embedded mode).
    """
    if sort not in SORTS:
        raise Invalid("sort", _("Sort by one of: %(choices)s.", choices=", ".join(SORTS)))
    if not isinstance(page, int) or page < 1:
        raise Invalid("page", _("The page number must be 1 or more."))
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid("per_page", _("Show between 1 and %(n)d results per page.", n=MAX_PER_PAGE))
    filtering = filter_query(filters or {})
    try:
        searcher = current_searcher()
    except (IndexMissing, IndexCorrupt) as error:
        searcher = _after_scheduling_a_rebuild(error)
        if searcher is None:
            return _unanswered(page, per_page)
    # The synonym table is part of the key: editing synonyms changes results without an index change.
    key = (clean_query(text), synonym_table(), repr(filtering), sort, page, per_page)
    try:
        return remembered(searcher, key, lambda: _run(searcher, text, filtering, sort, page, per_page),
                          size=current_app.config.get("SEARCH_RESULT_CACHE_SIZE", 0))
    except Exception:
        # A segment damaged under an open searcher fails while it is read. Then search answers
        # empty while the index is rebuilt, as for a missing index; any other error is a bug.
        if store.status() == "ok":
            raise
        log.exception("search index damaged while searching: forgetting it and scheduling a rebuild")
        forget_searchers()
        searcher = _after_scheduling_a_rebuild(IndexCorrupt("damaged while searching"))
        if searcher is None:
            return _unanswered(page, per_page)
        return _run(searcher, text, filtering, sort, page, per_page)


def _unanswered(page: int, per_page: int) -> SearchResult:
    """The empty result of an index that can't answer, saying why."""
    return SearchResult([], 0, page, per_page, index_status=store.status())


def _after_scheduling_a_rebuild(error: Exception) -> Searcher | None:
    """Schedule a rebuild of an unusable index; its searcher if that made it usable (embedded mode)."""
    log.warning("search index unusable (%s): scheduling a rebuild", error)
    if not schedule_rebuild():
        return None
    try:
        return current_searcher()
    except (IndexMissing, IndexCorrupt):
        return None  # a worker will rebuild it: answer empty meanwhile


def _run(searcher: Searcher, text: str, filtering: query.Query | None, sort: str, page: int,
         per_page: int) -> SearchResult:
    words = text_query(text)
    if words is None and sort == "relevance":
        sort = "newest"  # nothing to rank by: newest first
    # Every match is needed (the total and the facets count them all), so the whole query is
    # evaluated over the index's arrays rather than by whoosh's collectors.
    matches = evaluation.evaluate(searcher, words, filtering)
    ordered = ranked(searcher, matches, sort)
    page_docs = [int(docnum) for docnum in ordered[(page - 1) * per_page:page * per_page]]
    stored = {docnum: searcher.stored_fields(docnum) for docnum in page_docs}
    ids = [int(stored[docnum]["id"]) for docnum in page_docs]
    scores = ({int(stored[docnum]["id"]): float(matches.scores[docnum]) for docnum in page_docs}
              if sort == "relevance" else {})
    marked = page_highlights(searcher, words, page_docs, stored) if words is not None else {}
    total = len(ordered)
    corrected = suggestion(searcher, text) if not total and words is not None else None
    return SearchResult(ids, total, page, per_page, scores, marked, evaluation.facets(searcher, matches.mask),
                        corrected)

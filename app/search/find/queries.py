"""The search query service: search arguments → visibility and filters → the index (or the database) → rows.

One entry point, `search_requests(params, viewer)`, serves the search page, GET /api/v1/requests
and the saved-search digests. Words go to the search engine (`app.search.engine.search`, one call
per search); the page's rows are then read from the database as listings
(`app.requests.pages.listings`) by a query that re-applies visibility and every filter, so a stale
index can hide a request for a moment but never show one it should not. Without words, or for
statuses the index does not hold (drafts, intake, withdrawn: only staff and coordinators may list
them), the database answers alone; it also answers, with plain substring matching, when the index
is missing or being rebuilt.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.pages.listings import RequestListing, listings
from app.requests.policy import PUBLIC_STATUSES
from app.search import engine
from app.search.find.filters import (
    facets_of,
    filtered,
    ordered,
    substring_match,
    summaries_of,
    visible_statuses,
)
from app.search.find.params import DROPPABLE, SearchParams
from app.search.find.results import Relaxation, SearchPage

log = logging.getLogger(__name__)

RELAXATIONS_MAX = 3


def _index_filters(params: SearchParams, statuses: tuple[str, ...] | None) -> dict[str, Any]:
    """The index's filters: the ones a saved search would keep, and the statuses the viewer may see."""
    filters = params.saved_filters()
    if statuses is not None:
        filters["status"] = list(statuses)
    return filters


def _uses_index(params: SearchParams, statuses: tuple[str, ...] | None) -> bool:
    """Words go to the index, unless the listing needs what it does not hold.

    The index holds published requests only and knows no organisation filter, so a listing of
    other statuses, or of one organisation, matches its words in the database.
    """
    if not params.words or params.organization_id is not None:
        return False
    return statuses is None or set(statuses) <= PUBLIC_STATUSES


def _count_only(params: SearchParams, viewer: User | None) -> int:
    """How many results a search has, as cheaply as the engine allows."""
    statuses = visible_statuses(params, viewer)
    if statuses == ():
        return 0
    if _uses_index(params, statuses):
        return engine.search(params.words, filters=_index_filters(params, statuses), sort="relevance",
                             page=1, per_page=1).total
    statement = filtered(params, statuses)
    if params.words:
        statement = substring_match(statement, params.words)
    counted = statement.with_only_columns(HelpRequest.id).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0


def _from_index(params: SearchParams, statuses: tuple[str, ...] | None) -> SearchPage | None:
    """The page the index answers, or None when it could not (missing, corrupt or being rebuilt)."""
    result = engine.search(params.words, filters=_index_filters(params, statuses),
                           sort=params.effective_sort, page=params.page, per_page=params.per_page)
    if result.index_status != "ok":
        return None
    rows: list[RequestListing] = []
    if result.ids:
        # Visibility and filters again, from the database: the index may lag behind a change.
        by_id = {r.id: r for r in listings(filtered(params, statuses).where(HelpRequest.id.in_(result.ids)))}
        rows = [by_id[i] for i in result.ids if i in by_id]
    return SearchPage(params, rows, result.total, scores=dict(result.scores),
                      highlights=dict(result.highlights), facets=result.facets,
                      suggestion=result.suggestion, engine="index")


def _from_database(params: SearchParams, statuses: tuple[str, ...] | None) -> SearchPage:
    matching = filtered(params, statuses)
    if params.words:
        matching = substring_match(matching, params.words)
    counted = matching.with_only_columns(HelpRequest.id).order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    rows: list[RequestListing] = []
    if total and (params.page - 1) * params.per_page < total:
        rows = listings(ordered(matching, params.effective_sort)
                        .limit(params.per_page).offset((params.page - 1) * params.per_page))
    facets = facets_of(matching) if total else {"skills": {}, "cause": {}, "region": {}}
    return SearchPage(params, rows, total, facets=facets)


def search_requests(params: SearchParams, viewer: User | None, *, relax: bool = True,
                    with_summaries: bool = True) -> SearchPage:
    """One page of the requests `viewer` may see that match `params`, with facets and summaries.

    Never raises for odd words: the index reads any text as plain words. When the index answers
    nothing because it is missing, corrupt or being rebuilt, the database matches the words as
    substrings instead (`engine` says which answered). With no result and `relax`, the page
    suggests filters to drop, each with its result count. Without `with_summaries` (the API's
    list items have none), the spec summaries are not read.
    """
    statuses = visible_statuses(params, viewer)
    if statuses == ():
        found = SearchPage(params, [], 0, facets={"skills": {}, "cause": {}, "region": {}})
    elif _uses_index(params, statuses):
        # An unusable index answers nothing (and schedules a rebuild): the database answers instead.
        answered = _from_index(params, statuses)
        if answered is None:
            log.warning("search index unusable: matching words in the database instead")
        found = answered if answered is not None else _from_database(params, statuses)
    else:
        found = _from_database(params, statuses)
    if with_summaries:
        found.summaries = summaries_of(found.items)
    if relax and found.total == 0:
        found.relaxations = relaxations(params, viewer)
    return found


def relaxations(params: SearchParams, viewer: User | None) -> list[Relaxation]:
    """Filters whose removal would bring results back, the most results first (at most three)."""
    options = []
    for name, value in params.active_filters():
        if name not in DROPPABLE:
            continue
        wider = params.without(name, value)
        total = _count_only(wider, viewer)
        if total:
            options.append(Relaxation(name, value, total, wider))
    options.sort(key=lambda option: -option.total)
    return options[:RELAXATIONS_MAX]

"""API: searching help requests (GET /requests)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.api.fields import boolean, choice, integer, string_list, text
from app.core.api.plumbing import api_route, page_args
from app.core.api.schema import Field, Schema
from app.requests.models import REQUEST_STATUSES
from app.requests.schemas import REQUEST_ITEM, request_list_item
from app.search.find import queries
from app.search.find.filters import cause_slug, region_name, skill_slugs
from app.search.find.params import SORTS, SearchParams
from app.search.find.results import SearchPage
from app.search.indexing.documents import EFFORT_SIZES

TAGS = ("search",)
SLUG_MAX = 100

SEARCH_FILTERS = (
    text("q", description="Words in Chinese, English or both. Traditional characters find Simplified "
                          "text; English words match across their stems. Any text is accepted: what "
                          "the parser cannot read is searched as plain words."),
    string_list("skills", max_length=SLUG_MAX, max_items=20,
                description="Comma-separated skill slugs (or names); a request must need all of them."),
    text("cause", max_length=SLUG_MAX, description="A cause area slug (or its name)."),
    text("region", max_length=SLUG_MAX, description="The organisation's region, e.g. Beijing."),
    choice("status", REQUEST_STATUSES,
           description="Only this status. Without it, coordinators see every status and everyone else "
                       "open requests; drafts, intake and withdrawn requests only ever appear to "
                       "coordinators and the organisation's own staff."),
    choice("sort", SORTS, description="relevance (the default with words), newest (the default without) "
                                      "or deadline (soonest first)."),
    choice("effort", EFFORT_SIZES,
           description="Size of the work: small (under 80 hours), medium (80-179) or large (180 and more)."),
    boolean("remote", description="true: remote-friendly requests only."),
    boolean("verified", description="true: requests of verified organisations only."),
    boolean("has_free_seats", description="true: requests with at least one free seat."),
    integer("organization_id", minimum=1, description="Only this organisation's requests."),
)
FACETS = Schema("SearchFacets", description="Counts over every match (not only this page): skill slug, "
                                            "cause slug and region → number of requests.")
SUGGESTIONS = Schema(
    "SearchSuggestions",
    text("query", nullable=True, max_length=500, description="A spelling the index knows better, or null."),
    Field("drop", "array", items=Field("item", "object", schema=Schema(
        "DroppableFilter", Field("filter", required=True, max_length=40),
        Field("value", "string", max_length=SLUG_MAX), integer("total", required=True)))),
    description="Only useful when nothing matched: another spelling, and filters whose removal brings "
                "results back (most results first).")
def search_params(query: dict[str, Any]) -> SearchParams:
    """The search the API's query string asks for (names of skills and causes read as their slugs)."""
    page, per_page = page_args()
    return SearchParams(
        q=query.get("q") or "", skills=skill_slugs(query.get("skills") or []),
        cause=cause_slug(query.get("cause")), region=region_name(query.get("region")),
        status=query.get("status"), effort=query.get("effort"), remote=bool(query.get("remote")),
        verified=bool(query.get("verified")), has_free_seats=bool(query.get("has_free_seats")),
        organization_id=query.get("organization_id"), sort=query.get("sort"), page=page, per_page=per_page)


def search_json(found: SearchPage) -> dict[str, Any]:
    """The contract's list envelope with facets and, for an empty result, suggestions."""
    items = [request_list_item(r, score=found.scores.get(r.id), highlights=found.highlights.get(r.id))
             for r in found.items]
    drop = [{"filter": r.name, "value": None if isinstance(r.value, bool) else r.value, "total": r.total}
            for r in found.relaxations]
    return {"items": items, "total": found.total, "page": found.page, "per_page": found.per_page,
            "facets": found.facets, "suggestions": {"query": found.suggestion, "drop": drop}}


@api_route("/requests", ["GET"], summary=_l("Search help requests"), query=SEARCH_FILTERS, paginated=True,
           response=REQUEST_ITEM, tags=TAGS,
           description=_l("Full-text search in Chinese and English with filters, facet counts over every "
                          "match (`facets`), and for an empty result a better spelling or filters to drop "
                          "(`suggestions`). Items carry `score` and `highlights` (matched text with <mark> "
                          "tags, everything else escaped) when words were given."))
def list_requests(query: dict[str, Any]):
    return search_json(queries.search_requests(search_params(query), signed_in_user(), with_summaries=False))

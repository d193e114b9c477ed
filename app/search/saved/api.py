"""API: the caller's saved searches (list, save with a digest, delete)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.api.fields import boolean, choice, integer, moment, nested, string_list, text, title
from app.core.api.plumbing import api_route, iso, page_args
from app.core.api.schema import Field, Schema
from app.search.find.api import SLUG_MAX, TAGS
from app.search.find.filters import cause_slug, skill_slugs
from app.search.find.params import SearchParams
from app.search.indexing.documents import EFFORT_SIZES
from app.search.models import DIGEST_FREQUENCIES, SavedSearch
from app.search.saved import services as saved
from app.search.saved.queries import saved_search_url

SAVED_SEARCH_FILTERS = Schema(
    "SavedSearchFilters",
    string_list("skills", max_length=SLUG_MAX, max_items=20), text("cause", max_length=SLUG_MAX),
    text("region", max_length=SLUG_MAX), choice("effort", EFFORT_SIZES), boolean("remote"),
    boolean("verified"), boolean("has_free_seats"))
NEW_SAVED_SEARCH = Schema(
    "NewSavedSearch", title("name", required=True, max_length=saved.NAME_MAX),
    text("q", max_length=saved.QUERY_MAX, description="The words, as for GET /requests."),
    nested("filters", SAVED_SEARCH_FILTERS), choice("frequency", DIGEST_FREQUENCIES, default="weekly",
                                                    description="How often new matches are sent."))
SAVED_SEARCH = Schema(
    "SavedSearch", integer("id", required=True), title("name", required=True), text("q", required=True),
    nested("filters", SAVED_SEARCH_FILTERS, required=True),
    choice("frequency", DIGEST_FREQUENCIES, required=True),
    moment("created_at", required=True), moment("last_sent_at", nullable=True),
    Field("search_url", required=True, description="The search page showing this search's matches."))


def saved_search_json(saved_search: SavedSearch) -> dict[str, Any]:
    """A saved search as the API shows it."""
    return {"id": saved_search.id, "name": saved_search.name, "q": saved_search.query,
            "filters": dict(saved_search.filters or {}), "frequency": saved_search.frequency,
            "created_at": iso(saved_search.created_at), "last_sent_at": iso(saved_search.last_sent_at),
            "search_url": saved_search_url(saved_search, external=True)}


@api_route("/saved-searches", ["GET"], summary=_l("Your saved searches"), auth=("volunteer",),
           paginated=True, response=SAVED_SEARCH, tags=TAGS)
def list_saved_searches():
    page, per_page = page_args()
    searches = saved.saved_searches_of(signed_in_user())
    window = searches[(page - 1) * per_page: page * per_page]
    return {"items": [saved_search_json(s) for s in window], "total": len(searches), "page": page,
            "per_page": per_page}


@api_route("/saved-searches", ["POST"], summary=_l("Save a search and get its new matches as a digest"),
           auth=("volunteer",), body=NEW_SAVED_SEARCH, status=201, response=SAVED_SEARCH, tags=TAGS,
           responses={422: _l("No name, a bad frequency, or already 20 saved searches.")})
def create_saved_search(body: dict[str, Any]):
    filters = body.get("filters") or {}
    params = SearchParams.from_saved(body.get("q") or "", {
        **filters, "skills": list(skill_slugs(filters.get("skills") or [])),
        "cause": cause_slug(filters.get("cause"))})
    saved_search = saved.save_search(signed_in_user(), name=body.get("name"), params=params,
                                     frequency=body.get("frequency"))
    return saved_search_json(saved_search), 201


@api_route("/saved-searches/<int:saved_search_id>", ["DELETE"], summary=_l("Delete a saved search"),
           auth=("volunteer",), status=204, tags=TAGS,
           responses={404: _l("No such saved search of yours.")})
def delete_saved_search(saved_search_id: int):
    saved.delete_saved_search(signed_in_user(), saved_search_id)
    return "", 204

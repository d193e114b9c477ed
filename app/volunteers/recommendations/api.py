"""API: the signed-in volunteer's recommended requests, best first, each with its reasons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.api.fields import string_list
from app.core.api.plumbing import api_route, page_args, page_envelope
from app.core.api.schema import Field, Schema
from app.core.templating import current_locale
from app.requests.schemas import REQUEST_ITEM, request_list_item
from app.volunteers.recommendations.queries import RecommendedRequest, recommendations_for

RECOMMENDATION = Schema(
    "Recommendation", *(f for f in REQUEST_ITEM.fields if f.name != "score"),
    Field("score", "number", required=True, minimum=0, maximum=1,
          description="How well the request suits the caller, from 0 to 1."),
    string_list("reasons", required=True, max_length=500,
                description="Why, in the caller's language: skills, hours, causes, place."),
    description="An open request with a free seat, ranked for the caller.")


def recommendation_json(item: RecommendedRequest) -> dict[str, Any]:
    """A recommended request: the search list's item plus its reasons."""
    return {**request_list_item(item.help_request, score=item.score), "reasons": item.reasons}


@api_route("/volunteers/me/recommendations", ["GET"], summary=_l("Open requests recommended for you"),
           auth=("volunteer",), paginated=True, response=RECOMMENDATION, tags=("volunteers",),
           description=_l("Open requests with a free seat, ranked by your skills (weighted by level), "
                          "weekly hours, causes and place. Empty until your profile lists skills or causes."))
def list_recommendations():
    page, per_page = page_args()
    found = recommendations_for(signed_in_user(), current_locale())
    window = found[(page - 1) * per_page: page * per_page]
    return page_envelope([recommendation_json(item) for item in window], len(found), page, per_page)

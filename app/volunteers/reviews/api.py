"""API: reviews after delivery (write, edit within 7 days, list)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import integer, moment, text
from app.core.api.plumbing import SIGNED_IN, api_route, iso, page_args, page_envelope
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.requests.policy import visible_request_or_404
from app.volunteers.models import Review
from app.volunteers.reviews import queries, services

TAGS = ("reviews",)
RATING = integer("rating", services.RATING_MIN, services.RATING_MAX, required=True,
                 description=_l("From 1 (poor) to 5 (excellent)."))
NEW_REVIEW = Schema(
    "NewReview", RATING,
    text("body", required=True, description=_l("A few sentences about working together.")),
    integer("subject_user_id", description=_l("The organisation's staff name the volunteer they review; "
                                              "optional when the team had one volunteer. Team members "
                                              "always review the organisation.")),
)
REVIEW_CHANGE = Schema("ReviewChange", integer("rating", services.RATING_MIN, services.RATING_MAX),
                       text("body"))
SUBJECT_ORG = Schema("ReviewedOrganization", integer("id", required=True), Field("name", required=True))
REVIEW = Schema(
    "Review",
    integer("id", required=True), integer("request_id", required=True),
    integer("rating", required=True), text("body", required=True),
    Field("author", "object", schema=ACTOR, required=True),
    Field("subject_user", "object", schema=ACTOR, nullable=True),
    Field("subject_organization", "object", schema=SUBJECT_ORG, nullable=True),
    moment("created_at", required=True), moment("updated_at", required=True),
    moment("editable_until", required=True),
)
NOT_FOUND = _l("No such request, or not public.")


def review_json(review: Review) -> dict[str, Any]:
    """A review as anyone who can see the request reads it."""
    org = review.subject_organization
    return {
        "id": review.id, "request_id": review.request_id, "rating": review.rating, "body": review.body,
        "author": user_summary(review.author), "subject_user": user_summary(review.subject_user),
        "subject_organization": {"id": org.id, "name": org.name} if org else None,
        "created_at": iso(review.created_at), "updated_at": iso(review.updated_at),
        "editable_until": iso(queries.editable_until(review)),
    }


@api_route("/requests/<int:request_id>/reviews", ["POST"], summary=_l("Review the other side of a delivery"),
           auth=SIGNED_IN, body=NEW_REVIEW, status=201, response=REVIEW, tags=TAGS,
           description=_l("After delivery the organisation's staff review each volunteer of the team and "
                          "the team reviews the organisation, once per author and subject."),
           responses={403: _l("Neither the organisation's staff nor the team that delivered."),
                      404: NOT_FOUND,
                      409: _l("Not delivered yet (`not_delivered`) or already reviewed "
                              "(`already_reviewed`)."),
                      422: _l("A rating outside 1-5, no text, or no such volunteer on the team.")})
def create_review(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    review = services.create_review(visible_request_or_404(me, request_id), me, **body)
    return review_json(review), 201


@api_route("/requests/<int:request_id>/reviews", ["GET"], summary=_l("The reviews written on a request"),
           response=REVIEW, paginated=True, tags=TAGS, responses={404: NOT_FOUND})
def list_reviews(request_id: int):
    reviews = queries.reviews_of(visible_request_or_404(signed_in_user(), request_id))
    page, per_page = page_args()
    shown = reviews[(page - 1) * per_page:page * per_page]  # a handful per request: paged in memory
    return page_envelope([review_json(review) for review in shown], len(reviews), page, per_page)


@api_route("/reviews/<int:review_id>", ["PATCH"], summary=_l("Edit a review within 7 days"),
           auth=SIGNED_IN, body=REVIEW_CHANGE, response=REVIEW, tags=TAGS,
           responses={403: _l("Only the review's author."), 404: _l("No such review."),
                      409: _l("More than 7 days have passed (`review_locked`).")})
def update_review(review_id: int, body: dict[str, Any]):
    review = queries.get_review(review_id)
    visible_request_or_404(signed_in_user(), review.request_id)
    return review_json(services.update_review(review, signed_in_user(), **body))

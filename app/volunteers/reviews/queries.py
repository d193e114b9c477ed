"""Reading reviews: whom an author reviews on a delivered request, the reviews written, the edit window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.policy import is_member
from app.volunteers.delivery.policy import TEAM_CLAIM_STATUSES, was_on_team
from app.volunteers.models import Claim, Review

EDIT_WINDOW = timedelta(days=7)


def delivered_team(help_request: HelpRequest) -> list[User]:
    """The volunteers whose claims were accepted or completed on the request, in claim order."""
    return list(db.session.scalars(
        sa.select(User).join(Claim, Claim.volunteer_id == User.id)
        .where(Claim.request_id == help_request.id, Claim.status.in_(TEAM_CLAIM_STATUSES))
        .order_by(Claim.id)))


@dataclass(frozen=True)
class ReviewSubject:
    """Someone the author may review on this request: a volunteer, or the organisation."""

    user: User | None
    organization_id: int | None
    name: str
    review: Review | None  # the author's review of this subject, once written


def subjects_for(author: User | None, help_request: HelpRequest) -> list[ReviewSubject]:
    """Whom `author` reviews on a delivered request (empty when they review no one there)."""
    if help_request.status != "delivered" or author is None or not author.is_authenticated:
        return []
    mine = {(r.subject_user_id, r.subject_organization_id): r for r in db.session.scalars(
        sa.select(Review).where(Review.request_id == help_request.id, Review.author_id == author.id))}
    if is_member(author, help_request.organization_id):
        return [ReviewSubject(user, None, user.name, mine.get((user.id, None)))
                for user in delivered_team(help_request) if user.id != author.id]
    if was_on_team(author, help_request):
        org = help_request.organization
        return [ReviewSubject(None, org.id, org.name, mine.get((None, org.id)))]
    return []


def reviews_of(help_request: HelpRequest) -> list[Review]:
    """Every review written on the request, oldest first, with authors and subjects loaded."""
    return list(db.session.scalars(
        sa.select(Review).where(Review.request_id == help_request.id)
        .options(joinedload(Review.author), joinedload(Review.subject_user),
                 joinedload(Review.subject_organization))
        .order_by(Review.created_at, Review.id)))


def get_review(review_id: int) -> Review:
    """The review with its request; raises NotFound when there is none."""
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    return review


def editable_until(review: Review) -> datetime:
    """The end of the review's edit window (7 days after it was written)."""
    return review.created_at + EDIT_WINDOW


def can_edit(user: User | None, review: Review, now: datetime | None = None) -> bool:
    """Whether `user` wrote the review and its 7-day edit window is still open."""
    return (user is not None and getattr(user, "is_authenticated", False) and review.author_id == user.id
            and (now or utcnow()) < editable_until(review))

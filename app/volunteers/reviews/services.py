"""Reviews after delivery: the organisation reviews each team member, the team reviews the organisation."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text_into
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid, NotAllowed
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import User
from app.core.notifications.services import notify
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.organizations.queries import organization_staff
from app.requests.timeline.services import add_entry
from app.volunteers.delivery.services import MAIL_KIND
from app.volunteers.models import Review
from app.volunteers.reviews.queries import ReviewSubject, can_edit, subjects_for

# Sent once, when the review is written: edits within the 7-day window notify no one, in-app or by e-mail.
REVIEW_MAIL_SUBJECT = N_("You received a review for “%(title)s”")
RATING_MIN, RATING_MAX = 1, 5


def _clean(rating: object, body: str | None) -> tuple[int, str]:
    errors: dict[str, str] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
        errors["rating"] = _("Choose a rating from %(low)d to %(high)d.", low=RATING_MIN, high=RATING_MAX)
    text = clean_text_into(errors, body, "body", max_length=TEXT_MAX,
                           required=_("Write a sentence or two about working together."))
    if errors:
        raise Invalid(fields=errors)
    return int(rating), text  # type: ignore[arg-type]


def _pick_subject(author: User, help_request: HelpRequest, subject_user_id: int | None) -> ReviewSubject:
    """The subject the author names (or the only one they have); NotAllowed / Invalid otherwise."""
    subjects = subjects_for(author, help_request)
    if not subjects:
        raise NotAllowed(_("Only the organisation's staff and the team that delivered review this project."))
    if subjects[0].organization_id is not None:
        return subjects[0]  # a team member reviews the organisation, whatever else was sent
    if subject_user_id is None and len(subjects) == 1:
        return subjects[0]
    for subject in subjects:
        if subject.user is not None and subject.user.id == subject_user_id:
            return subject
    raise Invalid("subject_user_id", _("Choose a volunteer of the team that delivered this project."))


def create_review(help_request: HelpRequest, author: User, *, rating: object, body: str | None,
                  subject_user_id: int | None = None) -> Review:
    """Review the other side of a delivered project, once per author and subject; commits.

    Staff of the organisation review a volunteer of the team (`subject_user_id`, optional when the
    team had one volunteer); team volunteers review the organisation. Adds a `review` timeline
    entry and audit event and notifies the subject in-app and by e-mail (the `delivery` kind of
    their e-mail settings). Raises Conflict (`not_delivered` before delivery, `already_reviewed`
    for a second review of the same subject), NotAllowed (neither staff nor team) and Invalid
    naming `rating`, `body` or `subject_user_id`.
    """
    if help_request.status != "delivered":
        raise Conflict(_("Reviews open once the organisation has accepted the delivery."),
                       code="not_delivered")
    subject = _pick_subject(author, help_request, subject_user_id)
    if subject.review is not None:
        raise Conflict(_("You have already reviewed them on this project; you can edit your review instead."),
                       code="already_reviewed")
    rating_value, text = _clean(rating, body)
    review = Review(request_id=help_request.id, author_id=author.id, rating=rating_value, body=text,
                    subject_user_id=subject.user.id if subject.user else None,
                    subject_organization_id=subject.organization_id)
    try:
        db.session.add(review)
        db.session.flush()
        add_entry(help_request, "review", actor=author, summary="A review was written.",
                  detail={"review_id": review.id, "rating": rating_value,
                          "subject": "volunteer" if subject.user else "organization"})
        audit.record("review.created", review, actor=author, request_id=help_request.id, rating=rating_value)
        _notify_subject(review, help_request, subject)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a second submit raced the first: the unique index kept one
        raise Conflict(_("You have already reviewed them on this project; you can edit your review instead."),
                       code="already_reviewed") from None
    except DomainError:
        db.session.rollback()
        raise
    return review


def _notify_subject(review: Review, help_request: HelpRequest, subject: ReviewSubject) -> None:
    """A notification and a `delivery` e-mail (unless turned off) to the reviewed volunteer or staff.

    Blocked accounts are told nothing, as with delivery notices.
    """
    if subject.user is not None:
        recipients = [subject.user] if not subject.user.is_blocked else []
        endpoint, args = "volunteers.show_profile", {"user_id": subject.user.id, "_anchor": "reviews"}
    else:
        recipients = organization_staff(help_request.organization_id)
        endpoint, args = "requests.view_request", {"request_id": help_request.id, "_anchor": "reviews"}
    link, page_url = url_for(endpoint, **args), url_for(endpoint, _external=True, **args)
    for user in recipients:
        notify(user, "review_received", {"request_id": help_request.id, "title": help_request.title,
                                         "review_id": review.id, "rating": review.rating}, link)
        send_email(user, MAIL_KIND, REVIEW_MAIL_SUBJECT, "reviews/review_received",
                   subject_params={"title": help_request.title}, help_request=help_request, review=review,
                   page_url=page_url)


def update_review(review: Review, by: User, *, rating: object = None, body: str | None = None,
                  now: datetime | None = None) -> Review:
    """The author changes the rating or text within 7 days of writing it; commits.

    Fields left None keep their value. Raises NotAllowed (not the author), Conflict
    (`review_locked`) once 7 days have passed, Invalid naming `rating` or `body`.
    """
    if review.author_id != by.id:
        raise NotAllowed(_("Only the author can edit a review."))
    if not can_edit(by, review, now):
        raise Conflict(_("Reviews can be edited for 7 days after they are written; this one is final now."),
                       code="review_locked")
    rating_value, text = _clean(review.rating if rating is None else rating,
                                review.body if body is None else body)
    try:
        review.rating, review.body, review.updated_at = rating_value, text, now or utcnow()
        audit.record("review.updated", review, actor=by, request_id=review.request_id, rating=rating_value)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return review

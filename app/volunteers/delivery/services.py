"""Delivery: the team hands the work over, the organisation accepts it or asks for changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import User
from app.core.notifications.services import notify
from app.core.policy import require
from app.core.web_addresses import web_address
from app.extensions import db
from app.requests import status as request_status
from app.requests.models import HelpRequest
from app.requests.organizations.queries import organization_staff
from app.requests.timeline.services import add_entry
from app.volunteers.claims import status as claim_status
from app.volunteers.delivery.queries import latest_delivery
from app.volunteers.models import Claim, Delivery

MAIL_KIND = "delivery"  # User.email_preferences key; the account settings page lists it
HANDOVER_HINT = _l("Say how to run it, where and how to host it, how to maintain it, and its licence.")


def _clean_url(value: str | None, field: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid(field, _("Enter the address of the code repository, starting with https://."))
        return None
    if web_address(text, assume_https=False) is None:
        raise Invalid(field, _("Enter a full web address starting with http:// or https://."))
    return text


def _accepted_team(help_request: HelpRequest) -> list[Claim]:
    return list(db.session.scalars(sa.select(Claim).where(
        Claim.request_id == help_request.id, Claim.status == "accepted").order_by(Claim.id)))


def _tell(recipients: list[User], help_request: HelpRequest, kind: str, subject: str, *,
          delivery: Delivery) -> None:
    """A notification and a `delivery` e-mail to each recipient (the e-mail respects their settings)."""
    link = url_for("requests.view_request", request_id=help_request.id, _anchor="delivery")
    page_url = url_for("requests.view_request", request_id=help_request.id, _anchor="delivery",
                       _external=True)
    for user in recipients:
        notify(user, kind, {"request_id": help_request.id, "title": help_request.title,
                            "delivery_id": delivery.id}, link)
        send_email(user, MAIL_KIND, subject, f"delivery/{kind}", subject_params={"title": help_request.title},
                   help_request=help_request, delivery=delivery, page_url=page_url)


def submit_delivery(help_request: HelpRequest, by: User, *, repository_url: str | None,
                    handover_notes: str | None, demo_url: str | None = None) -> Delivery:
    """The team hands the work over: the request goes in_progress → in_review; commits.

    Adds a `delivery_submitted` timeline entry and audit event; the organisation's staff get a
    notification and an e-mail. Raises NotAllowed (not an accepted team member), Invalid naming
    `repository_url`, `demo_url` or `handover_notes`, and Conflict when the request is not in progress.
    """
    require(by, "request.deliver", help_request)
    errors: dict[str, str] = {}
    values = {}
    for field, clean in (
        ("repository_url", lambda: _clean_url(repository_url, "repository_url", required=True)),
        ("demo_url", lambda: _clean_url(demo_url, "demo_url", required=False)),
        ("handover_notes", lambda: clean_text(handover_notes, "handover_notes", max_length=TEXT_MAX,
                                                required=str(HANDOVER_HINT))),
    ):
        try:
            values[field] = clean()
        except Invalid as error:
            errors.update(error.fields or {field: str(error)})
    if errors:
        raise Invalid(fields=errors)
    try:
        request_status.transition(help_request, "in_review", by=by)
        delivery = Delivery(help_request=help_request, submitted_by_id=by.id, status="submitted", **values)
        db.session.add(delivery)
        db.session.flush()
        add_entry(help_request, "delivery_submitted", actor=by, summary="The team submitted the delivery.",
                  detail={"delivery_id": delivery.id, "repository_url": delivery.repository_url,
                          "demo_url": delivery.demo_url})
        audit.record("delivery.submitted", delivery, actor=by, request_id=help_request.id)
        _tell(organization_staff(help_request.organization_id), help_request, "delivery_submitted",
              N_("The team handed over the work on “%(title)s”"), delivery=delivery)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return delivery


def _open_delivery(help_request: HelpRequest) -> Delivery:
    delivery = latest_delivery(help_request)
    if help_request.status != "in_review" or delivery is None or delivery.status != "submitted":
        raise Conflict(_("There is no delivery waiting for an answer on this request."),
                       code="no_delivery_in_review")
    return delivery


def accept_delivery(help_request: HelpRequest, by: User, note: str | None = None) -> Delivery:
    """The organisation accepts the delivery: the request is delivered and the team's claims complete.

    Completed claims keep their seats (the team stays on the record). Adds `delivery_accepted`
    to the timeline and audit trail, tells the team; commits. Raises NotAllowed (not the
    organisation's staff) and Conflict when no delivery is waiting for an answer.
    """
    require(by, "request.answer_delivery", help_request)
    try:
        delivery = _open_delivery(help_request)
        now = utcnow()
        delivery.status, delivery.responded_at = "accepted", now
        delivery.response_note = (note or "").strip()[:TEXT_MAX] or None
        request_status.transition(help_request, "delivered", by=by)
        team = _accepted_team(help_request)
        for claim in team:
            claim_status.transition(claim, "completed", by=by, now=now)
        add_entry(help_request, "delivery_accepted", actor=by,
                  summary="The organisation accepted the delivery.", detail={"delivery_id": delivery.id})
        audit.record("delivery.accepted", delivery, actor=by, request_id=help_request.id)
        _tell([claim.volunteer for claim in team if not claim.volunteer.is_blocked], help_request,
              "delivery_accepted", N_("Your delivery of “%(title)s” was accepted"), delivery=delivery)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return delivery


def request_changes(help_request: HelpRequest, by: User, body: str | None) -> Delivery:
    """The organisation asks for changes: the request goes back to in_progress with the comment.

    Adds `delivery_changes_requested` to the timeline and audit trail, tells the team; commits.
    Raises NotAllowed (not the organisation's staff), Invalid naming `body` (missing or too long)
    and Conflict when no delivery is waiting for an answer.
    """
    require(by, "request.answer_delivery", help_request)
    comment = clean_text(body, "body", max_length=TEXT_MAX,
                         required=_("Say what should change, so the team knows what to do next."))
    try:
        delivery = _open_delivery(help_request)
        delivery.status, delivery.responded_at = "changes_requested", utcnow()
        delivery.response_note = comment
        request_status.transition(help_request, "in_progress", by=by, note=comment)
        add_entry(help_request, "delivery_changes_requested", actor=by,
                  summary="The organisation asked for changes to the delivery.",
                  detail={"delivery_id": delivery.id})
        audit.record("delivery.changes_requested", delivery, actor=by, request_id=help_request.id)
        team = [claim.volunteer for claim in _accepted_team(help_request) if not claim.volunteer.is_blocked]
        _tell(team, help_request, "delivery_changes_requested", N_("Changes asked on “%(title)s”"),
              delivery=delivery)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return delivery

"""Event jobs: the notices an engineer gets (moved up from the waiting list, match confirmed), in-app and
by e-mail in their language."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import User
from app.core.notifications.services import notify
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.models import EventMatch, EventRegistration, MatchingEvent


@dataclass(frozen=True)
class Notice:
    """Which e-mail (templates/email/events/<template>) and subject a notice sends."""

    template: str
    subject: str


NOTICES = {
    "promoted": Notice("waitlist_promoted", N_("A place freed up: you are registered for “%(name)s”")),
    "match_confirmed": Notice("match_confirmed", N_("You are on the team of “%(title)s”")),
}


def send_event_notice(kind: str, object_id: int) -> int:
    """Job: tell the engineer about their registration or match, by e-mail (kind `events`) and in-app.

    `promoted` takes a registration id and is sent only while the registration is still
    registered (a cancel right after the move-up sends nothing); `match_confirmed` takes a match
    id and names the project and its organisation. Re-reads state, so a replay of a job already
    done is harmless to the data (the outbox runs each job once). Commits once; returns how many
    were told (0 or 1). Raises KeyError for an unknown kind.
    """
    notice = NOTICES[kind]
    if kind == "promoted":
        registration = db.session.scalar(
            sa.select(EventRegistration).where(EventRegistration.id == object_id)
            .options(joinedload(EventRegistration.event), joinedload(EventRegistration.volunteer)))
        if registration is None or registration.status != "registered":
            return 0
        return _tell(registration.volunteer, registration.event, notice, "event_promoted",
                     subject_params={"name": registration.event.name}, registration=registration)
    match = db.session.scalar(
        sa.select(EventMatch).where(EventMatch.id == object_id)
        .options(joinedload(EventMatch.event), joinedload(EventMatch.volunteer),
                 joinedload(EventMatch.help_request).joinedload(HelpRequest.organization)))
    if match is None or match.confirmed_at is None:
        return 0
    return _tell(match.volunteer, match.event, notice, "event_match_confirmed",
                 subject_params={"title": match.help_request.title}, match=match,
                 help_request=match.help_request,
                 claim_url=(url_for("volunteers.show_claim", claim_id=match.claim_id, _external=True)
                            if match.claim_id else None))


def _tell(volunteer: User, event: MatchingEvent, notice: Notice, notification_kind: str, *,
          subject_params: dict, **context: object) -> int:
    if volunteer.is_blocked:
        return 0
    event_url = url_for("volunteers.show_event", event_id=event.id, _external=True)
    send_email(volunteer, "events", notice.subject, f"events/{notice.template}",
               subject_params=subject_params, event=event, event_url=event_url, **context)
    params = {"name": event.name, "event_id": event.id, **subject_params}
    help_request = context.get("help_request")
    if isinstance(help_request, HelpRequest):
        params.update(request_id=help_request.id, organization=help_request.organization.name)
    notify(volunteer, notification_kind, params, link=url_for("volunteers.show_event", event_id=event.id))
    db.session.commit()
    return 1

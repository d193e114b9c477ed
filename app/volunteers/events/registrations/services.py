"""Registrations: register with a ranking, change it, cancel (the waiting list moves up), check in.

The rules of `app.volunteers.events.services` hold here: places are counted under the event's lock
(`lock_event`), so seats never run over.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.volunteers.events import status as event_status
from app.volunteers.events.services import (
    committed,
    featured_ids,
    fill_free_places,
    lock_event,
    registered_count,
)
from app.volunteers.models import (
    EventMatch,
    EventRegistration,
    MatchingEvent,
)

# Check-in codes: 8 characters from 31 that can't be misread (no 0/O, 1/I/L), about 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


CODE_LENGTH = 8


def _clean_preferences(event: MatchingEvent, preferences: Any) -> list[int]:
    """The ranking as featured request ids, best first, or Invalid naming `preferences`."""
    if preferences is None:
        return []
    if (not isinstance(preferences, list | tuple)
            or any(isinstance(i, bool) or not isinstance(i, int) for i in preferences)):
        raise Invalid("preferences", _("Rank the featured projects by their ids, best first."))
    if len(set(preferences)) != len(preferences):
        raise Invalid("preferences", _("Rank each project once."))
    unknown = [i for i in preferences if i not in featured_ids(event)]
    if unknown:
        raise Invalid("preferences", ngettext(
            "Project %(ids)s is not featured at this event: rank only the event's projects.",
            "Projects %(ids)s are not featured at this event: rank only the event's projects.",
            len(unknown), ids=", ".join(str(i) for i in unknown)))
    return list(preferences)


def _require_sign_ups_open(event: MatchingEvent) -> None:
    if not event_status.registration_open(event, utcnow()):
        raise Conflict(_("Registration for this event has closed, so your registration and ranking "
                         "can't change any more. Talk to the coordinator at the event."),
                       code="registration_closed")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _unused_code() -> str:
    """A check-in code no registration holds (a collision among 31^8 is rare; we still check)."""
    while True:
        code = _new_code()
        if not db.session.scalar(sa.select(sa.exists().where(EventRegistration.check_in_code == code))):
            return code


def register(event: MatchingEvent, volunteer: User, preferences: list[int]) -> EventRegistration:
    """Register the engineer for the event with their ranking; commits.

    Status `registered` while places are free, else `waitlisted` (moved up in order when someone
    cancels). A check-in code is made. Registering again after cancelling reuses the registration
    and goes to the back of the waiting order. Raises NotAllowed (not a volunteer, or the event is
    a draft), Invalid naming `preferences` (not featured ids, or a project twice), and Conflict:
    `registration_closed` (past the deadline, or the event no longer takes sign-ups),
    `already_registered`.
    """
    require(volunteer, "event.register", event)
    _require_sign_ups_open(event)
    ranking = _clean_preferences(event, preferences)

    def work() -> EventRegistration:
        lock_event(event)
        registration = db.session.scalar(sa.select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.volunteer_id == volunteer.id))
        if registration is not None and registration.status != "cancelled":
            raise Conflict(_("You are already registered for this event. Change your ranking instead."),
                           code="already_registered")
        db.session.refresh(event)
        status = "registered" if registered_count(event) < event.capacity else "waitlisted"
        now = utcnow()
        if registration is None:
            registration = EventRegistration(event_id=event.id, volunteer_id=volunteer.id)
            db.session.add(registration)
        registration.status = status
        registration.preferences = ranking
        registration.created_at = now  # the back of the queue, also when coming back
        registration.updated_at = now
        registration.cancelled_at = None
        registration.promoted_at = None
        registration.attended_at = None
        registration.check_in_code = registration.check_in_code or _unused_code()
        db.session.flush()
        audit.record("event.registered", registration, actor=volunteer, event_id=event.id, status=status,
                     preferences=ranking)
        return registration

    return committed(work)


def _registration_of(event: MatchingEvent, volunteer: User) -> EventRegistration:
    registration = db.session.scalar(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == volunteer.id,
        EventRegistration.status != "cancelled"))
    if registration is None:
        raise NotFound(_("You are not registered for this event."))
    return registration


def change_preferences(event: MatchingEvent, volunteer: User, preferences: list[int]) -> EventRegistration:
    """Replace the engineer's ranking of the featured projects; commits.

    Raises NotFound (not registered), NotAllowed, Invalid naming `preferences`, and Conflict
    `registration_closed` once registration has closed (`status.registration_open` is false).
    """
    registration = _registration_of(event, volunteer)
    require(volunteer, "event.registration.change", registration)
    _require_sign_ups_open(event)
    ranking = _clean_preferences(event, preferences)

    def work() -> EventRegistration:
        registration.preferences = ranking
        registration.updated_at = utcnow()
        audit.record("event.preferences_changed", registration, actor=volunteer, event_id=event.id,
                     preferences=ranking)
        return registration

    return committed(work)


def cancel_registration(event: MatchingEvent, volunteer: User) -> EventRegistration:
    """Cancel the engineer's registration; a place freed goes to the oldest waiting one, who is told;
    commits.

    Race-safe: cancels are counted under the event's lock, so two at once move up two different
    people and never the same one twice. Raises NotFound (not registered), NotAllowed, and
    Conflict `registration_closed` once registration has closed, or `match_confirmed` when their
    match was confirmed (they hold a claim now: withdraw it instead).
    """
    registration = _registration_of(event, volunteer)
    require(volunteer, "event.registration.change", registration)
    _require_sign_ups_open(event)

    def work() -> EventRegistration:
        lock_event(event)
        confirmed = db.session.scalar(sa.select(sa.exists().where(
            EventMatch.event_id == event.id, EventMatch.volunteer_id == volunteer.id,
            EventMatch.confirmed_at.is_not(None))))
        if confirmed:
            raise Conflict(_("Your match at this event is confirmed: you are on the project's team. "
                             "Withdraw from the team under My projects instead."), code="match_confirmed")
        now = utcnow()
        cancelled = db.session.execute(
            sa.update(EventRegistration)
            .where(EventRegistration.id == registration.id, EventRegistration.status != "cancelled")
            .values(status="cancelled", cancelled_at=now, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        db.session.refresh(registration)
        if cancelled != 1:
            raise Conflict(_("This registration was cancelled already."), code="registration_cancelled")
        db.session.execute(sa.delete(EventMatch).where(EventMatch.event_id == event.id,
                                                       EventMatch.volunteer_id == volunteer.id))
        db.session.refresh(event)
        promoted = fill_free_places(event)
        audit.record("event.registration_cancelled", registration, actor=volunteer, event_id=event.id,
                     promoted=promoted)
        return registration

    return committed(work)


def check_in(event: MatchingEvent, by: User, *, user_id: int | None = None,
             check_in_code: str | None = None) -> EventRegistration:
    """Record that a registered engineer is at the event, found by user id or by check-in code; commits.

    Idempotent: checking someone in twice changes nothing. A waiting engineer who turns up is
    checked in too and takes a free place if there is one (status `registered`); without one they
    stay `waitlisted` (the returned status says so) and are not matched until a place frees.
    Raises NotAllowed (not a coordinator), Invalid naming `check_in_code` (unknown code) or
    `user_id` (none given, or not registered), and Conflict `event_not_live` for a draft or an
    ended event.
    """
    require(by, "event.manage", event)
    if event.status not in event_status.LIVE_STATUSES:
        raise Conflict(_("People are checked in while the event is published and not yet ended."),
                       code="event_not_live")
    query = sa.select(EventRegistration).where(EventRegistration.event_id == event.id,
                                                EventRegistration.status != "cancelled")
    if check_in_code:
        code = str(check_in_code).strip().upper().replace(" ", "").replace("-", "")
        registration = db.session.scalar(query.where(EventRegistration.check_in_code == code))
        if registration is None:
            raise Invalid("check_in_code", _("No registration for this event has this code. Check the "
                                             "code on the engineer's phone, or find them in the list."))
    elif user_id is not None:
        registration = db.session.scalar(query.where(EventRegistration.volunteer_id == user_id))
        if registration is None:
            raise Invalid("user_id", _("This person is not registered for this event."))
    else:
        raise Invalid("check_in_code", _("Enter the engineer's check-in code, or pick them from the list."))
    if registration.attended_at is not None:
        return registration

    def work() -> EventRegistration:
        lock_event(event)
        db.session.refresh(registration)
        if registration.attended_at is not None:
            return registration
        now = utcnow()
        registration.attended_at = now
        registration.updated_at = now
        db.session.refresh(event)
        if registration.status == "waitlisted" and registered_count(event) < event.capacity:
            registration.status = "registered"
            registration.promoted_at = now
        audit.record("event.checked_in", registration, actor=by, event_id=event.id,
                     volunteer_id=registration.volunteer_id, status=registration.status,
                     by_code=bool(check_in_code))
        return registration

    return committed(work)

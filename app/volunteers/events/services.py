"""Matching events: create and publish, feature requests, register and rank, check in, match and confirm.

Every function requires a rule of `app.volunteers.events.policy`, checks its input (Invalid naming
each field), raises Conflict with a sentence saying what to do next (and an error code), records
the audit trail and commits once; a refusal rolls back. Seats never run over: registrations are
counted under a lock on the event's row (a no-op UPDATE, which holds the row on PostgreSQL and the
database's write lock on SQLite until commit), a matching run stores its result with a
compare-and-set on `MatchingEvent.version`, and confirmed matches take their seats through
`app.volunteers.claims.services.seat_volunteer`, under the same conditional seat UPDATE as any claim.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.api.schema import TEXT_MAX, TITLE_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text_into
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid, NotFound
from app.core.jobs.services import enqueue
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.requests.models import HelpRequest, Membership
from app.requests.timeline.services import add_entry
from app.volunteers.claims import services as claims
from app.volunteers.events import matching, queries
from app.volunteers.events import status as event_status
from app.volunteers.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
    VolunteerProfile,
)

NOTICE_JOB = "app.volunteers.events.jobs.send_event_notice"
CAPACITY_MIN, CAPACITY_MAX = 1, 10_000
PLACE_MAX = 200  # the place (or city) as typed: matching_events.location is VARCHAR(200)
CITY_MAX = 100
URL_MAX = 500
# Check-in codes: 8 characters from 31 that can't be misread (no 0/O, 1/I/L), about 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PLACED_HOURS_MAX = 40
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)  # as the API's url fields
# Requests a featured project may be in: the engine matches only seats that can be claimed.
FEATURABLE_STATUSES = frozenset({"open"})
# Statuses in which the coordinator may run the engine, move people and confirm.
MATCHABLE_STATUSES = event_status.LIVE_STATUSES
EVENT_FIELDS = ("name", "starts_at", "ends_at", "city", "location", "online", "online_url", "capacity",
                "registration_closes_at", "description")


@dataclass
class ConfirmResult:
    """What confirm_matches did: the matches that became accepted claims, and the pairs refused.

    Each conflict is (user_id, request_id, the sentence saying why and what to do next).
    """

    confirmed: list[EventMatch] = field(default_factory=list)
    conflicts: list[tuple[int, int, str]] = field(default_factory=list)


def _committed(work):
    """Run `work()`, commit, and return its result; roll back and re-raise on a refusal."""
    try:
        result = work()
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return result


# --- events --------------------------------------------------------------------------------------

def _utc(value: datetime) -> datetime:
    """The moment in UTC; a naive datetime is read as UTC (as forms and SQLite hand them over)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _event_values(values: dict[str, Any]) -> dict[str, Any]:
    """The event's columns from the typed fields, or Invalid naming every field that is wrong."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    cleaned["name"] = clean_text_into(errors, values.get("name"), "name", max_length=TITLE_MAX,
                                      required=_("Give the event a name."))
    cleaned["description"] = clean_text_into(errors, values.get("description"), "description",
                                             max_length=TEXT_MAX)
    cleaned["city"] = clean_text_into(errors, values.get("city"), "city", max_length=CITY_MAX)
    cleaned["location"] = clean_text_into(errors, values.get("location"), "location", max_length=PLACE_MAX)
    for name in ("starts_at", "ends_at", "registration_closes_at"):
        value = values.get(name)
        if value is not None and not isinstance(value, datetime):
            errors[name] = _("Enter a date and time.")
        cleaned[name] = _utc(value) if isinstance(value, datetime) else None
    starts, ends, closes = cleaned["starts_at"], cleaned["ends_at"], cleaned["registration_closes_at"]
    if starts is None and "starts_at" not in errors:
        errors["starts_at"] = _("Say when the event starts.")
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = _("The event must end after it starts.")
    if closes is not None and ends is not None and closes > ends:
        errors["registration_closes_at"] = _("Registration must close before the event ends.")
    capacity = values.get("capacity")
    if (isinstance(capacity, bool) or not isinstance(capacity, int)
            or not CAPACITY_MIN <= capacity <= CAPACITY_MAX):
        errors["capacity"] = _("Enter how many engineers can come, from %(min)d to %(max)d.",
                               min=CAPACITY_MIN, max=CAPACITY_MAX)
    cleaned["capacity"] = capacity
    online = bool(values.get("online"))
    cleaned["online"] = online
    url = clean_text_into(errors, values.get("online_url"), "online_url", max_length=URL_MAX)
    if online:
        if url is not None and not _URL.match(url):
            errors["online_url"] = _("Enter the link people join with, starting with https://.")
        cleaned["online_url"] = url
    else:
        cleaned["online_url"] = None
        typed = cleaned["city"] or cleaned["location"]
        if not typed and "city" not in errors and "location" not in errors:
            errors["location"] = _("Say where the event takes place (a city and a place), or make it online.")
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def create_event(by: User, *, name: str, starts_at: datetime, capacity: int, ends_at: datetime | None = None,
                 city: str = "", location: str = "", online: bool = False, online_url: str | None = None,
                 registration_closes_at: datetime | None = None, description: str = "") -> MatchingEvent:
    """Create a draft event (status `planned`, seen by coordinators only); commits.

    Raises NotAllowed (not a coordinator) and Invalid naming each wrong field: name (required, at
    most 200 characters), starts_at (required), ends_at (after starts_at), registration_closes_at
    (not after ends_at), capacity (1..10,000), online_url (an http(s) link, required online), location
    (a city or place is required when not online), description, city.
    """
    require(by, "event.manage", None)
    values = _event_values(dict(name=name, starts_at=starts_at, ends_at=ends_at, city=city, location=location,
                                online=online, online_url=online_url, capacity=capacity,
                                registration_closes_at=registration_closes_at, description=description))

    def work() -> MatchingEvent:
        event = MatchingEvent(status="planned", created_by_id=by.id, matching_notes={}, **values)
        db.session.add(event)
        db.session.flush()
        audit.record("event.created", event, actor=by, name=event.name, capacity=event.capacity)
        return event

    return _committed(work)


def update_event(event: MatchingEvent, by: User, **changes: Any) -> MatchingEvent:
    """Change an event's fields (the same as create_event's; those not given keep their value); commits.

    Raising the capacity moves waiting engineers up, oldest first, with a notice each; lowering it
    moves nobody down (new sign-ups wait until enough people cancel). Raises
    NotAllowed (not a coordinator), Invalid as create_event (and naming any unknown field), and
    Conflict `event_closed` for an event that has ended.
    """
    require(by, "event.manage", event)
    unknown = sorted(set(changes) - set(EVENT_FIELDS))
    if unknown:
        raise Invalid(fields={name: _("This field can't be changed.") for name in unknown})
    if event.status == "closed":
        raise Conflict(_("This event has ended and can't change any more."), code="event_closed")
    current = {name: getattr(event, name) for name in EVENT_FIELDS}
    values = _event_values({**current, **changes})
    changed = sorted(name for name in EVENT_FIELDS if values[name] != current[name])

    def work() -> MatchingEvent:
        _lock(event)
        for name in changed:
            setattr(event, name, values[name])
        db.session.flush()
        promoted = _fill_free_places(event)
        audit.record("event.updated", event, actor=by, fields=changed, promoted=promoted)
        return event

    return _committed(work)


def _transition(event: MatchingEvent, to: str, by: User | None) -> None:
    """Move the event to `to` if the table allows it and nobody moved it meanwhile; else Conflict."""
    current = event.status
    if not event_status.can_transition(current, to):
        raise Conflict(_("The event is “%(status)s”, so it can't become “%(to)s”.",
                         status=event_status.event_status_label(current),
                         to=event_status.event_status_label(to)), code="invalid_event_transition")
    moved = db.session.execute(
        sa.update(MatchingEvent).where(MatchingEvent.id == event.id, MatchingEvent.status == current)
        .values(status=to).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        db.session.refresh(event)
        raise Conflict(_("Someone changed this event a moment ago: it is now “%(status)s”. Reload the page.",
                         status=event_status.event_status_label(event.status)), code="event_changed")
    event.status = to
    audit.record(f"event.{to}", event, actor=by, **{"from": current, "to": to})


def publish_event(event: MatchingEvent, by: User) -> MatchingEvent:
    """Publish a draft: everyone sees it and engineers may register (planned → registration); commits.

    Raises NotAllowed (not a coordinator) and Conflict `invalid_event_transition` when the event
    is not a draft.
    """
    require(by, "event.manage", event)

    def work() -> MatchingEvent:
        _transition(event, "registration", by)
        event.published_at = utcnow()
        return event

    return _committed(work)


def close_event(event: MatchingEvent, by: User) -> MatchingEvent:
    """End the event: sign-ups, matching and confirmation stop, and the outcome is public; commits.

    Unconfirmed proposals are left as they were (the report shows only confirmed matches as
    matched). Raises NotAllowed (not a coordinator) and Conflict `invalid_event_transition` for a
    draft or an event already closed.
    """
    require(by, "event.manage", event)

    def work() -> MatchingEvent:
        _transition(event, "closed", by)
        event.closed_at = utcnow()
        return event

    return _committed(work)


def _featured_ids(event: MatchingEvent) -> set[int]:
    return set(db.session.scalars(
        sa.select(EventRequest.request_id).where(EventRequest.event_id == event.id)))


def feature_requests(event: MatchingEvent, by: User, request_ids: list[int]) -> list[HelpRequest]:
    """Feature open requests at the event (added to those already featured); commits.

    Each newly featured request gets a `featured_at_event` timeline entry. Returns the requests
    featured now (old and new), by id. Raises NotAllowed (not a coordinator), Invalid naming
    `request_ids` (not a list of ids), Conflict `event_closed`, and Conflict `request_not_open`
    with `request_ids=[...]` naming every request that is not open (or does not exist); then
    nothing is featured.
    """
    require(by, "event.manage", event)
    if (not isinstance(request_ids, list | tuple) or not request_ids
            or any(isinstance(i, bool) or not isinstance(i, int) for i in request_ids)):
        raise Invalid("request_ids", _("Choose at least one request to feature."))
    if event.status == "closed":
        raise Conflict(_("This event has ended and can't change any more."), code="event_closed")
    wanted = sorted(set(request_ids))
    requests = {r.id: r for r in db.session.scalars(sa.select(HelpRequest).where(HelpRequest.id.in_(wanted)))}
    already = _featured_ids(event)
    refused = [i for i in wanted if i not in already
               and (i not in requests or requests[i].status not in FEATURABLE_STATUSES)]
    if refused:
        raise Conflict(ngettext(
            "Only open requests can be featured; request %(ids)s is not open. Leave it out and try "
            "again.",
            "Only open requests can be featured; requests %(ids)s are not open. Leave them out and try "
            "again.",
            len(refused), ids=", ".join(str(i) for i in refused)),
            code="request_not_open", request_ids=refused)

    def work() -> list[HelpRequest]:
        added = [i for i in wanted if i not in already]
        for request_id in added:
            db.session.add(EventRequest(event_id=event.id, request_id=request_id))
            add_entry(requests[request_id], "featured_at_event", actor=by,
                      summary="Featured at a matching event.",
                      detail={"event_id": event.id, "event_name": event.name})
        if added:
            audit.record("event.requests_featured", event, actor=by, request_ids=added)
        db.session.flush()
        return _featured_requests(event)

    return _committed(work)


def _featured_requests(event: MatchingEvent) -> list[HelpRequest]:
    """The event's featured requests, by id (one query)."""
    return list(db.session.scalars(
        sa.select(HelpRequest).join(EventRequest, EventRequest.request_id == HelpRequest.id)
        .where(EventRequest.event_id == event.id).order_by(HelpRequest.id)))


def unfeature_request(event: MatchingEvent, by: User, request_id: int) -> None:
    """Stop featuring a request: it leaves the event and every engineer's ranking, and its unconfirmed
    proposals go; commits.

    Raises NotAllowed (not a coordinator), NotFound (not featured here), Conflict `event_closed`,
    and Conflict `match_confirmed` when a match on it was confirmed already (release the claim
    first).
    """
    require(by, "event.manage", event)
    if event.status == "closed":
        raise Conflict(_("This event has ended and can't change any more."), code="event_closed")
    if request_id not in _featured_ids(event):
        raise NotFound(_("This request is not featured at the event."))

    def work() -> None:
        _lock(event)
        confirmed = db.session.scalar(sa.select(sa.exists().where(
            EventMatch.event_id == event.id, EventMatch.request_id == request_id,
            EventMatch.confirmed_at.is_not(None))))
        if confirmed:
            raise Conflict(_("Engineers were confirmed on this project at the event; it stays featured."),
                           code="match_confirmed")
        db.session.execute(sa.delete(EventMatch).where(EventMatch.event_id == event.id,
                                                       EventMatch.request_id == request_id))
        db.session.execute(sa.delete(EventRequest).where(EventRequest.event_id == event.id,
                                                         EventRequest.request_id == request_id))
        ranked = db.session.scalars(
            sa.select(EventRegistration).where(EventRegistration.event_id == event.id))
        for registration in ranked:
            if request_id in (registration.preferences or []):
                registration.preferences = [i for i in registration.preferences if i != request_id]
        audit.record("event.request_unfeatured", event, actor=by, request_id=request_id)

    _committed(work)


# --- registration --------------------------------------------------------------------------------

def _lock(event: MatchingEvent) -> None:
    """Hold the event's row until commit (a no-op UPDATE: the row lock on PostgreSQL, the write
    lock on SQLite), so places and the waiting list are counted one registration at a time."""
    db.session.execute(sa.update(MatchingEvent).where(MatchingEvent.id == event.id)
                       .values(version=MatchingEvent.version).execution_options(synchronize_session=False))


def _registered_count(event: MatchingEvent) -> int:
    return db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == "registered")) or 0


def _fill_free_places(event: MatchingEvent) -> list[int]:
    """Move waiting registrations up, oldest first, while places are free; queue a notice for each.

    Call with the event locked. Returns the volunteer ids moved up.
    """
    free = event.capacity - _registered_count(event)
    if free <= 0:
        return []
    waiting = list(db.session.scalars(
        sa.select(EventRegistration).where(EventRegistration.event_id == event.id,
                                           EventRegistration.status == "waitlisted")
        .order_by(EventRegistration.created_at, EventRegistration.id).limit(free)))
    now = utcnow()
    for registration in waiting:
        registration.status = "registered"
        registration.promoted_at = now
        registration.updated_at = now
        audit.record("event.registration_promoted", registration, actor=None, event_id=event.id,
                     volunteer_id=registration.volunteer_id)
    db.session.flush()
    for registration in waiting:
        enqueue(NOTICE_JOB, "promoted", registration.id, queue="mail")
    return [r.volunteer_id for r in waiting]


def _clean_preferences(event: MatchingEvent, preferences: Any) -> list[int]:
    """The ranking as featured request ids, best first, or Invalid naming `preferences`."""
    if preferences is None:
        return []
    if (not isinstance(preferences, list | tuple)
            or any(isinstance(i, bool) or not isinstance(i, int) for i in preferences)):
        raise Invalid("preferences", _("Rank the featured projects by their ids, best first."))
    if len(set(preferences)) != len(preferences):
        raise Invalid("preferences", _("Rank each project once."))
    unknown = [i for i in preferences if i not in _featured_ids(event)]
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
        _lock(event)
        registration = db.session.scalar(sa.select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.volunteer_id == volunteer.id))
        if registration is not None and registration.status != "cancelled":
            raise Conflict(_("You are already registered for this event. Change your ranking instead."),
                           code="already_registered")
        db.session.refresh(event)
        status = "registered" if _registered_count(event) < event.capacity else "waitlisted"
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

    return _committed(work)


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

    return _committed(work)


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
        _lock(event)
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
        promoted = _fill_free_places(event)
        audit.record("event.registration_cancelled", registration, actor=volunteer, event_id=event.id,
                     promoted=promoted)
        return registration

    return _committed(work)


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
        _lock(event)
        db.session.refresh(registration)
        if registration.attended_at is not None:
            return registration
        now = utcnow()
        registration.attended_at = now
        registration.updated_at = now
        db.session.refresh(event)
        if registration.status == "waitlisted" and _registered_count(event) < event.capacity:
            registration.status = "registered"
            registration.promoted_at = now
        audit.record("event.checked_in", registration, actor=by, event_id=event.id,
                     volunteer_id=registration.volunteer_id, status=registration.status,
                     by_code=bool(check_in_code))
        return registration

    return _committed(work)


# --- matching ------------------------------------------------------------------------------------

def _require_matchable(event: MatchingEvent) -> None:
    if event.status not in MATCHABLE_STATUSES:
        raise Conflict(_("Matching runs while the event is published and not yet ended."),
                       code="event_not_live")


def _check_locked(pairs: list[tuple[int, int]], candidates: Sequence[matching.Candidate],
                  projects: Sequence[matching.Project]) -> None:
    """Raise Invalid naming `locked` unless every pair is a checked-in engineer on a seat they may take."""
    by_user = {c.user_id: c for c in candidates}
    project_ids = {p.request_id for p in projects}
    for user_id, request_id in pairs:
        candidate = by_user.get(user_id)
        if candidate is None:
            raise Invalid("locked", _("Engineer %(user)d is not checked in at this event, so they can't be "
                                      "locked to a project.", user=user_id))
        if request_id not in project_ids:
            raise Invalid("locked", _("Request %(request)d is not a featured project with free seats.",
                                      request=request_id))
        if request_id in candidate.excluded:
            raise Invalid("locked", _("Engineer %(user)d can't join request %(request)d: they are on it "
                                      "already, or staff of its organisation.",
                                      user=user_id, request=request_id))
    if len({u for u, _r in pairs}) != len(pairs):
        raise Invalid("locked", _("Lock each engineer to one project only."))


def run_matching(event: MatchingEvent, by: User, locked: Sequence[tuple[int, int]] = ()) -> list[EventMatch]:
    """Propose who goes where for the checked-in engineers and the featured requests' free seats; commits.

    All or nothing, in one transaction: unconfirmed proposals are replaced by the engine's (the
    pairs in `locked`, and proposals locked on the board, are kept as locked proposals), confirmed
    matches stay, `matching_notes` says why engineers stayed unmatched and seats free, and the
    event moves to `matching`. The result is stored with a compare-and-set on the event's version:
    of two runs started at once, the first to commit stores its result and the other gets Conflict
    `matching_in_progress` (its work is dropped; the board shows the winner's proposals). Returns
    every match of the event, by request and engineer. Raises NotAllowed (not a coordinator),
    Invalid naming `locked` (an engineer not checked in, a request not featured or full, a blocked
    pair, an engineer locked twice), and Conflict `event_not_live` for a draft or an ended event.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    read_version = event.version
    confirmed_users = set(db.session.scalars(sa.select(EventMatch.volunteer_id).where(
        EventMatch.event_id == event.id, EventMatch.confirmed_at.is_not(None))))
    kept = dict(db.session.execute(
        sa.select(EventMatch.volunteer_id, EventMatch.request_id).where(
            EventMatch.event_id == event.id, EventMatch.confirmed_at.is_(None), EventMatch.locked.is_(True))
    ).all())
    given_pairs = _as_pairs(locked)
    given = dict(given_pairs)
    pairs = list({**kept, **given}.items())
    candidates, projects = queries.matching_input(event, pairs)
    candidates = [c for c in candidates if c.user_id not in confirmed_users]
    _check_locked(given_pairs, candidates, projects)
    # Board locks whose engineer or seat went away meanwhile are dropped, not refused.
    valid = {c.user_id: c for c in candidates}
    project_ids = {p.request_id for p in projects}
    pairs = [(u, r) for u, r in pairs if u in valid and r in project_ids and r not in valid[u].excluded]
    proposal = matching.propose(candidates, projects, pairs)
    now = utcnow()
    try:
        stored = db.session.execute(
            sa.update(MatchingEvent)
            .where(MatchingEvent.id == event.id, MatchingEvent.version == read_version,
                   MatchingEvent.status.in_(MATCHABLE_STATUSES))
            .values(version=read_version + 1).execution_options(synchronize_session=False)).rowcount
        if stored != 1:
            raise Conflict(_("Another matching run finished a moment ago and its proposals are stored. "
                             "Reload the board to see them, then run again if you need to."),
                           code="matching_in_progress")
        db.session.execute(sa.delete(EventMatch).where(EventMatch.event_id == event.id,
                                                       EventMatch.confirmed_at.is_(None)))
        rows = [{"event_id": event.id, "volunteer_id": p.user_id, "request_id": p.request_id, "role": p.role,
                 "score": float(p.score), "reasons": [dict(r) for r in p.reasons], "locked": bool(p.locked)}
                for p in proposal.placements]
        if rows:
            db.session.execute(sa.insert(EventMatch), rows)
        db.session.refresh(event)
        if event.status != "matching":
            _transition(event, "matching", by)
        event.matched_at = now
        event.matching_notes = {
            "unmatched": {str(u): [dict(r) for r in why] for u, why in proposal.unmatched.items()},
            "short": {str(r): [dict(x) for x in why] for r, why in proposal.short.items()},
        }
        audit.record("event.matched", event, actor=by, proposals=len(rows), locked=len(pairs),
                     unmatched=len(proposal.unmatched), short=len(proposal.short), version=read_version + 1)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return _event_matches(event)


def _as_pairs(locked: Any) -> list[tuple[int, int]]:
    """`locked` as (user_id, request_id) pairs; dicts {user_id, request_id} are accepted too."""
    pairs = []
    for pair in locked or ():
        if isinstance(pair, dict):
            pair = (pair.get("user_id"), pair.get("request_id"))
        try:
            user_id, request_id = pair
            if isinstance(user_id, bool) or isinstance(request_id, bool):
                raise TypeError
            pairs.append((int(user_id), int(request_id)))
        except (TypeError, ValueError):
            raise Invalid("locked", _("Give each locked match as a user id and a request id.")) from None
    return pairs


def _event_matches(event: MatchingEvent) -> list[EventMatch]:
    return list(db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id)
                                   .order_by(EventMatch.request_id, EventMatch.volunteer_id)))


def _is_excluded(user_id: int, help_request: HelpRequest) -> bool:
    """Whether the engineer may not join the request: a live claim on it, or staff of its organisation."""
    return bool(db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Claim.request_id == help_request.id, Claim.volunteer_id == user_id,
                          Claim.status.in_(LIVE_CLAIM_STATUSES)),
        sa.exists().where(Membership.organization_id == help_request.organization_id,
                          Membership.user_id == user_id)))))


def move_match(event: MatchingEvent, by: User, user_id: int, request_id: int | None) -> EventMatch | None:
    """The board's "move a person": the engineer's proposal becomes a locked one on `request_id`
    (None takes them off every project); commits.

    The moved proposal has no engine score (0) and the reason `locked` (the coordinator chose it). Raises
    NotAllowed (not a coordinator), Invalid naming `user_id` (not checked in) or `request_id` (not
    featured, or they may not join it), and Conflict: `event_not_live`, `match_confirmed` (their
    match is a claim already), `no_seat_free` (every free seat of the request has a proposal: move
    someone off first).
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    attending = db.session.scalar(sa.select(sa.exists().where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user_id,
        EventRegistration.status == "registered", EventRegistration.attended_at.is_not(None))))
    if not attending:
        raise Invalid("user_id", _("This engineer is not checked in at the event."))
    help_request = None
    if request_id is not None:
        if request_id not in _featured_ids(event):
            raise Invalid("request_id", _("This request is not featured at the event."))
        help_request = db.session.get(HelpRequest, request_id)
        if _is_excluded(user_id, help_request):
            raise Invalid("request_id", _("This engineer can't join this project: they are on it already, "
                                          "or staff of its organisation."))

    def work() -> EventMatch | None:
        _lock(event)
        match = db.session.scalar(sa.select(EventMatch).where(EventMatch.event_id == event.id,
                                                              EventMatch.volunteer_id == user_id))
        if match is not None and match.confirmed_at is not None:
            raise Conflict(_("This match is confirmed: the engineer is on the team. Release the seat "
                             "from the request's team first."), code="match_confirmed")
        if help_request is None:
            if match is not None:
                db.session.delete(match)
            audit.record("event.match_moved", event, actor=by, user_id=user_id, request_id=None)
            return None
        if match is not None and match.request_id == help_request.id:
            match.locked = True
            return match
        db.session.refresh(help_request)
        proposed = db.session.scalar(sa.select(sa.func.count(EventMatch.id)).where(
            EventMatch.event_id == event.id, EventMatch.request_id == help_request.id,
            EventMatch.confirmed_at.is_(None))) or 0
        if proposed >= help_request.team_size - help_request.seats_taken:
            raise Conflict(_("Every free seat on “%(title)s” has a proposal already. Move someone off it "
                             "first.", title=help_request.title), code="no_seat_free")
        has_lead = db.session.scalar(sa.select(sa.or_(
            sa.exists().where(Claim.request_id == help_request.id, Claim.status == "accepted",
                              Claim.role == "lead"),
            sa.exists().where(EventMatch.event_id == event.id, EventMatch.request_id == help_request.id,
                              EventMatch.role == "lead"))))
        if match is None:
            match = EventMatch(event_id=event.id, volunteer_id=user_id)
            db.session.add(match)
        match.request_id = help_request.id
        match.role = "member" if has_lead else "lead"
        match.score = 0.0
        match.reasons = [{"code": "locked"}]
        match.locked = True
        db.session.flush()
        audit.record("event.match_moved", event, actor=by, user_id=user_id, request_id=help_request.id)
        return match

    return _committed(work)


def set_locked(event: MatchingEvent, by: User, user_id: int, locked: bool) -> EventMatch:
    """Lock an engineer's proposal (kept by the next run) or unlock it; commits.

    Raises NotAllowed (not a coordinator), NotFound (no proposal for them), Conflict `event_not_live`.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    match = db.session.scalar(sa.select(EventMatch).where(EventMatch.event_id == event.id,
                                                          EventMatch.volunteer_id == user_id))
    if match is None:
        raise NotFound(_("This engineer has no proposal at the event."))

    def work() -> EventMatch:
        match.locked = bool(locked)
        audit.record("event.match_locked" if locked else "event.match_unlocked", event, actor=by,
                     user_id=user_id, request_id=match.request_id)
        return match

    return _committed(work)


def _placed_hours(volunteer_id: int) -> int:
    """The weekly hours a placed engineer commits: what their profile has free, at most 40, at least 1."""
    offered = db.session.scalar(sa.select(VolunteerProfile.hours_per_week)
                                .where(VolunteerProfile.user_id == volunteer_id)) or 0
    taken = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Claim.hours_per_week), 0)).where(
        Claim.volunteer_id == volunteer_id, Claim.status.in_(LIVE_CLAIM_STATUSES))) or 0
    return max(1, min(offered - taken, PLACED_HOURS_MAX))


def confirm_matches(event: MatchingEvent, by: User,
                    pairs: Sequence[tuple[int, int]] | None = None) -> ConfirmResult:
    """Turn proposals into accepted claims (None: every unconfirmed proposal); each pair commits alone.

    Each pair goes through `app.volunteers.claims.services.seat_volunteer` (the same seat rules
    as any claim: a seat taken meanwhile by an ordinary claim refuses the pair, never overbooks).
    A confirmed match gets its claim and `confirmed_at`, and the engineer a notice naming the
    project. A pair refused (no_seat_free, request_not_open, already_claimed, live_claim_limit, the
    profile's hours, or no such proposal) is in `conflicts` with the sentence saying why; the
    others stand. Pairs confirmed already are returned as confirmed. The event moves to `confirmed`
    when at least one match is confirmed. Raises NotAllowed (not a coordinator), Invalid naming
    `proposals` (not pairs of ids) and Conflict `event_not_live`.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    try:
        wanted = None if pairs is None else _as_pairs(pairs)
    except Invalid:
        raise Invalid("proposals", _("Give each match as a user id and a request id.")) from None
    event_id, by_id = event.id, by.id
    proposals = {(m.volunteer_id, m.request_id): m.id for m in _event_matches(event)
                 if wanted is not None or m.confirmed_at is None}
    result = ConfirmResult()
    for user_id, request_id in (wanted if wanted is not None else list(proposals)):
        match_id = proposals.get((user_id, request_id))
        if match_id is None:
            result.conflicts.append((user_id, request_id, _(
                "This engineer is not proposed for this project any more. Reload the board.")))
            continue
        try:
            result.confirmed.append(_confirm_one(match_id, by_id))
        except DomainError as error:
            db.session.rollback()
            result.conflicts.append((user_id, request_id, error.message))
    if result.confirmed:
        event = db.session.get(MatchingEvent, event_id)
        if event.status != "confirmed":
            try:
                _transition(event, "confirmed", db.session.get(User, by_id))
                event.confirmed_at = utcnow()
                db.session.commit()
            except Conflict:
                db.session.rollback()  # closed or moved meanwhile: the claims stand all the same
    return result


def _confirm_one(match_id: int, by_id: int) -> EventMatch:
    """Confirm one proposal in its own transaction; an already confirmed one is returned as it is."""
    match = db.session.get(EventMatch, match_id)
    if match.confirmed_at is not None:
        return match
    by = db.session.get(User, by_id)
    claim = claims.seat_volunteer(
        match.help_request, match.volunteer, by, role=match.role,
        hours_per_week=_placed_hours(match.volunteer_id),
        message=_("Placed at the matching event “%(name)s”.", name=match.event.name))
    confirmed = db.session.execute(
        sa.update(EventMatch).where(EventMatch.id == match.id, EventMatch.confirmed_at.is_(None))
        .values(claim_id=claim.id, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if confirmed != 1:
        raise Conflict(_("This match was confirmed a moment ago by someone else."), code="match_confirmed")
    audit.record("event.match_confirmed", match, actor=by, event_id=match.event_id,
                 user_id=match.volunteer_id, request_id=match.request_id, claim_id=claim.id)
    enqueue(NOTICE_JOB, "match_confirmed", match.id, queue="mail")
    db.session.commit()
    db.session.refresh(match)
    return match

"""Matching events: create, edit, publish and close them, feature requests; the writing helpers shared below.

Registrations live in `registrations/services.py`, matching and confirmation in `board/services.py`;
they share `committed`, `lock_event`, `transition`, `featured_ids` and the waiting list from here.
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
from app.requests.models import HelpRequest
from app.requests.timeline.services import add_entry
from app.volunteers.events import status as event_status
from app.volunteers.models import (
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
)

NOTICE_JOB = "app.volunteers.events.jobs.send_event_notice"
CAPACITY_MIN, CAPACITY_MAX = 1, 10_000
PLACE_MAX = 200  # the place (or city) as typed: matching_events.location is VARCHAR(200)
CITY_MAX = 100
URL_MAX = 500
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)  # as the API's url fields
# Requests a featured project may be in: the engine matches only seats that can be claimed.
FEATURABLE_STATUSES = frozenset({"open"})
EVENT_FIELDS = ("name", "starts_at", "ends_at", "city", "location", "online", "online_url", "capacity",
                "registration_closes_at", "description")


def committed(work):
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

    return committed(work)


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
        lock_event(event)
        for name in changed:
            setattr(event, name, values[name])
        db.session.flush()
        promoted = fill_free_places(event)
        audit.record("event.updated", event, actor=by, fields=changed, promoted=promoted)
        return event

    return committed(work)


def transition(event: MatchingEvent, to: str, by: User | None) -> None:
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
        transition(event, "registration", by)
        event.published_at = utcnow()
        return event

    return committed(work)


def close_event(event: MatchingEvent, by: User) -> MatchingEvent:
    """End the event: sign-ups, matching and confirmation stop, and the outcome is public; commits.

    Unconfirmed proposals are left as they were (the report shows only confirmed matches as
    matched). Raises NotAllowed (not a coordinator) and Conflict `invalid_event_transition` for a
    draft or an event already closed.
    """
    require(by, "event.manage", event)

    def work() -> MatchingEvent:
        transition(event, "closed", by)
        event.closed_at = utcnow()
        return event

    return committed(work)


def featured_ids(event: MatchingEvent) -> set[int]:
    """The ids of the requests featured at the event."""
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
    already = featured_ids(event)
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

    return committed(work)


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
    if request_id not in featured_ids(event):
        raise NotFound(_("This request is not featured at the event."))

    def work() -> None:
        lock_event(event)
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

    committed(work)


# --- registration --------------------------------------------------------------------------------

def lock_event(event: MatchingEvent) -> None:
    """Hold the event's row until commit (a no-op UPDATE: the row lock on PostgreSQL, the write
    lock on SQLite), so places and the waiting list are counted one registration at a time."""
    db.session.execute(sa.update(MatchingEvent).where(MatchingEvent.id == event.id)
                       .values(version=MatchingEvent.version).execution_options(synchronize_session=False))


def registered_count(event: MatchingEvent) -> int:
    """How many engineers hold a place at the event (status `registered`)."""
    return db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == "registered")) or 0


def fill_free_places(event: MatchingEvent) -> list[int]:
    """Move waiting registrations up, oldest first, while places are free; queue a notice for each.

    Call with the event locked. Returns the volunteer ids moved up.
    """
    free = event.capacity - registered_count(event)
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


# --- matching ------------------------------------------------------------------------------------



"""Events and registrations as the tests need them, written straight to the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.models import User
from app.extensions import db as database
from app.volunteers.models import EventRegistration, EventRequest, MatchingEvent
from tests.helpers import EN, text_of


def make_event(coordinator: User, *, status: str = "registration", capacity: int = 10, requests=(),
               starts_in: timedelta = timedelta(days=7), **fields) -> MatchingEvent:
    """An event in `status`, starting in a week in Beijing, featuring `requests`."""
    starts = utcnow() + starts_in
    event = MatchingEvent(name=fields.pop("name", "Autumn hackathon"), starts_at=starts,
                          ends_at=starts + timedelta(hours=8), city="Beijing", location="Zhongguancun",
                          capacity=capacity, status=status, created_by_id=coordinator.id, matching_notes={},
                          published_at=None if status == "planned" else utcnow(), **fields)
    database.session.add(event)
    database.session.flush()
    for help_request in requests:
        database.session.add(EventRequest(event_id=event.id, request_id=help_request.id))
    database.session.flush()
    return event


def make_registration(event: MatchingEvent, volunteer: User, status: str = "registered",
                      code: str | None = None, **fields) -> EventRegistration:
    """A registration in `status` (checked in when `attended_at` is given), ranking `preferences`."""
    registration = EventRegistration(event_id=event.id, volunteer_id=volunteer.id, status=status,
                                     check_in_code=code, preferences=fields.pop("preferences", []), **fields)
    database.session.add(registration)
    database.session.flush()
    return registration


def attended(event, user) -> bool:
    """Whether the engineer is checked in at the event (read afresh)."""
    database.session.expire_all()
    return database.session.scalar(sa.select(EventRegistration.attended_at).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user.id)) is not None


def flashes(browser, answer) -> str:
    """The text of the page a redirecting answer leads to (where its flash messages show)."""
    assert answer.status_code == 302, text_of(answer)
    return text_of(browser.get(answer.headers["Location"], headers=EN))


def registration_of(event, volunteer) -> EventRegistration:
    """The engineer's registration for the event (read afresh), or None."""
    database.session.expire_all()
    return database.session.scalar(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == volunteer.id))


def registration_status(event, volunteer) -> str:
    """The status of the engineer's registration for the event."""
    return registration_of(event, volunteer).status


def make_public_event(*, status: str = "registration", capacity: int = 10,
                      starts_in: timedelta = timedelta(days=7), featured=(), **fields) -> MatchingEvent:
    """An event in Chengdu with no creator, starting in `starts_in` (negative: in the past), featuring
    the given requests."""
    starts_at = utcnow() + starts_in
    values = {"name": "Autumn hackathon", "city": "Chengdu", "location": "Tianfu Software Park, hall B",
              "ends_at": starts_at + timedelta(hours=8), "description": "Bring a laptop.", **fields}
    event = MatchingEvent(status=status, capacity=capacity, starts_at=starts_at, **values)
    if status != "planned":
        event.published_at = utcnow() - timedelta(days=1)
    database.session.add(event)
    database.session.flush()
    for help_request in featured:
        database.session.add(EventRequest(event_id=event.id, request_id=help_request.id))
    database.session.flush()
    return event


def register(browser, event, *choices, path="registration"):
    """Post the ranking form (`choices`: request ids, best first) to the event's `path`."""
    data = {f"choice_{rank}": str(request_id) for rank, request_id in enumerate(choices, start=1)}
    return browser.post(f"/events/{event.id}/{path}", data=data, headers=EN)


def outcome_of(work: Callable[[], object]) -> tuple:
    """What a racer's service call did, as plain values; unexpected errors are reported to the test."""
    try:
        return ("done", work())
    except Conflict as error:
        return ("conflict", error.code, error.message)
    except Exception as error:  # the test fails on it, with the error shown
        return ("error", repr(error))
    finally:
        database.session.remove()

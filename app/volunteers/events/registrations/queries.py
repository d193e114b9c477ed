"""Registration reads: the engineer's own registration and place in the queue, the check-in list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.models import User
from app.extensions import db
from app.volunteers.models import (
    EventMatch,
    EventRegistration,
    MatchingEvent,
)


@dataclass(frozen=True)
class MyRegistration:
    """The signed-in engineer's registration, their place on the waiting list and their confirmed match."""

    registration: EventRegistration
    waitlist_position: int | None
    match: EventMatch | None


def my_registration(event: MatchingEvent, user: User | None) -> MyRegistration | None:
    """The user's registration for the event that is not cancelled, or None (also for anonymous)."""
    if user is None:
        return None
    registration = db.session.scalar(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user.id,
        EventRegistration.status != "cancelled"))
    if registration is None:
        return None
    position = None
    if registration.status == "waitlisted":
        position = 1 + db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
            EventRegistration.event_id == event.id, EventRegistration.status == "waitlisted",
            sa.or_(EventRegistration.created_at < registration.created_at,
                   sa.and_(EventRegistration.created_at == registration.created_at,
                           EventRegistration.id < registration.id))))
    match = db.session.scalar(sa.select(EventMatch).where(
        EventMatch.event_id == event.id, EventMatch.volunteer_id == user.id,
        EventMatch.confirmed_at.is_not(None)).options(selectinload(EventMatch.help_request)))
    return MyRegistration(registration, position, match)


def checkin_query(event: MatchingEvent, q: str = "") -> sa.Select:
    """The event's registrations that are not cancelled, by name, with their engineers loaded.

    `q` finds part of a name (any case) or a whole check-in code (spaces and dashes ignored).
    """
    statement = (sa.select(EventRegistration).join(User, User.id == EventRegistration.volunteer_id)
                 .where(EventRegistration.event_id == event.id, EventRegistration.status != "cancelled")
                 .options(selectinload(EventRegistration.volunteer))
                 .order_by(User.name, EventRegistration.id))
    q = q.strip()
    if q:
        code = q.upper().replace(" ", "").replace("-", "")
        statement = statement.where(sa.or_(sa.func.lower(User.name).contains(q.lower(), autoescape=True),
                                           EventRegistration.check_in_code == code))
    return statement


CHECKIN_LIST_MAX = 300  # rows on the check-in page; searching narrows a bigger room


def checkin_list(event: MatchingEvent, q: str = "") -> list[EventRegistration]:
    """The check-in page's rows: registrations that are not cancelled, by name, matching `q`."""
    return list(db.session.scalars(checkin_query(event, q).limit(CHECKIN_LIST_MAX)))

"""Reads for matching events: the engine's input, the services' and API's reads, and the pages' reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.events.status import PUBLISHED_STATUSES
from app.volunteers.models import EventMatch, EventRegistration, EventRequest, MatchingEvent

# --- page reads: the public list, the event page and the volunteer's own registration (H5) ---------

@dataclass(frozen=True)
class EventCard:
    """One published event in the list: its counts read in grouped queries, not per event."""

    event: MatchingEvent
    registered_count: int
    waitlisted_count: int
    project_count: int

    @property
    def places_free(self) -> int:
        return max(self.event.capacity - self.registered_count, 0)


def _registration_counts(event_ids: list[int]) -> dict[tuple[int, str], int]:
    if not event_ids:
        return {}
    rows = db.session.execute(
        sa.select(EventRegistration.event_id, EventRegistration.status, sa.func.count(EventRegistration.id))
        .where(EventRegistration.event_id.in_(event_ids))
        .group_by(EventRegistration.event_id, EventRegistration.status)).all()
    return {(event_id, status): count for event_id, status, count in rows}


def event_cards(events: list[MatchingEvent]) -> list[EventCard]:
    """The events with their registered and waiting counts and featured project counts (two queries)."""
    ids = [event.id for event in events]
    counts = _registration_counts(ids)
    projects = dict(db.session.execute(
        sa.select(EventRequest.event_id, sa.func.count(EventRequest.request_id))
        .where(EventRequest.event_id.in_(ids)).group_by(EventRequest.event_id)).all()) if ids else {}
    return [EventCard(event, counts.get((event.id, "registered"), 0), counts.get((event.id, "waitlisted"), 0),
                      projects.get(event.id, 0)) for event in events]


def published_events(now: datetime) -> tuple[list[EventCard], list[EventCard]]:
    """Published events split into upcoming (soonest first) and past (latest first).

    An event is past once it is closed, or once its end (its start when it has no end) is behind `now`.
    """
    events = list(db.session.scalars(sa.select(MatchingEvent)
                                      .where(MatchingEvent.status.in_(PUBLISHED_STATUSES))
                                      .order_by(MatchingEvent.starts_at, MatchingEvent.id)))
    cards = event_cards(events)
    upcoming = [card for card in cards if not _is_past(card.event, now)]
    past = [card for card in reversed(cards) if _is_past(card.event, now)]
    return upcoming, past


def upcoming_events(now: datetime, limit: int = 3) -> list[EventCard]:
    """The next published events that are not over yet (for the home page), soonest first."""
    over = sa.func.coalesce(MatchingEvent.ends_at, MatchingEvent.starts_at)
    events = list(db.session.scalars(
        sa.select(MatchingEvent)
        .where(MatchingEvent.status.in_(PUBLISHED_STATUSES), MatchingEvent.status != "closed", over >= now)
        .order_by(MatchingEvent.starts_at, MatchingEvent.id).limit(limit)))
    return event_cards(events)


def _is_past(event: MatchingEvent, now: datetime) -> bool:
    return event.status == "closed" or (event.ends_at or event.starts_at) < now


@dataclass(frozen=True)
class FeaturedProject:
    """A featured request as the event page shows it; `team_count` is filled once matches are confirmed."""

    help_request: HelpRequest
    team_count: int = 0


def featured_projects(event: MatchingEvent) -> list[FeaturedProject]:
    """The event's featured requests with their skills and organisation, and how many engineers each
    got through the event's confirmed matches (no names: this is the public outcome)."""
    requests = list(db.session.scalars(
        sa.select(HelpRequest).join(EventRequest, EventRequest.request_id == HelpRequest.id)
        .where(EventRequest.event_id == event.id)
        .options(selectinload(HelpRequest.skills), selectinload(HelpRequest.organization))
        .order_by(HelpRequest.id)))
    confirmed = dict(db.session.execute(
        sa.select(EventMatch.request_id, sa.func.count(EventMatch.id))
        .where(EventMatch.event_id == event.id, EventMatch.confirmed_at.is_not(None))
        .group_by(EventMatch.request_id)).all())
    return [FeaturedProject(request, confirmed.get(request.id, 0)) for request in requests]


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


def registration_counts(event: MatchingEvent) -> tuple[int, int]:
    """How many engineers are registered and how many wait, for the event page."""
    counts = _registration_counts([event.id])
    return counts.get((event.id, "registered"), 0), counts.get((event.id, "waitlisted"), 0)

"""Reads for matching events: event cards and listings, the event page, the coordinator's summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.events.status import PUBLISHED_STATUSES
from app.volunteers.models import (
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
)

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


def draft_events() -> list[EventCard]:
    """Events still in draft (for coordinators), soonest first."""
    return event_cards(list(db.session.scalars(
        sa.select(MatchingEvent).where(MatchingEvent.status == "planned")
        .order_by(MatchingEvent.starts_at, MatchingEvent.id))))


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


def registration_counts(event: MatchingEvent) -> tuple[int, int]:
    """How many engineers are registered and how many wait, for the event page."""
    counts = _registration_counts([event.id])
    return counts.get((event.id, "registered"), 0), counts.get((event.id, "waitlisted"), 0)


# --- page reads: the coordinator's pages (H4) ------------------------------------------------------

@dataclass(frozen=True)
class ManageSummary:
    """The figures at the top of an event's management page."""

    registered_count: int
    waitlisted_count: int
    attended_count: int
    project_count: int
    proposal_count: int
    confirmed_count: int


def manage_summary(event: MatchingEvent) -> ManageSummary:
    """Registrations by status, who is checked in, featured projects, proposals and confirmed matches."""
    counts = _registration_counts([event.id])
    attended = db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status != "cancelled",
        EventRegistration.attended_at.is_not(None))) or 0
    projects = db.session.scalar(sa.select(sa.func.count(EventRequest.request_id))
                                 .where(EventRequest.event_id == event.id)) or 0
    matches = dict(db.session.execute(
        sa.select(EventMatch.confirmed_at.is_not(None), sa.func.count(EventMatch.id))
        .where(EventMatch.event_id == event.id).group_by(EventMatch.confirmed_at.is_not(None))).all())
    return ManageSummary(counts.get((event.id, "registered"), 0), counts.get((event.id, "waitlisted"), 0),
                         attended, projects, matches.get(False, 0), matches.get(True, 0))


def managed_events(now: datetime, limit: int = 5) -> list[EventCard]:
    """Events a coordinator still runs (drafts too): not closed and not over, soonest first."""
    over = sa.func.coalesce(MatchingEvent.ends_at, MatchingEvent.starts_at)
    return event_cards(list(db.session.scalars(
        sa.select(MatchingEvent).where(MatchingEvent.status != "closed", over >= now)
        .order_by(MatchingEvent.starts_at, MatchingEvent.id).limit(limit))))


# --- the matching engine's input (H1) ----------------------------------------------------------------


# --- API reads (H3): lists to page through, the board's and report's rows -------------------------

def events_query(viewer: User | None, upcoming_only: bool = False, now: datetime | None = None) -> sa.Select:
    """Events to list, soonest first: published ones, and drafts too for coordinators.

    `upcoming_only` keeps those not over yet (not closed, and their end, or start without one, ahead).
    """
    statement = sa.select(MatchingEvent).order_by(MatchingEvent.starts_at, MatchingEvent.id)
    if viewer is None or not viewer.is_coordinator:
        statement = statement.where(MatchingEvent.status.in_(PUBLISHED_STATUSES))
    if upcoming_only:
        over = sa.func.coalesce(MatchingEvent.ends_at, MatchingEvent.starts_at)
        statement = statement.where(MatchingEvent.status != "closed", over >= (now or utcnow()))
    return statement


# --- page reads: the check-in list, the live board and the report (H4; the API can share them) -------


# --- service and API reads (H2): the list of events, an event with its featured requests -----------

def events_listing(viewer: User | None, upcoming_only: bool = False) -> list[EventCard]:
    """Events with their counts, soonest first: published ones for everyone, drafts too for coordinators
    (events_query), in three queries however many events there are."""
    return event_cards(list(db.session.scalars(events_query(viewer, upcoming_only))))


@dataclass(frozen=True)
class RequestInterest:
    """A featured request with its free seats and skills, and how many engineers ranked it."""

    help_request: HelpRequest
    seats_free: int
    ranked_count: int
    first_choice_count: int


@dataclass(frozen=True)
class EventDetail:
    """An event with its featured requests and its registered and waiting counts."""

    event: MatchingEvent
    requests: list[RequestInterest]
    registered_count: int
    waitlisted_count: int


def event_with_requests(event: MatchingEvent) -> EventDetail:
    """The event's featured requests (skills and organisation loaded), with how many engineers who are
    registered or waiting ranked each one and put it first; four queries however many there are."""
    ranked: dict[int, int] = defaultdict(int)
    first: dict[int, int] = defaultdict(int)
    for preferences in db.session.scalars(sa.select(EventRegistration.preferences).where(
            EventRegistration.event_id == event.id, EventRegistration.status != "cancelled")):
        ids = [i for i in (preferences or []) if isinstance(i, int) and not isinstance(i, bool)]
        for request_id in set(ids):
            ranked[request_id] += 1
        if ids:
            first[ids[0]] += 1
    registered, waitlisted = registration_counts(event)
    requests = [RequestInterest(p.help_request, p.help_request.seats_free, ranked[p.help_request.id],
                                first[p.help_request.id]) for p in featured_projects(event)]
    return EventDetail(event, requests, registered, waitlisted)


def my_coming_registrations(user: User, now: datetime) -> list[EventRegistration]:
    """The engineer's registrations (registered or waiting) for events not over yet, soonest first,
    each with its event loaded (for the volunteer's dashboard)."""
    over = sa.func.coalesce(MatchingEvent.ends_at, MatchingEvent.starts_at)
    return list(db.session.scalars(
        sa.select(EventRegistration).join(MatchingEvent, MatchingEvent.id == EventRegistration.event_id)
        .where(EventRegistration.volunteer_id == user.id, EventRegistration.status != "cancelled",
               MatchingEvent.status.in_(PUBLISHED_STATUSES), MatchingEvent.status != "closed", over >= now)
        .options(selectinload(EventRegistration.event))
        .order_by(MatchingEvent.starts_at, MatchingEvent.id)))

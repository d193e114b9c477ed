"""The demo's matching events: a past one whose matches the engine computed, and an upcoming one.

Both go through the events services wherever the services accept the moment: the past event's
matching run, confirmation and closing, and the whole upcoming event (created, featured,
published, registered for). Rows the services would refuse to make in the past (the past event
itself, its sign-ups and check-ins) are written as they would have been then. Every row a service
stamps with the current time is moved to its moment in the demo's history afterwards.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.core.models import AuditEvent, OutboxJob
from app.demo.state import DemoDataError, DemoState
from app.extensions import db
from app.requests.models import TimelineEntry
from app.volunteers.claims import services as claims
from app.volunteers.claims.status import commitment_end
from app.volunteers.events import services as events
from app.volunteers.events.board import services as board
from app.volunteers.events.registrations import services as registrations
from app.volunteers.models import Claim, EventMatch, EventRegistration, EventRequest, MatchingEvent

# Beijing 09:00 and 17:30, in UTC: when a demo event starts and ends on its day.
STARTS = timedelta(hours=1)
ENDS = timedelta(hours=9, minutes=30)
# On the past event's day (Beijing time): the engine ran after lunch, the coordinator confirmed an hour later.
MATCHED = timedelta(hours=6)
CONFIRMED = timedelta(hours=7)
# The columns services stamp with the current time, moved to the demo moment they belong to.
STAMPS = {
    AuditEvent: ("at",),
    TimelineEntry: ("at",),
    Claim: ("created_at", "accepted_at", "decided_at"),
    MatchingEvent: ("created_at", "published_at", "matched_at", "confirmed_at", "closed_at"),
    EventRegistration: ("created_at", "updated_at", "promoted_at", "attended_at"),
    EventMatch: ("confirmed_at",),
}
# Notices the services queue for people; nobody is told today about what happened in the demo's past.
NOTICE_JOBS = (events.NOTICE_JOB, claims.NOTICE_JOB)


@contextmanager
def one_transaction() -> Iterator[None]:
    """Let services commit into the demo's single transaction: their commits only flush meanwhile.

    The demo load is all or nothing (a refused story loads nothing), while every service commits
    once per call; so for the services' calls the session's commit becomes a flush, and the loader
    commits (or rolls everything back) at the end. A refusal still rolls back, as in a request.
    """
    session = db.session()
    session.commit = session.flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        del session.commit


class EventSteps(DemoState):
    """Loads the demo's events; the past one sits between the requests' histories before and after it."""

    def event_entries(self) -> list[dict[str, Any]]:
        return self.progress["events"]

    def past_event(self) -> dict[str, Any] | None:
        """The past event's entry when this run loads it (not yet in the database), else None."""
        entry = next((e for e in self.event_entries() if "starts_days_ago" in e), None)
        if entry is None or self.existing_event(entry) is not None:
            return None
        return entry

    def existing_event(self, entry: dict[str, Any]) -> MatchingEvent | None:
        return db.session.scalar(sa.select(MatchingEvent).where(MatchingEvent.name == entry["name"]))

    def event_day(self, days: int) -> datetime:
        """Midnight UTC of the day `days` from today (negative: in the past), 08:00 in Beijing."""
        return (self.now + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)

    def backdate(self, moment: datetime) -> None:
        """Move every stamp a service just set (at or after the load's start) to `moment`."""
        db.session.flush()
        for model, columns in STAMPS.items():
            for name in columns:
                column = getattr(model, name)
                db.session.execute(sa.update(model).where(column >= self.now).values({name: moment})
                                   .execution_options(synchronize_session=False))
        db.session.expire_all()

    def drop_notices(self) -> None:
        """Forget the notices the services just queued (the demo's people hear nothing about its past)."""
        for job in db.session.scalars(sa.select(OutboxJob).where(
                OutboxJob.name.in_(NOTICE_JOBS), OutboxJob.created_at >= self.now)):
            db.session.delete(job)
        db.session.flush()

    # The past event ----------------------------------------------------------------------
    def hold_past_event(self, entry: dict[str, Any]) -> MatchingEvent:
        """The past event as it stood when the doors opened: published, featuring its requests, with
        its sign-ups and who came."""
        day = self.event_day(-entry["starts_days_ago"])
        created = self.at(entry["name"], entry["created_days_ago"])
        event = MatchingEvent(
            name=entry["name"], description=entry["description"], starts_at=day + STARTS, ends_at=day + ENDS,
            registration_closes_at=day, city=entry["city"], location=entry["location"],
            online=entry["online"], capacity=entry["capacity"], status="registration",
            created_by=self.coordinator, created_at=created,
            published_at=self.at(entry["name"], entry["published_days_ago"]))
        db.session.add(event)
        db.session.flush()
        for title in entry["requests"]:
            help_request = self.request(title)
            if help_request.status != "open":
                raise DemoDataError(f"{entry['name']!r} features {title!r}, which is {help_request.status!r} "
                                    f"on the event's day; only open requests can be featured")
            db.session.add(EventRequest(event_id=event.id, request_id=help_request.id))
        codes: set[str] = set()
        for registration in entry["registrations"]:
            volunteer = self.user(registration["volunteer"])
            # Doors open at 09:00 Beijing; people arrive over the next fifty minutes.
            arrived = day + STARTS + timedelta(minutes=zlib.crc32(volunteer.email.encode()) % 50)
            db.session.add(EventRegistration(
                event_id=event.id, volunteer_id=volunteer.id, status="registered",
                check_in_code=self.check_in_code(codes),
                preferences=[self.request(title).id for title in registration["preferences"]],
                created_at=self.at(volunteer.email, registration["registered_days_ago"]),
                attended_at=arrived if registration["attended"] else None))
        db.session.flush()
        self.summary.created["matching events"] += 1
        self.summary.created["event registrations"] += len(entry["registrations"])
        return event

    @staticmethod
    def check_in_code(taken: set[str]) -> str:
        """A fresh check-in code, in the services' alphabet (no registration holds one yet)."""
        while True:
            alphabet, length = registrations.CODE_ALPHABET, registrations.CODE_LENGTH
            code = "".join(secrets.choice(alphabet) for _ in range(length))
            if code not in taken:
                taken.add(code)
                return code

    def match_past_event(self, entry: dict[str, Any], event: MatchingEvent) -> dict[str, list[Claim]]:
        """Run the engine over who came, confirm its proposals for the requests the story says were
        confirmed, and close the event; returns the claims the confirmation made, by request title.

        The engine sees the demo as it stood on the event's day (load_progress stops every request's
        history there). Raises DemoDataError when a confirmation is refused.
        """
        day = self.event_day(-entry["starts_days_ago"])
        coordinator = self.coordinator
        with one_transaction():
            proposals = board.run_matching(event, coordinator)
            self.backdate(day + MATCHED)
            wanted = {self.request(title).id: title for title in entry["confirmed_requests"]}
            pairs = [(m.volunteer_id, m.request_id) for m in proposals if m.request_id in wanted]
            missing = sorted(wanted[r] for r in wanted.keys() - {r for _user, r in pairs})
            if missing:
                raise DemoDataError(f"{entry['name']!r}: the engine proposed nobody for "
                                    f"{', '.join(missing)}, whose teams the story confirms at the event")
            result = board.confirm_matches(event, coordinator, pairs)
            if result.conflicts:
                user_id, request_id, why = result.conflicts[0]
                raise DemoDataError(f"{entry['name']!r}: confirming user {user_id} on request {request_id} "
                                    f"was refused: {why}")
            self.drop_notices()
            self.backdate(day + CONFIRMED)
            events.close_event(db.session.get(MatchingEvent, event.id), coordinator)
            self.backdate(day + ENDS)
        made: dict[str, list[Claim]] = {}
        for match in result.confirmed:
            claim = db.session.get(Claim, match.claim_id)
            # The commitment runs from the event's day, as it would have had it been confirmed then.
            claim.ends_on = commitment_end(claim.accepted_at.date(), claim.commitment_months)
            made.setdefault(claim.help_request.title, []).append(claim)
        self.summary.created["event matches"] += len(proposals)
        return made

    # The upcoming event ------------------------------------------------------------------
    def load_upcoming_events(self) -> None:
        """Each upcoming event through the services: created, featured, published, registered for."""
        for entry in self.event_entries():
            if "starts_in_days" not in entry or self.existing_event(entry) is not None:
                continue
            with one_transaction():
                self.add_upcoming_event(entry)
            self.summary.created["matching events"] += 1
            self.summary.created["event registrations"] += len(entry["registrations"])

    def add_upcoming_event(self, entry: dict[str, Any]) -> None:
        day, coordinator, name = self.event_day(entry["starts_in_days"]), self.coordinator, entry["name"]
        event = events.create_event(
            coordinator, name=name, description=entry["description"], starts_at=day + STARTS,
            ends_at=day + ENDS, city=entry["city"], location=entry["location"], online=entry["online"],
            capacity=entry["capacity"],
            registration_closes_at=self.event_day(entry["registration_closes_in_days"]) + ENDS)
        events.feature_requests(event, coordinator, [self.request(title).id for title in entry["requests"]])
        self.backdate(self.at(name, entry["created_days_ago"]))
        events.publish_event(event, coordinator)
        self.backdate(self.at(name, entry["published_days_ago"]))
        previous_days = entry["published_days_ago"]
        previous = self.at(name, previous_days)
        for registration in entry["registrations"]:
            volunteer, days = self.user(registration["volunteer"]), registration["registered_days_ago"]
            if days > previous_days:
                raise DemoDataError(f"{name!r}: list its registrations oldest first, after it was published")
            ranking = [self.request(title).id for title in registration["preferences"]]
            registrations.register(event, volunteer, ranking)
            # The waiting list moves up in registration order: keep the file's order within a day too.
            previous = max(self.at(volunteer.email + name, days), previous + timedelta(minutes=1))
            previous_days = days
            self.backdate(previous)

    def count_events(self) -> None:
        """The summary's counts of events, registrations and matches (the same on every run)."""
        names = [entry["name"] for entry in self.event_entries()]
        ids = sa.select(MatchingEvent.id).where(MatchingEvent.name.in_(names))
        self.summary.counts["matching events"] = len(names)
        self.summary.counts["event registrations"] = sum(len(e["registrations"])
                                                         for e in self.event_entries())
        self.summary.counts["event matches"] = db.session.scalar(
            sa.select(sa.func.count(EventMatch.id)).where(EventMatch.event_id.in_(ids))) or 0
        self.summary.counts["claims"] += db.session.scalar(
            sa.select(sa.func.count(EventMatch.id)).where(EventMatch.event_id.in_(ids),
                                                          EventMatch.claim_id.is_not(None))) or 0

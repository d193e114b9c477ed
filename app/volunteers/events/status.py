"""What an event's and a registration's status mean, which moves exist, and their labels.

planned (a draft only coordinators see) → registration (published; engineers sign up and rank) →
matching (the event is on: check-in and proposals) → confirmed (matches became claims) → closed
(after the event; the outcome is public). Registration status: registered, waitlisted (past the
capacity, moved up in order when someone cancels) or cancelled.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.volunteers.models import MatchingEvent

TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"registration"}),
    "registration": frozenset({"matching", "closed"}),
    "matching": frozenset({"confirmed", "closed"}),
    "confirmed": frozenset({"matching", "closed"}),
    "closed": frozenset(),
}
PUBLISHED_STATUSES = frozenset({"registration", "matching", "confirmed", "closed"})
# Engineers may register, change their ranking or cancel while the event takes sign-ups.
SIGN_UP_STATUSES = frozenset({"registration", "matching"})
# The coordinator checks people in, runs the engine and confirms during these.
LIVE_STATUSES = frozenset({"registration", "matching", "confirmed"})
# Once matches are confirmed, the event page shows the outcome: projects and their team counts.
OUTCOME_STATUSES = frozenset({"confirmed", "closed"})

EVENT_STATUS_LABELS = {
    "planned": _l("Draft"),
    "registration": _l("Registration open"),
    "matching": _l("Matching under way"),
    "confirmed": _l("Matches confirmed"),
    "closed": _l("Ended"),
}
REGISTRATION_STATUS_LABELS = {
    "registered": _l("Registered"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
}


def can_transition(current: str, to: str) -> bool:
    """Whether an event may move from `current` to `to`."""
    return to in TRANSITIONS.get(current, frozenset())


def is_published(event: MatchingEvent) -> bool:
    """Whether everyone may see the event (it left the draft)."""
    return event.status in PUBLISHED_STATUSES


def registration_open(event: MatchingEvent, now: datetime) -> bool:
    """Whether engineers may register, change their ranking or cancel at `now`."""
    if event.status not in SIGN_UP_STATUSES:
        return False
    deadline = registration_deadline(event)
    return deadline is None or now < deadline


def registration_deadline(event: MatchingEvent) -> datetime | None:
    """When sign-ups and ranking changes close: the set deadline, else the end of the event."""
    return event.registration_closes_at or event.ends_at


def event_status_label(status: str) -> str:
    """The translated label of an event status; unknown values are shown as they are."""
    return str(EVENT_STATUS_LABELS.get(status, status))


def registration_status_label(status: str) -> str:
    """The translated label of a registration status; unknown values are shown as they are."""
    return str(REGISTRATION_STATUS_LABELS.get(status, status))

"""Who may see, run and join matching events.

The rules register with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up).
"""

from __future__ import annotations

from app.core.errors import NotFound
from app.core.models import User
from app.core.policy import can, rule
from app.extensions import db
from app.volunteers.events.status import is_published
from app.volunteers.models import EventRegistration, MatchingEvent


@rule("event.manage")
def can_manage_event(user: User, event: MatchingEvent | None = None) -> bool:
    """Coordinators create, edit, publish, feature requests, check people in, match and confirm."""
    return user.is_coordinator


@rule("event.view")
def can_view_event(user: User, event: MatchingEvent) -> bool:
    """A published event is public; a draft is seen by coordinators only."""
    return is_published(event) or user.is_coordinator


@rule("event.see_online_link")
def can_see_online_link(user: User, event: MatchingEvent) -> bool:
    """The meeting link is for the people coming (registered, not waiting) and the coordinators."""
    if user.is_coordinator:
        return True
    return db.session.query(EventRegistration.id).filter_by(
        event_id=event.id, volunteer_id=user.id, status="registered").first() is not None


@rule("event.register")
def can_register(user: User, event: MatchingEvent) -> bool:
    """Volunteer engineers register for published events; staff and coordinators don't."""
    return user.is_volunteer and is_published(event)


@rule("event.registration.change")
def can_change_registration(user: User, registration: EventRegistration) -> bool:
    """Only the engineer changes their ranking or cancels their registration."""
    return registration.volunteer_id == user.id


def visible_event_or_404(user: User | None, event_id: int) -> MatchingEvent:
    """The event with this id if `user` may see it (anyone for a published one); NotFound otherwise.

    A draft answers 404, never 403, so nobody learns that it exists.
    """
    event = db.session.get(MatchingEvent, event_id)
    if event is None or not (is_published(event) or can(user, "event.view", event)):
        raise NotFound()
    return event

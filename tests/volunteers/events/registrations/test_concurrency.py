"""Races at registration, released together by a barrier, on the suite's database (SQLite, or PostgreSQL
with TEST_DATABASE_URL): the last place, and two cancels at once."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.core.models import User
from app.extensions import db
from app.volunteers.events.registrations import services as registrations
from app.volunteers.models import EventRegistration, MatchingEvent
from tests.factories import make_user, make_volunteer
from tests.helpers import race
from tests.volunteers.events.samples import make_event, make_registration, outcome_of


def statuses(event_id: int) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(EventRegistration.volunteer_id, EventRegistration.status)
                                   .where(EventRegistration.event_id == event_id)).all())


def test_two_engineers_registering_for_the_last_place_at_once_get_one_place(app):
    coordinator = make_user("coordinator")
    event = make_event(coordinator, capacity=3)
    for _ in range(2):
        make_registration(event, make_volunteer())
    racers = [make_volunteer().id for _ in range(6)]
    db.session.commit()
    event_id = event.id

    def work(volunteer_id: int, wait) -> tuple:
        event = db.session.get(MatchingEvent, event_id)
        volunteer = db.session.get(User, volunteer_id)
        db.session.commit()
        wait()
        return outcome_of(lambda: registrations.register(event, volunteer, []).status)

    outcomes = race(app, work, racers)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(outcomes) == {("done", "registered"): 1, ("done", "waitlisted"): 5}
    assert Counter(statuses(event_id).values()) == {"registered": 3, "waitlisted": 5}


def test_two_cancels_at_once_move_up_two_different_people(app):
    coordinator = make_user("coordinator")
    event = make_event(coordinator, capacity=2)
    leaving = [make_volunteer(), make_volunteer()]
    waiting = [make_volunteer() for _ in range(3)]
    for volunteer in leaving:
        make_registration(event, volunteer, code=None)
    for volunteer in waiting:
        make_registration(event, volunteer, status="waitlisted")
    db.session.commit()
    event_id = event.id
    leaving_ids, waiting_ids = [v.id for v in leaving], [v.id for v in waiting]

    def work(volunteer_id: int, wait) -> tuple:
        event = db.session.get(MatchingEvent, event_id)
        volunteer = db.session.get(User, volunteer_id)
        _ = event.capacity
        db.session.commit()
        wait()
        return outcome_of(lambda: registrations.cancel_registration(event, volunteer).status)

    outcomes = race(app, work, leaving_ids)

    assert Counter(outcomes) == {("done", "cancelled"): 2}, outcomes
    now = statuses(event_id)
    assert [now[v] for v in waiting_ids] == ["registered", "registered", "waitlisted"]  # the two oldest
    promoted = db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event_id, EventRegistration.promoted_at.is_not(None)))
    assert promoted == 2

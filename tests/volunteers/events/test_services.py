"""Event services: creating, editing, publishing and closing, featuring requests, and who may do what
(registrations are in registrations/test_services.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.requests.timeline.services import public_timeline
from app.requests.timeline.text import describe_entry
from app.volunteers.events import services
from app.volunteers.events.registrations import services as registrations
from app.volunteers.models import MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import audit_actions, fresh, notification_kinds, timeline_kinds
from tests.volunteers.events.samples import make_event, registration_of, registration_status

pytestmark = pytest.mark.usefixtures("english")


def event_fields(**changes):
    starts = utcnow() + timedelta(days=10)
    values = {"name": "Autumn hackathon", "starts_at": starts, "ends_at": starts + timedelta(hours=8),
              "city": "Beijing", "location": "Zhongguancun", "capacity": 30,
              "registration_closes_at": starts - timedelta(days=1), "description": "Bring a laptop."}
    values.update(changes)
    return values


# --- events ---------------------------------------------------------------------------------------

def test_a_coordinator_creates_a_draft_and_publishes_it(db, coordinator):
    event = services.create_event(coordinator, **event_fields())

    assert (event.status, event.capacity, event.city) == ("planned", 30, "Beijing")
    event = services.publish_event(event, coordinator)
    assert fresh(MatchingEvent, event.id).status == "registration"
    assert event.published_at is not None
    assert audit_actions("event.") == ["event.created", "event.registration"]
    with pytest.raises(Conflict) as again:
        services.publish_event(event, coordinator)
    assert again.value.code == "invalid_event_transition"


@pytest.mark.parametrize("role", ["volunteer", "nonprofit"])
def test_only_coordinators_create_publish_and_close_events(db, coordinator, role):
    someone = make_user(role)
    event = make_event(coordinator, status="planned")
    db.session.commit()

    with pytest.raises(NotAllowed):
        services.create_event(someone, **event_fields())
    with pytest.raises(NotAllowed):
        services.publish_event(event, someone)
    with pytest.raises(NotAllowed):
        services.close_event(event, someone)
    assert db.session.scalar(sa.select(sa.func.count(MatchingEvent.id))) == 1


def test_event_fields_are_checked_and_each_wrong_one_is_named(db, coordinator):
    starts = utcnow() + timedelta(days=3)
    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(
            name="  ", starts_at=starts, ends_at=starts - timedelta(hours=1), capacity=0,
            registration_closes_at=starts + timedelta(days=1)))
    assert set(refused.value.fields) == {"name", "ends_at", "capacity", "registration_closes_at"}

    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(registration_closes_at=starts + timedelta(days=30)))
    assert set(refused.value.fields) == {"registration_closes_at"}

    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(starts_at=None, capacity=10_001))
    assert set(refused.value.fields) == {"starts_at", "capacity"}

    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(city="", location="", online=False))
    assert set(refused.value.fields) == {"location"}

    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(online=True, online_url="javascript:alert(1)"))
    assert set(refused.value.fields) == {"online_url"}
    with pytest.raises(Invalid) as refused:
        services.create_event(coordinator, **event_fields(online=True, online_url=""))
    assert set(refused.value.fields) == {"online_url"}

    online = services.create_event(coordinator, **event_fields(online=True, city="", location="",
                                                               online_url="https://meet.example.org/abc"))
    assert (online.online, online.online_url) == (True, "https://meet.example.org/abc")
    assert db.session.scalar(sa.select(sa.func.count(MatchingEvent.id))) == 1


def test_updating_an_event_keeps_what_is_not_given_and_refuses_unknown_fields(db, coordinator):
    event = services.create_event(coordinator, **event_fields())

    services.update_event(event, coordinator, name="Winter hackathon")
    assert (fresh(MatchingEvent, event.id).name, fresh(MatchingEvent, event.id).capacity) == (
        "Winter hackathon", 30)
    with pytest.raises(Invalid) as refused:
        services.update_event(event, coordinator, status="closed")
    assert set(refused.value.fields) == {"status"}


def test_raising_the_capacity_moves_waiting_engineers_up(db, coordinator):
    event = make_event(coordinator, capacity=1)
    first, second = make_volunteer(), make_volunteer()
    db.session.commit()
    registrations.register(event, first, [])
    assert registrations.register(event, second, []).status == "waitlisted"

    services.update_event(event, coordinator, capacity=2)

    assert registration_status(event, second) == "registered"
    assert notification_kinds(second) == ["event_promoted"]


# --- featuring -----------------------------------------------------------------------------------

def test_featuring_takes_open_requests_and_puts_them_on_their_timeline(db, coordinator):
    first, second = make_request(status="open"), make_request(status="open")
    event = make_event(coordinator)
    db.session.commit()

    featured = services.feature_requests(event, coordinator, [first.id])
    featured = services.feature_requests(event, coordinator, [second.id, first.id])

    assert [r.id for r in featured] == sorted([first.id, second.id])
    assert timeline_kinds(first) == ["featured_at_event"]  # featured once, not twice
    assert timeline_kinds(second) == ["featured_at_event"]
    entry = public_timeline(first.id)[0]
    assert describe_entry(entry.kind, entry.detail, entry.summary) == (
        "Featured at the matching event “Autumn hackathon”.")


def test_featuring_refuses_requests_that_are_not_open_and_names_them(db, coordinator):
    open_request = make_request(status="open")
    busy = make_request(status="in_progress")
    draft = make_request(status="draft")
    event = make_event(coordinator)
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        services.feature_requests(event, coordinator, [open_request.id, busy.id, draft.id, 999_999])

    assert refused.value.code == "request_not_open"
    assert refused.value.extra["request_ids"] == sorted([busy.id, draft.id, 999_999])
    assert str(busy.id) in refused.value.message
    assert services.featured_ids(event) == set()  # nothing featured
    with pytest.raises(NotAllowed):
        services.feature_requests(event, make_volunteer(), [open_request.id])


def test_unfeaturing_takes_the_request_out_of_every_ranking(db, coordinator):
    first, second = make_request(status="open"), make_request(status="open")
    event = make_event(coordinator, requests=[first, second])
    volunteer = make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [second.id, first.id])

    services.unfeature_request(event, coordinator, second.id)

    assert services.featured_ids(event) == {first.id}
    assert registration_of(event, volunteer).preferences == [first.id]
    with pytest.raises(NotFound):
        services.unfeature_request(event, coordinator, second.id)


# --- registration and the waiting list ------------------------------------------------------------


# --- attendance ----------------------------------------------------------------------------------



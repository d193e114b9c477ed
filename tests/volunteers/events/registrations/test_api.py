"""The registrations API: registering and ranking (with the waiting list), cancelling, and check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.volunteers.models import EventRegistration
from tests.factories import make_user, make_volunteer
from tests.helpers import audit_actions, fresh
from tests.volunteers.events.samples import make_event, make_registration


def test_a_volunteer_registers_with_a_ranking_and_gets_a_check_in_code(call, event, open_requests, volunteer):
    ranking = [open_requests[1].id, open_requests[0].id]
    answer = call(volunteer, "POST", f"/events/{event.id}/registrations", json={"preferences": ranking})

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "registered" and body["preferences"] == ranking
    assert len(body["check_in_code"]) == 8 and body["volunteer"]["id"] == volunteer.id
    mine = call(volunteer, "GET", f"/events/{event.id}/registration").get_json()
    assert mine["check_in_code"] == body["check_in_code"] and mine["waitlist_position"] is None
    again = call(volunteer, "POST", f"/events/{event.id}/registrations", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_registered"


def test_past_capacity_volunteers_wait_and_move_up_in_order_when_someone_cancels(db, call, coordinator,
                                                                                 open_requests):
    small = make_event(coordinator, capacity=1, requests=open_requests)
    first, second, third = (make_volunteer(name=name) for name in ("First", "Second", "Third"))
    db.session.commit()

    statuses = [call(v, "POST", f"/events/{small.id}/registrations", json={}).get_json()["status"]
                for v in (first, second, third)]
    assert statuses == ["registered", "waitlisted", "waitlisted"]
    assert call(third, "GET", f"/events/{small.id}/registration").get_json()["waitlist_position"] == 2
    event_body = call(None, "GET", f"/events/{small.id}").get_json()
    assert (event_body["registered_count"], event_body["waitlisted_count"]) == (1, 2)

    cancelled = call(first, "DELETE", f"/events/{small.id}/registrations")

    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    moved = call(second, "GET", f"/events/{small.id}/registration").get_json()
    assert moved["status"] == "registered" and moved["promoted_at"]
    assert call(third, "GET", f"/events/{small.id}/registration").get_json()["waitlist_position"] == 1
    assert call(first, "GET", f"/events/{small.id}/registration").status_code == 404


def test_only_volunteers_register(db, call, event):
    staff = make_user("nonprofit")
    db.session.commit()
    assert call(None, "POST", f"/events/{event.id}/registrations", json={}).status_code == 401
    assert call(staff, "POST", f"/events/{event.id}/registrations", json={}).status_code == 403
    assert call(staff, "GET", f"/events/{event.id}/registration").status_code == 403


@pytest.mark.parametrize(("preferences", "field"), [
    (["first"], "preferences[0]"), ("1,2", "preferences"), ([2**40], "preferences[0]"),
    ([987654], "preferences"), ("twice", "preferences"), (list(range(1, 102)), "preferences"),
])
def test_bad_rankings_answer_422_naming_preferences(call, event, open_requests, volunteer, preferences,
                                                    field):
    if preferences == "twice":
        preferences = [open_requests[0].id, open_requests[0].id]
    answer = call(volunteer, "POST", f"/events/{event.id}/registrations", json={"preferences": preferences})
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_a_volunteer_changes_their_ranking_until_registration_closes(db, call, event, open_requests,
                                                                     volunteer):
    make_registration(event, volunteer, preferences=[open_requests[0].id])
    db.session.commit()

    answer = call(volunteer, "PUT", f"/events/{event.id}/registrations",
                  json={"preferences": [open_requests[1].id]})
    assert answer.status_code == 200 and answer.get_json()["preferences"] == [open_requests[1].id]
    assert call(volunteer, "PUT", f"/events/{event.id}/registrations", json={}).status_code == 422

    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = call(volunteer, "PUT", f"/events/{event.id}/registrations",
                json={"preferences": [open_requests[0].id]})
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "registration_closed"
    assert fresh(EventRegistration, db.session.scalar(sa.select(EventRegistration.id))).preferences == [
        open_requests[1].id]


def test_changing_a_ranking_without_registering_is_404(call, event, open_requests, volunteer):
    answer = call(volunteer, "PUT", f"/events/{event.id}/registrations", json={"preferences": []})
    assert answer.status_code == 404


@pytest.fixture
def attendees(db, event):
    people = {"wang": make_volunteer(name="Wang Lei"), "li": make_volunteer(name="Li Na"),
              "zhao": make_volunteer(name="Zhao Min")}
    make_registration(event, people["wang"], code="WANG2345")
    make_registration(event, people["li"], code="LINA2345")
    make_registration(event, people["zhao"], status="cancelled", code="ZHAO2345")
    db.session.commit()
    return people


def test_the_check_in_list_finds_people_by_name_or_code(call, event, coordinator, attendees):
    listed = call(coordinator, "GET", f"/events/{event.id}/registrations").get_json()
    assert sorted(item["volunteer"]["name"] for item in listed["items"]) == ["Li Na", "Wang Lei"]
    assert listed["total"] == 2 and all(item["check_in_code"] is None for item in listed["items"])
    assert all("email" not in item["volunteer"] for item in listed["items"])
    by_name = call(coordinator, "GET", f"/events/{event.id}/registrations?q=wang").get_json()
    assert [item["volunteer"]["name"] for item in by_name["items"]] == ["Wang Lei"]
    by_code = call(coordinator, "GET", f"/events/{event.id}/registrations?q=LINA2345").get_json()
    assert [item["volunteer"]["name"] for item in by_code["items"]] == ["Li Na"]


def test_a_coordinator_checks_people_in_by_list_and_by_code(call, event, coordinator, attendees):
    path = f"/events/{event.id}/attendance"
    by_list = call(coordinator, "POST", path, json={"user_id": attendees["wang"].id})
    assert by_list.status_code == 200 and by_list.get_json()["attended_at"]
    by_code = call(coordinator, "POST", path, json={"check_in_code": "lina-2345"})
    assert by_code.status_code == 200 and by_code.get_json()["volunteer"]["name"] == "Li Na"
    assert by_code.get_json()["check_in_code"] is None  # the code stays with its engineer
    again = call(coordinator, "POST", path, json={"user_id": attendees["wang"].id})
    assert again.get_json()["attended_at"] == by_list.get_json()["attended_at"]
    assert audit_actions("event.checked_in") == ["event.checked_in", "event.checked_in"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "check_in_code"), ({"check_in_code": "NOPE9999"}, "check_in_code"), ({"user_id": "Wang"}, "user_id"),
    ({"user_id": 2**40}, "user_id"), ({"check_in_code": "x" * 17}, "check_in_code"),
])
def test_check_ins_that_find_nobody_answer_422(call, event, coordinator, attendees, body, field):
    answer = call(coordinator, "POST", f"/events/{event.id}/attendance", json=body)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_a_cancelled_registration_cannot_be_checked_in(call, event, coordinator, attendees):
    answer = call(coordinator, "POST", f"/events/{event.id}/attendance",
                  json={"user_id": attendees["zhao"].id})
    assert answer.status_code == 422


def test_only_coordinators_see_the_list_and_check_people_in(call, event, attendees):
    wang = attendees["wang"]
    assert call(wang, "GET", f"/events/{event.id}/registrations").status_code == 403
    assert call(None, "GET", f"/events/{event.id}/registrations").status_code == 401
    assert call(wang, "POST", f"/events/{event.id}/attendance", json={"user_id": wang.id}).status_code == 403
    assert call(None, "POST", f"/events/{event.id}/attendance", json={"user_id": wang.id}).status_code == 401

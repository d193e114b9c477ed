"""The matching events API: creating, listing, reading, editing and publishing events, featuring
requests, registering and ranking (with the waiting list), and checking people in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import User
from app.volunteers.models import EventRegistration, EventRequest, MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import audit_actions, fresh
from tests.volunteers.events.samples import make_event, make_registration

NEW_EVENT = {"name": "2026 秋季公益编程马拉松", "starts_at": "2030-10-17T09:00:00+08:00",
             "ends_at": "2030-10-17T18:00:00+08:00", "city": "北京", "location": "中关村创业大街",
             "online": False, "capacity": 40, "description": "公益组织现场讲需求，工程师当场报名。"}


@pytest.fixture
def coordinator(db) -> User:
    user = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return user


@pytest.fixture
def volunteer(db) -> User:
    user = make_volunteer(name="Zhang Wei", skills={"python": 4})
    db.session.commit()
    return user


@pytest.fixture
def open_requests(db):
    requests = [make_request(status="open", team_size=2, skills=["python", "postgresql"],
                             title="Food bank map"),
                make_request(status="open", team_size=1, skills=["javascript"], title="Tree tagging app")]
    db.session.commit()
    return requests


@pytest.fixture
def event(db, coordinator, open_requests) -> MatchingEvent:
    published = make_event(coordinator, requests=open_requests)
    db.session.commit()
    return published


# --- creating ------------------------------------------------------------------------------------------

def test_a_coordinator_creates_a_draft_event(call, coordinator):
    answer = call(coordinator, "POST", "/events", json=NEW_EVENT)

    assert answer.status_code == 201
    body = answer.get_json()
    assert isinstance(body["id"], int) and body["status"] == "planned"
    assert body["name"] == "2026 秋季公益编程马拉松"
    assert (body["city"], body["location"]) == ("北京", "中关村创业大街")
    assert body["description"] == "公益组织现场讲需求，工程师当场报名。"
    assert (body["capacity"], body["registered_count"], body["waitlisted_count"]) == (40, 0, 0)
    assert body["starts_at"] == "2030-10-17T01:00:00+00:00"  # stored in UTC, said with its zone
    assert body["requests"] == [] and body["outcome"] is None and body["registration_open"] is False
    assert audit_actions("event.") == ["event.created"]


def test_an_online_event_needs_its_link_and_no_place(call, coordinator):
    online = {"name": "Online evening", "starts_at": "2030-10-17T19:00:00+08:00", "online": True,
              "online_url": "https://meeting.example.org/codebridge", "capacity": 100}
    body = call(coordinator, "POST", "/events", json=online).get_json()
    assert (body["online"], body["online_url"], body["location"]) == (True, online["online_url"], "")


@pytest.mark.parametrize("who", ["anonymous", "volunteer", "nonprofit"])
def test_only_coordinators_create_events(db, call, volunteer, who):
    caller = {"anonymous": None, "volunteer": volunteer, "nonprofit": make_user("nonprofit")}[who]
    db.session.commit()
    answer = call(caller, "POST", "/events", json=NEW_EVENT)
    assert answer.status_code == (401 if who == "anonymous" else 403)
    assert db.session.scalar(sa.select(sa.func.count(MatchingEvent.id))) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"capacity": 10**20}, "capacity"),
    ({"capacity": 100_000}, "capacity"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": "forty"}, "capacity"),
    ({"capacity": None}, "capacity"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"starts_at": "2030-10-17 09:00"}, "starts_at"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"ends_at": "2030-10-17T08:00:00+08:00"}, "ends_at"),
    ({"registration_closes_at": "2030-10-18T08:00:00+08:00"}, "registration_closes_at"),
    ({"online": "yes"}, "online"),
    ({"description": "x" * 20_001}, "description"),
    ({"city": "", "location": ""}, "location"),
    ({"online": True, "online_url": "meeting room 3"}, "online_url"),
])
def test_bad_events_answer_422_naming_the_field(db, call, coordinator, change, field):
    answer = call(coordinator, "POST", "/events", json={**NEW_EVENT, **change})
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(MatchingEvent.id))) == 0


def test_a_body_that_is_not_json_answers_400(client, call, coordinator):
    answer = call(coordinator, "POST", "/events", data="{name: nope", content_type="application/json")
    assert answer.status_code == 400


# --- listing and reading -------------------------------------------------------------------------------

def test_everyone_lists_published_events_and_coordinators_see_drafts_too(db, call, client, coordinator,
                                                                         volunteer):
    published = make_event(coordinator, name="Published")
    make_event(coordinator, status="planned", name="Draft")
    db.session.commit()

    anonymous = client.get("/api/v1/events").get_json()
    assert [item["name"] for item in anonymous["items"]] == ["Published"]
    assert (anonymous["total"], anonymous["page"], anonymous["per_page"]) == (1, 1, 20)
    assert anonymous["items"][0]["id"] == published.id and "requests" not in anonymous["items"][0]
    assert [i["name"] for i in call(volunteer, "GET", "/events").get_json()["items"]] == ["Published"]
    assert sorted(i["name"] for i in call(coordinator, "GET", "/events").get_json()["items"]) == [
        "Draft", "Published"]


def test_the_list_filters_upcoming_events_and_pages(db, client, coordinator):
    make_event(coordinator, name="Last month", starts_in=timedelta(days=-30))
    for days in (3, 10, 20):
        make_event(coordinator, name=f"In {days} days", starts_in=timedelta(days=days))
    db.session.commit()

    upcoming = client.get("/api/v1/events?upcoming=1").get_json()
    assert [item["name"] for item in upcoming["items"]] == ["In 3 days", "In 10 days", "In 20 days"]
    assert client.get("/api/v1/events").get_json()["total"] == 4
    second = client.get("/api/v1/events?upcoming=1&per_page=2&page=2").get_json()
    assert [item["name"] for item in second["items"]] == ["In 20 days"] and second["total"] == 3
    assert client.get("/api/v1/events?per_page=101").status_code == 422
    assert client.get("/api/v1/events?upcoming=maybe").status_code == 422


def test_the_event_lists_its_featured_requests_with_free_seats_and_skills(db, client, event, open_requests,
                                                                          volunteer):
    make_registration(event, volunteer, code="ABCDEFGH")
    db.session.commit()

    body = client.get(f"/api/v1/events/{event.id}").get_json()

    assert body["status"] == "registration" and body["registration_open"] is True
    assert body["registered_count"] == 1 and body["project_count"] == 2
    first, second = body["requests"]
    assert (first["id"], first["title"], first["seats_free"]) == (open_requests[0].id, "Food bank map", 2)
    assert sorted(first["skills"]) == ["postgresql", "python"] and second["skills"] == ["javascript"]
    assert body["outcome"] is None
    assert "ABCDEFGH" not in str(body) and "Zhang Wei" not in str(body)


def test_a_draft_event_is_404_to_everyone_but_coordinators(db, call, client, coordinator, volunteer):
    draft = make_event(coordinator, status="planned")
    db.session.commit()
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    assert call(volunteer, "GET", f"/events/{draft.id}").status_code == 404
    assert call(coordinator, "GET", f"/events/{draft.id}").status_code == 200
    assert client.get("/api/v1/events/999999").status_code == 404
    # Volunteers cannot register for (and so learn about) a draft either.
    assert call(volunteer, "POST", f"/events/{draft.id}/registrations", json={}).status_code == 404


# --- editing, publishing, closing ----------------------------------------------------------------------

def test_a_coordinator_edits_an_event(call, event, coordinator):
    answer = call(coordinator, "PATCH", f"/events/{event.id}", json={"name": "冬季马拉松", "capacity": 60})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["name"], body["capacity"], body["city"]) == ("冬季马拉松", 60, "Beijing")


@pytest.mark.parametrize(("change", "field"), [({"capacity": 2**40}, "capacity"), ({"name": ""}, "name"),
                                               ({"ends_at": "2000-01-01T00:00:00+00:00"}, "ends_at")])
def test_bad_edits_answer_422_and_change_nothing(call, event, coordinator, change, field):
    answer = call(coordinator, "PATCH", f"/events/{event.id}", json=change)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
    assert fresh(MatchingEvent, event.id).name == "Autumn hackathon"


def test_publishing_opens_registration_once(db, call, client, coordinator):
    draft = make_event(coordinator, status="planned")
    db.session.commit()

    assert call(make_volunteer(), "POST", f"/events/{draft.id}/publish").status_code == 403
    answer = call(coordinator, "POST", f"/events/{draft.id}/publish")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "registration" and answer.get_json()["published_at"]
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 200
    again = call(coordinator, "POST", f"/events/{draft.id}/publish")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_event_transition"


def test_closing_ends_the_event(call, event, coordinator, volunteer):
    assert call(volunteer, "POST", f"/events/{event.id}/close").status_code == 403
    assert call(coordinator, "POST", f"/events/{event.id}/close").get_json()["status"] == "closed"
    edit = call(coordinator, "PATCH", f"/events/{event.id}", json={"name": "Too late"})
    assert edit.status_code == 409 and edit.get_json()["error"]["code"] == "event_closed"


# --- featuring requests --------------------------------------------------------------------------------

def test_a_coordinator_features_open_requests(db, call, coordinator):
    draft = make_event(coordinator, status="planned")
    first, second = make_request(status="open", title="Stock sheet"), make_request(status="open")
    db.session.commit()

    answer = call(coordinator, "POST", f"/events/{draft.id}/requests", json={"request_ids": [first.id]})
    assert answer.status_code == 200
    assert [r["id"] for r in answer.get_json()["requests"]] == [first.id]
    answer = call(coordinator, "POST", f"/events/{draft.id}/requests",
                  json={"request_ids": [second.id, first.id]})
    assert [r["id"] for r in answer.get_json()["requests"]] == [first.id, second.id]  # added, not replaced


def test_featuring_a_request_that_is_not_open_is_409_naming_it(db, call, coordinator):
    draft = make_event(coordinator, status="planned")
    fine = make_request(status="open")
    delivered = make_request(status="delivered")
    db.session.commit()

    answer = call(coordinator, "POST", f"/events/{draft.id}/requests",
                  json={"request_ids": [fine.id, delivered.id, 987654]})

    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "request_not_open"
    assert error["request_ids"] == [delivered.id, 987654]
    assert str(delivered.id) in error["message"] and "987654" in error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventRequest)) == 0  # nothing featured


@pytest.mark.parametrize("body", [{}, {"request_ids": []}, {"request_ids": ["one"]}, {"request_ids": 5},
                                  {"request_ids": [2**40]}, {"request_ids": [0]}])
def test_featuring_with_bad_ids_answers_422(call, event, coordinator, body):
    answer = call(coordinator, "POST", f"/events/{event.id}/requests", json=body)
    assert answer.status_code == 422
    assert any(name.startswith("request_ids") for name in answer.get_json()["error"]["fields"])


def test_only_coordinators_feature_and_unfeature(call, event, open_requests, volunteer):
    target = open_requests[0].id
    body = {"request_ids": [target]}
    assert call(volunteer, "POST", f"/events/{event.id}/requests", json=body).status_code == 403
    assert call(None, "POST", f"/events/{event.id}/requests", json=body).status_code == 401
    assert call(volunteer, "DELETE", f"/events/{event.id}/requests/{target}").status_code == 403


def test_unfeaturing_a_request_drops_it_from_the_event_and_rankings(db, call, event, coordinator,
                                                                   open_requests, volunteer):
    kept, dropped = open_requests
    make_registration(event, volunteer, preferences=[dropped.id, kept.id])
    db.session.commit()

    answer = call(coordinator, "DELETE", f"/events/{event.id}/requests/{dropped.id}")

    assert answer.status_code == 200
    assert [r["id"] for r in answer.get_json()["requests"]] == [kept.id]
    assert call(volunteer, "GET", f"/events/{event.id}/registration").get_json()["preferences"] == [kept.id]
    assert call(coordinator, "DELETE", f"/events/{event.id}/requests/{dropped.id}").status_code == 404


# --- registering, ranking, the waiting list ----------------------------------------------------------

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


# --- the check-in list and attendance ------------------------------------------------------------------

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

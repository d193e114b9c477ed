"""The matching events API: creating, listing, reading, editing, publishing and closing events, and
featuring requests (registrations are in registrations/test_api.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.volunteers.models import EventRequest, MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import audit_actions, fresh
from tests.volunteers.events.samples import make_event, make_registration

NEW_EVENT = {"name": "2026 秋季公益编程马拉松", "starts_at": "2030-10-17T09:00:00+08:00",
             "ends_at": "2030-10-17T18:00:00+08:00", "city": "北京", "location": "中关村创业大街",
             "online": False, "capacity": 40, "description": "公益组织现场讲需求，工程师当场报名。"}


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


def test_the_online_link_is_for_registered_engineers_and_coordinators_only(db, call, coordinator):
    event = make_event(coordinator, capacity=1, online=True, online_url="https://meeting.example.org/codebridge")
    coming, waiting = make_volunteer(), make_volunteer()
    make_registration(event, coming)
    make_registration(event, waiting, status="waitlisted")
    db.session.commit()

    def link(user, path=f"/events/{event.id}"):
        body = call(user, "GET", path).get_json()
        return body["online_url"] if "online_url" in body else body["items"][0]["online_url"]

    assert link(coming) == link(coordinator) == "https://meeting.example.org/codebridge"
    assert link(None) is None and link(waiting) is None and link(make_user("nonprofit")) is None
    assert link(coming, "/events") is None  # lists carry no links; the event's own answer does
    assert link(coordinator, "/events") == "https://meeting.example.org/codebridge"


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


# --- the check-in list and attendance ------------------------------------------------------------------



"""Coordinators read the audit trail through the API, a page at a time."""

from __future__ import annotations

import pytest

from app.core.audit import services as audit
from tests.factories import make_user
from tests.helpers import count_statements


@pytest.fixture
def coordinator_headers(coordinator_user, api_token):
    return api_token(coordinator_user)  # issuing it records one event: api_token.issued


def record_events(db, count: int, actors: list | None = None, action: str = "request.published"):
    actors = actors or [None]
    for n in range(count):
        audit.record(action, target_type="help_requests", target_id=n + 1, actor=actors[n % len(actors)],
                     title="食物银行")
    db.session.commit()


def test_coordinator_sees_recent_events_newest_first(client, db, coordinator_headers, coordinator_user):
    record_events(db, 3, actors=[coordinator_user])

    response = client.get("/api/v1/audit-events", headers=coordinator_headers)

    assert response.status_code == 200
    page = response.get_json()
    assert (page["total"], page["page"], page["per_page"]) == (4, 1, 20)
    newest = page["items"][0]
    assert newest["action"] == "request.published"
    assert newest["target"] == {"type": "help_requests", "id": 3}
    assert newest["actor"] == {"id": coordinator_user.id, "name": coordinator_user.name,
                               "role": "coordinator"}
    assert newest["detail"] == {"title": "食物银行"}
    assert newest["at"].endswith("+00:00")
    assert [item["target"]["id"] for item in page["items"][:3]] == [3, 2, 1]
    assert page["items"][-1]["action"] == "api_token.issued"
    assert "ip_address" not in newest


def test_pages_split_the_list_and_report_the_total(client, db, coordinator_headers):
    record_events(db, 44)  # plus the token's own event: 45

    pages = [client.get(f"/api/v1/audit-events?page={n}", headers=coordinator_headers).get_json()
             for n in (1, 2, 3)]

    assert [len(p["items"]) for p in pages] == [20, 20, 5]
    assert {p["total"] for p in pages} == {45}
    ids = [item["id"] for p in pages for item in p["items"]]
    assert len(set(ids)) == 45
    past_the_end = client.get("/api/v1/audit-events?page=4", headers=coordinator_headers).get_json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 45


def test_per_page_goes_up_to_one_hundred(client, db, coordinator_headers):
    record_events(db, 120)

    page = client.get("/api/v1/audit-events?per_page=100", headers=coordinator_headers).get_json()
    small = client.get("/api/v1/audit-events?per_page=7&page=2", headers=coordinator_headers).get_json()

    assert (len(page["items"]), page["per_page"], page["total"]) == (100, 100, 121)
    assert (len(small["items"]), small["page"], small["per_page"]) == (7, 2, 7)


@pytest.mark.parametrize(("query", "field"), [
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=-5", "per_page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=1.5", "page"),
    ("page=99999999999999999999999", "page"),
    ("target_id=x", "target_id"),
])
def test_bad_paging_values_are_refused_naming_the_parameter(client, coordinator_headers, query, field):
    response = client.get(f"/api/v1/audit-events?{query}", headers=coordinator_headers)

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_two_bad_parameters_are_named_together(client, coordinator_headers):
    response = client.get("/api/v1/audit-events?page=0&per_page=1000", headers=coordinator_headers)

    assert set(response.get_json()["error"]["fields"]) == {"page", "per_page"}


def test_events_can_be_filtered(client, db, coordinator_headers, coordinator_user):
    volunteer = make_user("volunteer")
    record_events(db, 3, actors=[volunteer], action="claim.created")
    record_events(db, 2, actors=[coordinator_user])

    by_action = client.get("/api/v1/audit-events?action=claim.created", headers=coordinator_headers)
    by_actor = client.get(f"/api/v1/audit-events?actor_id={coordinator_user.id}",
                          headers=coordinator_headers)
    by_target = client.get("/api/v1/audit-events?target_type=help_requests&target_id=2",
                           headers=coordinator_headers)

    assert by_action.get_json()["total"] == 3
    assert {i["actor"]["id"] for i in by_action.get_json()["items"]} == {volunteer.id}
    assert by_actor.get_json()["total"] == 3  # two publications and the token
    assert by_target.get_json()["total"] == 2


def test_a_page_costs_the_same_queries_however_many_actors_it_shows(client, db, coordinator_headers):
    record_events(db, 2, actors=[make_user("volunteer")])
    db.session.expunge_all()  # nothing cached: every actor must come from the database
    with count_statements() as few:
        client.get("/api/v1/audit-events", headers=coordinator_headers)
    record_events(db, 30, actors=[make_user("volunteer") for _ in range(30)])
    db.session.expunge_all()
    with count_statements() as many:
        response = client.get("/api/v1/audit-events?per_page=40", headers=coordinator_headers)

    actors = {item["actor"]["id"] for item in response.get_json()["items"] if item["actor"]}
    assert len(actors) == 32  # 31 volunteers and the coordinator who took the token
    assert len(many) == len(few)
    selects = [s for s in many if "audit_events" in s]
    assert len(selects) == 2  # one COUNT, one SELECT


@pytest.mark.parametrize("role", ["nonprofit", "volunteer"])
def test_only_coordinators_read_the_audit_trail(client, db, api_token, role):
    user = make_user(role)
    db.session.commit()

    response = client.get("/api/v1/audit-events", headers=api_token(user))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_bad_filters_and_bad_paging_are_named_together(client, coordinator_headers):
    response = client.get("/api/v1/audit-events?target_id=x&per_page=500", headers=coordinator_headers)

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"target_id", "per_page"}

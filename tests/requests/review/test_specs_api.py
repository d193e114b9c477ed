"""The spec, versions, publish and thread endpoints of the API, with every status code they answer."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_request, make_user
from tests.requests.review.samples import DRAFTED

SECTIONS = {"version", "summary", "background", "users_and_roles", "data_entities", "user_stories",
            "acceptance_criteria", "constraints", "skills", "team_size", "effort_hours", "effort_reasoning",
            "open_questions"}


@pytest.fixture
def as_coordinator(api_token, coordinator):
    return api_token(coordinator)


@pytest.fixture
def outsider(db):
    user = make_user("nonprofit")
    make_org(members=[user])
    db.session.commit()
    return user


def error_of(response) -> dict:
    return response.get_json()["error"]


def test_the_spec_reads_in_the_contracts_shape(client, as_coordinator, intake_request):
    response = client.get(f"/api/v1/requests/{intake_request.id}/spec", headers=as_coordinator)

    assert response.status_code == 200
    spec = response.get_json()
    assert set(spec) == SECTIONS
    assert spec["version"] == 1
    assert spec["user_stories"] == DRAFTED["user_stories"]
    assert spec["skills"] == ["maps-routing", "website"] and spec["team_size"] == 2


def test_who_may_read_a_spec(client, db, api_token, outsider, staff, intake_request, organization, skills):
    open_request = make_request(organization, status="open")
    draft = make_request(organization, status="draft")
    db.session.commit()
    path = "/api/v1/requests/{}/spec"

    assert client.get(path.format(intake_request.id), headers=api_token(staff[0])).status_code == 200
    assert client.get(path.format(open_request.id)).status_code == 200  # public once published
    assert client.get(path.format(intake_request.id)).status_code == 404
    assert client.get(path.format(intake_request.id), headers=api_token(outsider)).status_code == 404
    assert client.get(path.format(999_999)).status_code == 404
    no_spec = client.get(path.format(draft.id), headers=api_token(staff[1]))
    assert no_spec.status_code == 404 and "no spec yet" in error_of(no_spec)["message"]


def test_putting_the_spec_twice_makes_versions_two_and_three(client, as_coordinator, intake_request):
    path = f"/api/v1/requests/{intake_request.id}/spec"
    spec = client.get(path, headers=as_coordinator).get_json()

    first = client.put(path, headers=as_coordinator, json={**spec, "summary": "A food map for drivers.",
                                                           "note": "Shorter summary"})
    second = client.put(path, headers=as_coordinator, json={**spec, "summary": "A food map for drivers.",
                                                            "skills": ["website", "database-design"]})
    unchanged = client.put(path, headers=as_coordinator, json={"summary": "A food map for drivers."})

    assert (first.status_code, first.get_json()["version"]) == (200, 2)
    assert (second.status_code, second.get_json()["version"]) == (200, 3)
    assert second.get_json()["skills"] == ["database-design", "website"]
    assert second.get_json()["open_questions"] == DRAFTED["open_questions"]  # left as it was
    assert (unchanged.status_code, unchanged.get_json()["version"]) == (200, 3)
    versions = client.get(f"{path}/versions", headers=as_coordinator).get_json()
    assert versions["total"] == 3
    assert [(v["version"], v["author"] and v["author"]["name"], v["note"]) for v in versions["items"]] == [
        (1, None, None), (2, "Chen Coordinator", "Shorter summary"), (3, "Chen Coordinator", None)]
    assert all(v["created_at"].endswith("+00:00") for v in versions["items"])


def test_a_put_made_on_an_older_version_is_refused_and_saves_nothing(client, as_coordinator, intake_request):
    path = f"/api/v1/requests/{intake_request.id}/spec"

    mine = client.put(path, headers=as_coordinator, json={"summary": "Mine.", "base_version": 1})
    stale = client.put(path, headers=as_coordinator, json={"background": "Theirs.", "base_version": 1})
    fresh = client.put(path, headers=as_coordinator, json={"background": "Theirs.", "base_version": 2})

    assert (mine.status_code, mine.get_json()["version"]) == (200, 2)
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "stale_version"
    assert "Someone saved version 2 of this spec" in error_of(stale)["message"]
    assert (fresh.status_code, fresh.get_json()["version"]) == (200, 3)
    assert fresh.get_json()["summary"] == "Mine." and fresh.get_json()["background"] == "Theirs."
    assert client.get(f"{path}/versions", headers=as_coordinator).get_json()["total"] == 3


def test_base_version_must_be_a_version_number(client, as_coordinator, intake_request):
    response = client.put(f"/api/v1/requests/{intake_request.id}/spec", headers=as_coordinator,
                          json={"summary": "Mine.", "base_version": "latest"})

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"base_version"}


def test_a_bad_spec_is_refused_naming_each_field(client, as_coordinator, intake_request):
    path = f"/api/v1/requests/{intake_request.id}/spec"

    unknown = client.put(path, headers=as_coordinator, json={"skills": ["website", "astrology"]})
    several = client.put(path, headers=as_coordinator, json={"team_size": 0, "user_stories": "not a list",
                                                             "summary": "x" * 20_001})
    blank = client.put(path, headers=as_coordinator, json={"summary": "   "})
    broken = client.put(path, headers={**as_coordinator, "Content-Type": "application/json"}, data="{oops")

    assert unknown.status_code == 422 and set(error_of(unknown)["fields"]) == {"skills"}
    assert "astrology" in error_of(unknown)["fields"]["skills"]
    assert several.status_code == 422
    assert set(error_of(several)["fields"]) == {"team_size", "user_stories", "summary"}
    assert blank.status_code == 422 and set(error_of(blank)["fields"]) == {"summary"}
    assert broken.status_code == 400
    assert client.get(path, headers=as_coordinator).get_json()["version"] == 1


def test_only_coordinators_put_specs_and_only_before_work_starts(client, db, api_token, as_coordinator, staff,
                                                                 intake_request, organization, skills):
    started = make_request(organization, status="in_progress")
    db.session.commit()
    body = {"summary": "Changed."}

    assert client.put(f"/api/v1/requests/{intake_request.id}/spec", json=body).status_code == 401
    assert client.put(f"/api/v1/requests/{intake_request.id}/spec", json=body,
                      headers=api_token(staff[0])).status_code == 403
    assert client.put("/api/v1/requests/999999/spec", json=body, headers=as_coordinator).status_code == 404
    late = client.put(f"/api/v1/requests/{started.id}/spec", json=body, headers=as_coordinator)
    assert late.status_code == 409
    assert "only while the request is in intake or open" in error_of(late)["message"]


def test_versions_are_listed_for_whoever_may_see_the_request(client, api_token, outsider, intake_request):
    path = f"/api/v1/requests/{intake_request.id}/spec/versions"

    assert client.get(path, headers=api_token(outsider)).status_code == 404
    assert client.get(path).status_code == 404
    assert client.get(f"{path}?per_page=500", headers=api_token(outsider)).status_code == 422


def test_publishing_through_the_api(client, db, api_token, as_coordinator, staff, intake_request, skills):
    pending_staff = make_user("nonprofit")
    pending = make_request(make_org(verified=False, members=[pending_staff]), status="intake")
    db.session.commit()

    assert client.post(f"/api/v1/requests/{intake_request.id}/publish").status_code == 401
    assert client.post(f"/api/v1/requests/{intake_request.id}/publish",
                       headers=api_token(staff[0])).status_code == 403
    refused = client.post(f"/api/v1/requests/{pending.id}/publish", headers=as_coordinator)
    published = client.post(f"/api/v1/requests/{intake_request.id}/publish", headers=as_coordinator)
    again = client.post(f"/api/v1/requests/{intake_request.id}/publish", headers=as_coordinator)

    assert refused.status_code == 409
    assert error_of(refused) == {
        "code": "organization_not_verified",
        "message": "This organisation is not verified yet. Verify it first, then publish."}
    assert published.status_code == 200
    assert published.get_json()["status"] == "open" and published.get_json()["published_at"]
    assert again.status_code == 409
    assert client.post("/api/v1/requests/999999/publish", headers=as_coordinator).status_code == 404


def test_sending_back_and_rejecting_through_the_api(client, db, as_coordinator, organization, intake_request):
    other = make_request(organization, status="intake")
    db.session.commit()

    no_questions = client.post(f"/api/v1/requests/{intake_request.id}/send-back", headers=as_coordinator,
                               json={})
    sent_back = client.post(f"/api/v1/requests/{intake_request.id}/send-back", headers=as_coordinator,
                            json={"message": "Who may see addresses?"})
    no_reason = client.post(f"/api/v1/requests/{other.id}/reject", headers=as_coordinator,
                            json={"reason": ""})
    rejected = client.post(f"/api/v1/requests/{other.id}/reject", headers=as_coordinator,
                           json={"reason": "Not a software need."})
    too_late = client.post(f"/api/v1/requests/{other.id}/send-back", headers=as_coordinator,
                           json={"message": "Anything?"})

    assert no_questions.status_code == 422 and set(error_of(no_questions)["fields"]) == {"message"}
    assert (sent_back.status_code, sent_back.get_json()["status"]) == (200, "draft")
    assert no_reason.status_code == 422 and set(error_of(no_reason)["fields"]) == {"reason"}
    assert (rejected.status_code, rejected.get_json()["status"]) == (200, "withdrawn")
    assert too_late.status_code == 409


def test_the_thread_through_the_api(client, db, api_token, as_coordinator, staff, outsider, intake_request,
                                    organization, skills):
    volunteer = make_user("volunteer")
    open_request = make_request(organization, status="open")
    closed = make_request(organization, status="delivered")
    db.session.commit()
    path = f"/api/v1/requests/{intake_request.id}/messages"

    posted = client.post(path, headers=api_token(staff[0]), json={"body": "多少志愿者？\nAbout 40."})
    answered = client.post(path, headers=as_coordinator, json={"body": "Thanks!"})
    listed = client.get(path, headers=api_token(staff[1]))

    assert posted.status_code == 201
    assert posted.get_json()["body"] == "多少志愿者？\nAbout 40."
    assert posted.get_json()["author"] == {"id": staff[0].id, "name": "Wang Fang", "role": "nonprofit"}
    assert answered.status_code == 201
    assert listed.status_code == 200
    assert [m["body"] for m in listed.get_json()["items"]] == ["多少志愿者？\nAbout 40.", "Thanks!"]
    assert client.get(path).status_code == 401
    assert client.get(path, headers=api_token(outsider)).status_code == 404
    assert client.get(f"/api/v1/requests/{open_request.id}/messages",
                      headers=api_token(volunteer)).status_code == 403
    empty = client.post(path, headers=as_coordinator, json={"body": "  "})
    assert empty.status_code == 422 and set(error_of(empty)["fields"]) == {"body"}
    assert client.post(f"/api/v1/requests/{closed.id}/messages", headers=as_coordinator,
                       json={"body": "Hello?"}).status_code == 409


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert set(paths["/api/v1/requests/{request_id}/spec"]) == {"get", "put"}
    put = paths["/api/v1/requests/{request_id}/spec"]["put"]
    assert "stale_version" in put["responses"]["409"]["description"]
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["SpecUpdate"]["properties"]["base_version"]["type"] == "integer"
    assert "get" in paths["/api/v1/requests/{request_id}/spec/versions"]
    assert "409" in paths["/api/v1/requests/{request_id}/publish"]["post"]["responses"]
    assert set(paths["/api/v1/requests/{request_id}/messages"]) == {"get", "post"}

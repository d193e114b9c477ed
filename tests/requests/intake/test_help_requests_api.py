"""The help-request API: every status code the contract names for create, read, update, submit, withdraw,
timeline, the simple list and attachments.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.requests.models import Attachment, HelpRequest
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import count_statements
from tests.requests.intake.samples import EXECUTABLE, FOOD_BANK, SAMPLES, big_upload, upload

JSON_EN = {"Accept-Language": "en"}


@pytest.fixture
def as_staff(staff, api_token):
    return {**api_token(staff.user), **JSON_EN}


@pytest.fixture
def as_other(other_staff, api_token):
    return {**api_token(other_staff.user), **JSON_EN}


@pytest.fixture
def as_coordinator(coordinator, api_token):
    return {**api_token(coordinator), **JSON_EN}


@pytest.fixture
def as_volunteer(db, api_token):
    volunteer = make_user("volunteer")
    db.session.commit()
    return {**api_token(volunteer), **JSON_EN}


def create(client, headers, organization_id, **answers):
    return client.post("/api/v1/requests", json={"organization_id": organization_id, **answers},
                       headers=headers)


# --- POST /requests ---------------------------------------------------------------------------------

def test_staff_create_a_draft_and_get_201(client, staff, as_staff):
    response = create(client, as_staff, staff.organization.id, **FOOD_BANK, deadline="2099-11-15")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and isinstance(body["id"], int)
    assert body["title"] == FOOD_BANK["title"]
    assert body["must_do"] == FOOD_BANK["must_do"]
    assert body["deadline"] == "2099-11-15"
    assert body["spec"] is None and body["skills"] == []
    assert body["organization"]["contact"]["name"]  # staff see their own contact details


def test_chinese_text_is_kept_as_sent(client, staff, as_staff):
    response = create(client, as_staff, staff.organization.id, title="尘肺病患者救助申请和报销管理系统")
    assert response.status_code == 201
    assert "尘肺病患者救助申请和报销管理系统" in response.get_data(as_text=True)


def test_creating_without_a_token_is_401(client, staff):
    assert create(client, JSON_EN, staff.organization.id).status_code == 401


def test_volunteers_and_coordinators_cannot_create_requests(client, staff, as_volunteer, as_coordinator):
    assert create(client, as_volunteer, staff.organization.id).status_code == 403
    assert create(client, as_coordinator, staff.organization.id).status_code == 403


def test_staff_of_another_organisation_get_403(client, staff, as_other):
    response = create(client, as_other, staff.organization.id, title="Not ours")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_bad_fields_are_named_in_one_422(client, staff, as_staff):
    response = create(client, as_staff, staff.organization.id, title="t" * 201, problem="p" * 20_001,
                      must_do="not a list", deadline="15/11/2099")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"title", "problem", "must_do", "deadline"}


def test_a_past_deadline_and_an_unknown_organisation_are_422(client, staff, as_staff):
    past = create(client, as_staff, staff.organization.id, deadline="2001-01-01")
    assert past.status_code == 422 and "deadline" in past.get_json()["error"]["fields"]
    unknown = create(client, as_staff, 999_999)
    assert unknown.status_code == 422 and "organization_id" in unknown.get_json()["error"]["fields"]
    missing = client.post("/api/v1/requests", json={"title": "x"}, headers=as_staff)
    assert missing.status_code == 422 and "organization_id" in missing.get_json()["error"]["fields"]


def test_malformed_json_is_400_and_a_huge_body_413(client, as_staff):
    bad = client.post("/api/v1/requests", data="{not json", content_type="application/json", headers=as_staff)
    assert bad.status_code == 400
    huge = client.post("/api/v1/requests", data="x" * (1024 * 1024 + 1), content_type="application/json",
                       headers=as_staff)
    assert huge.status_code == 413


# --- GET /requests/{id} ----------------------------------------------------------------------------

def test_an_open_request_is_public_without_the_contact(db, client, staff):
    help_request = make_request(staff.organization, status="open", team_size=3, skills=["maps-routing"])
    db.session.commit()
    body = client.get(f"/api/v1/requests/{help_request.id}").get_json()
    assert body["status"] == "open" and body["stalled"] is False
    assert (body["team_size"], body["seats_taken"], body["seats_free"]) == (3, 0, 3)
    assert body["skills"] == ["maps-routing"]
    assert body["spec"]["version"] == 1 and body["spec"]["skills"] == ["maps-routing"]
    assert "contact" not in body["organization"]


def test_the_contact_is_shown_to_staff_and_coordinators_only(
        db, client, staff, api_token, as_staff, as_coordinator, as_other, as_volunteer):
    # Accepted team members see it too, once the volunteers feature registers its team check
    # (app.requests.policy.team_member_checks); a pending claim never shows it.
    help_request = make_request(staff.organization, status="open", team_size=2)
    pending = make_volunteer()
    make_claim(help_request, make_volunteer(), status="accepted")
    make_claim(help_request, pending, status="pending")
    db.session.commit()
    url = f"/api/v1/requests/{help_request.id}"
    assert client.get(url, headers=as_staff).get_json()["organization"]["contact"]["phone"]
    assert client.get(url, headers=as_coordinator).get_json()["organization"]["contact"]["phone"]
    assert "contact" not in client.get(url, headers=api_token(pending)).get_json()["organization"]
    assert "contact" not in client.get(url, headers=as_other).get_json()["organization"]
    assert "contact" not in client.get(url, headers=as_volunteer).get_json()["organization"]
    assert client.get(url).get_json()["seats_taken"] == 1


def test_another_organisations_draft_is_404(client, draft, as_other, as_volunteer):
    for headers in (JSON_EN, as_other, as_volunteer):
        response = client.get(f"/api/v1/requests/{draft.id}", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_staff_and_coordinators_read_a_draft(client, draft, as_staff, as_coordinator):
    assert client.get(f"/api/v1/requests/{draft.id}", headers=as_staff).status_code == 200
    assert client.get(f"/api/v1/requests/{draft.id}", headers=as_coordinator).status_code == 200
    assert client.get("/api/v1/requests/999999", headers=as_staff).status_code == 404


# --- PATCH /requests/{id} -------------------------------------------------------------------------

def test_staff_change_a_draft(client, draft, as_staff):
    response = client.patch(f"/api/v1/requests/{draft.id}", json={"problem": "Paper.", "deadline": None},
                            headers=as_staff)
    assert response.status_code == 200
    assert response.get_json()["problem"] == "Paper."


def test_patch_status_codes(db, client, staff, draft, as_staff, as_other, as_coordinator):
    url = f"/api/v1/requests/{draft.id}"
    assert client.patch(url, json={"problem": "x"}).status_code == 401
    assert client.patch(url, json={"problem": "x"}, headers=as_other).status_code == 404
    assert client.patch(url, json={"problem": "x"}, headers=as_coordinator).status_code == 403
    too_long = client.patch(url, json={"title": "x" * 201}, headers=as_staff)
    assert too_long.status_code == 422 and "title" in too_long.get_json()["error"]["fields"]
    submitted = make_request(staff.organization, status="intake")
    db.session.commit()
    conflict = client.patch(f"/api/v1/requests/{submitted.id}", json={"problem": "x"}, headers=as_staff)
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "not_a_draft"
    assert "discussion" in conflict.get_json()["error"]["message"]  # says what to do instead


# --- POST /requests/{id}/submit -----------------------------------------------------------------------

def test_submitting_drafts_the_spec_and_answers_200(client, staff, coordinator, as_staff):
    created = create(client, as_staff, staff.organization.id, **FOOD_BANK).get_json()
    response = client.post(f"/api/v1/requests/{created['id']}/submit", headers=as_staff)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "intake"
    assert body["spec"]["version"] == 1
    assert len(body["spec"]["user_stories"]) == 3
    assert "maps-routing" in body["skills"]
    assert body["team_size"] == body["spec"]["team_size"]
    again = client.post(f"/api/v1/requests/{created['id']}/submit", headers=as_staff)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "invalid_status_transition"
    assert again.get_json()["error"]["message"] == "The request already has this status."


def test_submit_status_codes(client, draft, as_staff, as_other, as_coordinator):
    url = f"/api/v1/requests/{draft.id}/submit"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=as_other).status_code == 404
    assert client.post(url, headers=as_coordinator).status_code == 403
    incomplete = client.post(url, headers=as_staff)
    assert incomplete.status_code == 422
    assert set(incomplete.get_json()["error"]["fields"]) == {"title", "problem", "must_do"}


# --- POST /requests/{id}/withdraw -----------------------------------------------------------------------

def test_withdraw_status_codes(db, client, staff, draft, as_staff, as_other, as_volunteer, as_coordinator):
    url = f"/api/v1/requests/{draft.id}/withdraw"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=as_other).status_code == 404
    published = make_request(staff.organization, status="open")
    in_review = make_request(staff.organization, status="in_review")
    db.session.commit()
    assert client.post(f"/api/v1/requests/{published.id}/withdraw", headers=as_volunteer).status_code == 403
    done = client.post(url, json={"reason": "We found another way."}, headers=as_staff)
    assert done.status_code == 200 and done.get_json()["status"] == "withdrawn"
    assert client.post(url, headers=as_staff).status_code == 409
    by_coordinator = client.post(f"/api/v1/requests/{published.id}/withdraw", headers=as_coordinator)
    assert by_coordinator.status_code == 200
    review = client.post(f"/api/v1/requests/{in_review.id}/withdraw", headers=as_staff)
    assert review.status_code == 409
    assert "accept the delivery or ask for changes" in review.get_json()["error"]["message"]


# --- GET /requests/{id}/timeline ----------------------------------------------------------------------

def test_the_timeline_lists_creation_and_every_state_change(client, staff, coordinator, as_staff):
    created = create(client, as_staff, staff.organization.id, **FOOD_BANK).get_json()
    client.post(f"/api/v1/requests/{created['id']}/submit", headers=as_staff)
    response = client.get(f"/api/v1/requests/{created['id']}/timeline", headers=as_staff)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and body["page"] == 1
    created_entry, submitted = body["items"]
    assert created_entry["kind"] == "created"
    assert submitted["kind"] == "status_changed" and submitted["summary"] == "Submitted for intake."
    assert submitted["actor"] == {"id": staff.user.id, "name": "Li Na", "role": "nonprofit"}
    assert submitted["at"].endswith("+00:00")


def test_a_drafts_timeline_is_404_for_others_and_public_once_open(db, client, staff, draft, as_other):
    assert client.get(f"/api/v1/requests/{draft.id}/timeline").status_code == 404
    assert client.get(f"/api/v1/requests/{draft.id}/timeline", headers=as_other).status_code == 404
    published = make_request(staff.organization, status="open")
    db.session.commit()
    assert client.get(f"/api/v1/requests/{published.id}/timeline").status_code == 200


def test_private_steps_are_left_out_for_the_public(db, client, staff, as_staff):
    published = make_request(staff.organization, status="open")
    db.session.commit()
    client.post(f"/api/v1/requests/{published.id}/attachments", data=upload(SAMPLES["png"], "map.png"),
                content_type="multipart/form-data", headers=as_staff)
    kinds = [e["kind"] for e in client.get(f"/api/v1/requests/{published.id}/timeline").get_json()["items"]]
    assert "attachment_added" not in kinds
    own = client.get(f"/api/v1/requests/{published.id}/timeline", headers=as_staff).get_json()["items"]
    assert "attachment_added" in [e["kind"] for e in own]


# --- GET /requests (the simple list) ---------------------------------------------------------------

def test_the_list_shows_open_requests_to_everyone_with_facets(db, client, staff, other_staff):
    first = make_request(staff.organization, status="open", skills=["maps-routing", "wechat-mini-program"])
    make_request(other_staff.organization, status="open", skills=["maps-routing"])
    make_request(staff.organization, status="draft")
    make_request(staff.organization, status="intake")
    db.session.commit()
    body = client.get("/api/v1/requests").get_json()
    assert body["total"] == 2
    item = next(i for i in body["items"] if i["id"] == first.id)
    assert set(item) >= {"id", "title", "organization", "skills", "status", "seats_free", "score",
                         "highlights"}
    assert item["skills"] == ["maps-routing", "wechat-mini-program"]
    assert item["score"] is None and item["highlights"] == {}
    assert "contact" not in item["organization"]
    assert body["facets"]["skills"] == {"maps-routing": 2, "wechat-mini-program": 1}
    assert body["facets"]["region"] == {"Beijing": 2}
    assert body["facets"]["cause"] == {"community": 2}


def test_staff_list_their_own_drafts_and_nobody_else_does(db, client, staff, draft, as_staff, as_other,
                                                           as_coordinator):
    url = f"/api/v1/requests?organization_id={staff.organization.id}"
    assert [i["id"] for i in client.get(url, headers=as_staff).get_json()["items"]] == [draft.id]
    assert client.get(url, headers=as_other).get_json()["items"] == []
    assert client.get("/api/v1/requests?status=draft", headers=as_other).get_json()["total"] == 0
    assert client.get("/api/v1/requests?status=draft", headers=as_coordinator).get_json()["total"] == 1


def test_the_list_names_bad_filters(client):
    response = client.get("/api/v1/requests?status=lost&per_page=500")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"status", "per_page"}


def test_the_list_runs_a_bounded_number_of_queries(db, client):
    for _ in range(3):
        make_request(status="open", skills=["maps-routing"])
    db.session.commit()
    with count_statements() as few:
        client.get("/api/v1/requests")
    for _ in range(6):
        make_request(status="open", skills=["website"])
    db.session.commit()
    with count_statements() as more:
        client.get("/api/v1/requests")
    assert len(more) == len(few)


# --- attachments ----------------------------------------------------------------------------------

def test_attachment_status_codes(db, client, staff, draft, as_staff, as_other, as_volunteer):
    url = f"/api/v1/requests/{draft.id}/attachments"
    assert client.post(url, data=upload(SAMPLES["png"], "x.png")).status_code == 401
    assert client.post(url, data=upload(SAMPLES["png"], "x.png"), headers=as_other).status_code == 404
    created = client.post(url, data=upload(SAMPLES["pdf"], "plan.pdf"), headers=as_staff)
    assert created.status_code == 201
    attachment = created.get_json()
    assert attachment["content_type"] == "application/pdf" and attachment["name"] == "plan.pdf"
    wrong = client.post(url, data=upload(EXECUTABLE, "wireframe.png"), headers=as_staff)
    assert wrong.status_code == 422 and "file" in wrong.get_json()["error"]["fields"]
    missing = client.post(url, data={}, headers=as_staff)
    assert missing.status_code == 422
    too_big = client.post(url, headers=as_staff, **big_upload(SAMPLES["png"] + b"\x00" * (10 * 1024 * 1024),
                                                               "huge.png"))
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "too_large"
    listed = client.get(url, headers=as_staff).get_json()
    assert [a["name"] for a in listed["items"]] == ["plan.pdf"]
    assert client.get(url, headers=as_other).status_code == 404
    with client.get(attachment["url"], headers=as_staff) as download:
        assert download.status_code == 200 and download.data == SAMPLES["pdf"]
    assert client.get(attachment["url"], headers=as_other).status_code == 404
    assert client.get(attachment["url"]).status_code == 404
    published = make_request(staff.organization, status="open")
    db.session.commit()
    forbidden = client.post(f"/api/v1/requests/{published.id}/attachments",
                            data=upload(SAMPLES["png"], "x.png"), headers=as_volunteer)
    assert forbidden.status_code == 403
    assert client.delete(attachment["url"], headers=as_other).status_code == 404
    assert client.delete(attachment["url"], headers=as_staff).status_code == 204
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_the_eleventh_file_is_a_409(db, client, draft, as_staff):
    url = f"/api/v1/requests/{draft.id}/attachments"
    for number in range(10):
        response = client.post(url, data=upload(SAMPLES["txt"], f"{number}.txt"), headers=as_staff)
        assert response.status_code == 201
    response = client.post(url, data=upload(SAMPLES["txt"], "11.txt"), headers=as_staff)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "too_many_attachments"


def test_a_closed_requests_files_cannot_change(db, client, staff, as_staff):
    withdrawn = make_request(staff.organization, status="withdrawn")
    db.session.commit()
    response = client.post(f"/api/v1/requests/{withdrawn.id}/attachments",
                           data=upload(SAMPLES["png"], "x.png"), headers=as_staff)
    assert response.status_code == 409


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {"/requests": {"get", "post"}, "/requests/{request_id}": {"get", "patch"},
                "/requests/{request_id}/submit": {"post"}, "/requests/{request_id}/withdraw": {"post"},
                "/requests/{request_id}/timeline": {"get"},
                "/requests/{request_id}/attachments": {"get", "post"}}
    for path, methods in expected.items():
        assert methods <= set(paths[f"/api/v1{path}"])


def test_a_request_belongs_to_the_organisation_named(db, client, staff, as_staff):
    second = make_org(members=[staff.user], name="Second Org")
    db.session.commit()
    body = create(client, as_staff, second.id, title="For the second one").get_json()
    assert db.session.get(HelpRequest, body["id"]).organization_id == second.id

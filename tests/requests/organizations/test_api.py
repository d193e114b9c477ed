"""The organisation endpoints of the JSON API: the contract's shapes and status codes, and who sees what."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent, EmailMessage
from app.requests.models import Organization
from tests.factories import make_org, make_user

NEW = {
    "name": "山石尘肺病救助基金",
    "description": "为山区尘肺病农民提供医疗救助、制氧机借用和家庭生计支持。",
    "cause_areas": ["health", "扶贫济困"],
    "region": "北京",
    "website": "https://shanshi-fund.example.org",
    "registration_number": "53110000MJ0000101A",
    "contact": {"name": "刘芳", "phone": "138 0000 0101", "email": "liufang@shanshi-fund.example.org"},
}


@pytest.fixture
def people(db):
    """A member of a verified organisation, plus one user of every other kind."""
    member = make_user("nonprofit")
    organization = make_org(members=[member], contact_name="Liu Fang", contact_phone="138 0000 0101",
                            contact_email="liufang@example.org")
    people = {"member": member, "coordinator": make_user("coordinator"),
              "other_nonprofit": make_user("nonprofit"), "volunteer": make_user("volunteer"),
              "organization": organization}
    db.session.commit()
    return people


def test_nonprofit_creates_an_organisation_pending_verification(client, db, api_token, nonprofit_user):
    response = client.post("/api/v1/organizations", json=NEW, headers=api_token(nonprofit_user))

    body = response.get_json()
    assert response.status_code == 201
    assert body["verification"] == "pending"
    assert body["name"] == "山石尘肺病救助基金"
    assert body["cause_areas"] == ["health", "poverty-relief"]  # a cause's Chinese name is understood
    assert body["contact"] == NEW["contact"]
    assert isinstance(body["id"], int) and body["created_at"].endswith("+00:00")
    members = client.get(f"/api/v1/organizations/{body['id']}/members", headers=api_token(nonprofit_user))
    staff = [(m["user"]["id"], m["role"]) for m in members.get_json()["items"]]
    assert staff == [(nonprofit_user.id, "owner")]


def test_contact_is_optional_when_creating(client, api_token, nonprofit_user):
    body = {key: value for key, value in NEW.items() if key not in ("contact", "website")}

    response = client.post("/api/v1/organizations", json=body, headers=api_token(nonprofit_user))

    assert response.status_code == 201
    assert response.get_json()["contact"] == {"name": None, "phone": None, "email": None}
    assert response.get_json()["website"] is None


def test_bad_fields_are_named_in_one_answer(client, db, api_token, nonprofit_user):
    headers = api_token(nonprofit_user)

    missing = client.post("/api/v1/organizations", json={"description": "x"}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["fields"]) == {"name", "cause_areas", "region"}

    bad = {**NEW, "cause_areas": ["space travel"], "website": "nowhere",
           "contact": {"email": "not-an-address", "phone": "call me"}}
    response = client.post("/api/v1/organizations", json=bad, headers=headers)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert set(fields) == {"cause_areas", "website", "contact.email", "contact.phone"}
    assert "space travel" in fields["cause_areas"] and "poverty-relief" in fields["cause_areas"]

    too_long = client.post("/api/v1/organizations", json={**NEW, "name": "名" * 201}, headers=headers)
    assert too_long.status_code == 422 and "name" in too_long.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0


@pytest.mark.parametrize("role, status", [("volunteer", 403), ("coordinator", 403)])
def test_only_nonprofit_staff_create_organisations(client, db, api_token, role, status):
    user = make_user(role)
    db.session.commit()

    assert client.post("/api/v1/organizations", json=NEW, headers=api_token(user)).status_code == status
    assert client.post("/api/v1/organizations", json=NEW).status_code == 401


@pytest.mark.parametrize("who, sees_contact", [
    ("anonymous", False), ("volunteer", False), ("other_nonprofit", False), ("member", True),
    ("coordinator", True),
])
def test_contact_only_for_members_and_coordinators(client, api_token, people, who, sees_contact):
    headers = api_token(people[who]) if who in people else {}

    response = client.get(f"/api/v1/organizations/{people['organization'].id}", headers=headers)

    body = response.get_json()
    assert response.status_code == 200
    assert body["verification"] == "verified"
    assert ("contact" in body) is sees_contact
    if sees_contact:
        assert body["contact"] == {"name": "Liu Fang", "phone": "138 0000 0101",
                                   "email": "liufang@example.org"}
    assert "Liu Fang" not in response.get_data(as_text=True) or sees_contact


@pytest.mark.parametrize("who, status", [
    ("member", 200), ("coordinator", 200), ("other_nonprofit", 403), ("volunteer", 403),
])
def test_members_and_coordinators_edit_others_are_refused(client, db, api_token, people, who, status):
    organization_id = people["organization"].id

    response = client.patch(f"/api/v1/organizations/{organization_id}",
                            json={"region": "成都", "contact": {"phone": "028 0000 0000"}},
                            headers=api_token(people[who]))

    assert response.status_code == status
    db.session.expire_all()
    organization = db.session.get(Organization, organization_id)
    assert (organization.region == "成都") is (status == 200)
    if status == 200:
        assert organization.contact == {"name": "Liu Fang", "phone": "028 0000 0000",
                                        "email": "liufang@example.org"}
    assert client.patch(f"/api/v1/organizations/{organization_id}", json={"region": "x"}).status_code == 401


def test_a_rejected_organisation_is_not_found_for_outsiders(client, db, api_token, people):
    organization = people["organization"]
    organization.verification = "rejected"
    db.session.commit()
    path = f"/api/v1/organizations/{organization.id}"

    assert client.get(path).status_code == 404
    outsider = api_token(people["other_nonprofit"])
    assert client.patch(path, json={"region": "x"}, headers=outsider).status_code == 404
    assert client.get(path, headers=api_token(people["member"])).status_code == 200
    assert client.get("/api/v1/organizations/999999").status_code == 404


def test_coordinator_verifies_and_rejects_with_a_note(client, db, api_token, people):
    organization = make_org(verified=False, members=[people["member"]])
    db.session.commit()
    path = f"/api/v1/organizations/{organization.id}/verification"
    coordinator = api_token(people["coordinator"])

    no_note = client.post(path, json={"decision": "rejected"}, headers=coordinator)
    assert no_note.status_code == 422 and set(no_note.get_json()["error"]["fields"]) == {"note"}
    assert client.post(path, json={"decision": "maybe"}, headers=coordinator).status_code == 422

    rejected = client.post(path, json={"decision": "rejected", "note": "请上传登记证书。"},
                           headers=coordinator)
    assert rejected.status_code == 200
    assert rejected.get_json()["verification"] == "rejected"
    assert rejected.get_json()["verification_note"] == "请上传登记证书。"

    member_view = client.get(f"/api/v1/organizations/{organization.id}", headers=api_token(people["member"]))
    assert member_view.get_json()["verification_note"] == "请上传登记证书。"

    again = client.post(path, json={"decision": "rejected", "note": "again"}, headers=coordinator)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "verification_unchanged"

    verified = client.post(path, json={"decision": "verified", "note": "已核实。"}, headers=coordinator)
    assert verified.status_code == 200 and verified.get_json()["verification"] == "verified"
    assert verified.get_json()["verified_at"]
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "organizations",
                                                              AuditEvent.target_id == organization.id,
                                                              AuditEvent.action.like("organization.%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["organization.rejected", "organization.verified"]
    subjects = db.session.scalars(sa.select(EmailMessage.subject).order_by(EmailMessage.id)).all()
    assert len(subjects) == 2


@pytest.mark.parametrize("who, status", [("member", 403), ("volunteer", 403), ("anonymous", 401)])
def test_only_coordinators_decide_verification(client, api_token, people, who, status):
    headers = api_token(people[who]) if who in people else {}

    response = client.post(f"/api/v1/organizations/{people['organization'].id}/verification",
                           json={"decision": "rejected", "note": "no"}, headers=headers)

    assert response.status_code == status


def test_staff_ask_again_after_a_rejection(client, db, api_token, people):
    organization = people["organization"]
    organization.verification = "rejected"
    db.session.commit()
    path = f"/api/v1/organizations/{organization.id}/verification/request"

    assert client.post(path, headers=api_token(people["other_nonprofit"])).status_code == 404
    response = client.post(path, headers=api_token(people["member"]))
    assert response.status_code == 200 and response.get_json()["verification"] == "pending"
    assert client.post(path, headers=api_token(people["member"])).status_code == 409


def test_lists_verified_for_everyone_and_pending_for_coordinators(client, db, api_token, people):
    make_org(verified=False, name="Waiting Org", members=[people["other_nonprofit"]])
    db.session.commit()

    public = client.get("/api/v1/organizations").get_json()
    assert [item["name"] for item in public["items"]] == [people["organization"].name]
    assert "contact" not in public["items"][0]

    pending = client.get("/api/v1/organizations?verification=pending",
                         headers=api_token(people["coordinator"]))
    assert pending.status_code == 200
    assert [item["name"] for item in pending.get_json()["items"]] == ["Waiting Org"]
    assert "contact" in pending.get_json()["items"][0]

    refused = client.get("/api/v1/organizations?verification=pending", headers=api_token(people["volunteer"]))
    assert refused.status_code == 403

    mine = client.get("/api/v1/organizations?mine=true", headers=api_token(people["other_nonprofit"]))
    assert [item["name"] for item in mine.get_json()["items"]] == ["Waiting Org"]
    assert client.get("/api/v1/organizations?mine=true").status_code == 401
    assert client.get("/api/v1/organizations?verification=unknown").status_code == 422


def test_members_list_is_for_staff_and_coordinators(client, api_token, people):
    path = f"/api/v1/organizations/{people['organization'].id}/members"

    assert client.get(path, headers=api_token(people["coordinator"])).status_code == 200
    assert client.get(path, headers=api_token(people["volunteer"])).status_code == 403
    items = client.get(path, headers=api_token(people["member"])).get_json()["items"]
    assert items[0]["user"] == {"id": people["member"].id, "name": people["member"].name, "role": "nonprofit"}
    assert "email" not in items[0]["user"]


def test_organisation_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert {"post", "get"} <= set(paths["/api/v1/organizations"])
    assert {"get", "patch"} <= set(paths["/api/v1/organizations/{organization_id}"])
    assert "post" in paths["/api/v1/organizations/{organization_id}/verification"]


def test_listing_organisations_with_their_contacts_records_each_view(client, db, api_token):
    coordinator = make_user("coordinator")
    first, second = make_org(verified=False), make_org(verified=False)
    db.session.commit()

    response = client.get("/api/v1/organizations?verification=pending", headers=api_token(coordinator))

    assert response.status_code == 200
    assert all("contact" in item for item in response.get_json()["items"])
    viewed = db.session.scalars(sa.select(AuditEvent.target_id).where(
        AuditEvent.action == "contact.viewed", AuditEvent.actor_id == coordinator.id)).all()
    assert sorted(viewed) == sorted([first.id, second.id])

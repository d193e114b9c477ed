"""Organisation profiles in the browser: create, edit, who may do what, the public page and its privacy."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import render_template_string

from app.core.models import AuditEvent
from app.requests.models import Membership, Organization
from app.requests.organizations import services
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, count_statements, sign_in, text_of
from tests.requests.organizations.samples import PROFILE


def audit_events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_nonprofit_creates_an_organisation_and_becomes_its_owner(app, db, nonprofit_user):
    client = sign_in(app.test_client(), nonprofit_user)

    response = client.post("/organizations/new", data=PROFILE, headers=EN)

    organization = db.session.scalar(sa.select(Organization))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizations/{organization.id}/verification"
    assert organization.name == "Green Roots Food Bank"
    assert organization.cause_areas == ["food", "poverty-relief"]
    assert organization.verification == "pending"
    assert organization.contact == {"name": "Wang Min", "phone": "+86 138 0000 0202",
                                    "email": "wangmin@greenroots.example.org"}
    membership = db.session.scalar(sa.select(Membership))
    assert (membership.user_id, membership.role) == (nonprofit_user.id, "owner")
    [event] = audit_events(db, "organization.created")
    assert (event.actor_id, event.target_id) == (nonprofit_user.id, organization.id)
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "Waiting for verification" in page


def test_create_form_lists_cause_areas_in_the_reader_language(app, db):
    english_reader = make_user("nonprofit", locale="en")
    chinese_reader = make_user("nonprofit", locale="zh_CN")
    db.session.commit()

    english = text_of(sign_in(app.test_client(), english_reader).get("/organizations/new"))
    chinese = text_of(sign_in(app.test_client(), chinese_reader).get("/organizations/new"))

    assert "Disaster relief" in english and "Legal aid" in english
    assert "救灾减灾" in chinese and "法律援助" in chinese


def test_missing_and_bad_fields_are_named_and_what_was_typed_stays(nonprofit_client, db):
    typed = {**PROFILE, "name": "", "cause_areas": [], "website": "not a site",
             "contact_email": "wang at example", "contact_phone": "call me"}

    response = nonprofit_client.post("/organizations/new", data=typed, headers=EN)

    page = text_of(response)
    assert response.status_code == 422
    assert "Enter your organisation&#39;s name." in page
    assert "Choose at least one cause area." in page
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0
    # Everything else comes back as it was typed.
    assert PROFILE["description"] in page
    assert 'value="Shanghai"' in page
    assert 'value="wang at example"' in page

    typed["name"], typed["cause_areas"] = "Green Roots", ["food"]
    response = nonprofit_client.post("/organizations/new", data=typed, headers=EN)
    page = text_of(response)
    assert response.status_code == 422
    assert "Enter a web address like https://example.org." in page
    assert "Enter a valid e-mail address, like name@example.org." in page
    assert "Enter a phone number with digits" in page
    assert re.search(r'<input checked[^>]*value="food"', page)
    assert not re.search(r'<input checked[^>]*value="health"', page)


def test_a_website_without_scheme_gets_https(nonprofit_user, db):
    organization = services.create_organization(nonprofit_user, **{**PROFILE, "website": "greenroots.org"})

    assert organization.website == "https://greenroots.org"


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_only_nonprofit_staff_create_organisations(app, db, role):
    client = sign_in(app.test_client(), make_user(role))
    db.session.commit()

    assert client.get("/organizations/new", headers=EN).status_code == 403
    assert client.post("/organizations/new", data=PROFILE, headers=EN).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0


def test_anonymous_visitors_are_asked_to_sign_in_before_creating(client):
    response = client.get("/organizations/new", headers=EN)

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def edit_data(organization, **changes) -> dict:
    data = {name: getattr(organization, name) or "" for name in services.PROFILE_FIELDS}
    data.update(changes)
    return data


@pytest.mark.parametrize("who, status", [
    ("member", 302), ("coordinator", 302), ("other_nonprofit", 403), ("volunteer", 403), ("anonymous", 302),
])
def test_members_and_coordinators_edit_a_profile_others_cannot(app, db, who, status):
    member = make_user("nonprofit")
    organization = make_org(verified=False, members=[member], description="Old words.")
    users = {"member": member, "coordinator": make_user("coordinator"),
             "other_nonprofit": make_user("nonprofit"), "volunteer": make_user("volunteer")}
    db.session.commit()
    organization_id = organization.id
    client = app.test_client()
    if who in users:
        sign_in(client, users[who])

    response = client.post(f"/organizations/{organization_id}/edit",
                           data=edit_data(organization, description="New words."), headers=EN)

    assert response.status_code == status
    db.session.expire_all()
    changed = db.session.get(Organization, organization_id).description == "New words."
    assert changed is (who in ("member", "coordinator"))
    if who == "anonymous":
        assert "/sign-in" in response.headers["Location"]
    if changed:
        [event] = audit_events(db, "organization.updated")
        assert event.actor_id == users[who].id
        assert event.detail["fields"] == ["description"]


def test_a_rejected_organisation_is_hidden_from_outsiders(app, db):
    member = make_user("nonprofit")
    organization = make_org(verified=False, members=[member])
    organization.verification = "rejected"
    outsider = make_user("nonprofit")
    db.session.commit()

    assert app.test_client().get(f"/organizations/{organization.id}", headers=EN).status_code == 404
    outsider_client = sign_in(app.test_client(), outsider)
    assert outsider_client.get(f"/organizations/{organization.id}/edit", headers=EN).status_code == 404
    member_client = sign_in(app.test_client(), member)
    assert member_client.get(f"/organizations/{organization.id}", headers=EN).status_code == 200


def test_renaming_a_verified_organisation_asks_for_verification_again(app, db):
    member, coordinator = make_user("nonprofit"), make_user("coordinator")
    organization = make_org(verified=True, members=[member])
    db.session.commit()

    services.update_organization(organization, coordinator, name="Renamed by a coordinator")
    assert organization.is_verified
    services.update_organization(organization, member, region="Chengdu")
    assert organization.is_verified

    client = sign_in(app.test_client(), member)
    response = client.post(f"/organizations/{organization.id}/edit",
                           data=edit_data(organization, name="Someone Else Entirely"), headers=EN)

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verification == "pending"
    assert "a coordinator verifies the organisation again" in text_of(client.get(response.headers["Location"],
                                                                                   headers=EN))


@pytest.mark.parametrize("who, sees_contact", [
    ("anonymous", False), ("volunteer", False), ("other_nonprofit", False), ("member", True),
    ("coordinator", True),
])
def test_contact_details_only_for_members_and_coordinators(app, db, who, sees_contact):
    member = make_user("nonprofit")
    organization = make_org(members=[member], contact_name="Liu Fang", contact_phone="138 0000 0101",
                            contact_email="liufang@example.org")
    users = {"member": member, "coordinator": make_user("coordinator"),
             "other_nonprofit": make_user("nonprofit"), "volunteer": make_user("volunteer")}
    db.session.commit()
    client = app.test_client()
    if who in users:
        sign_in(client, users[who])

    page = text_of(client.get(f"/organizations/{organization.id}", headers=EN))

    assert organization.name in page
    for private in ("Liu Fang", "138 0000 0101", "liufang@example.org", "Private contact"):
        assert (private in page) is sees_contact


def test_the_verified_badge_shows_for_verified_organisations_only(client, db):
    verified = make_org(verified=True, name="Trusted Org")
    pending = make_org(verified=False, name="New Org")
    db.session.commit()

    assert "badge-verified" in text_of(client.get(f"/organizations/{verified.id}", headers=EN))
    assert "badge-verified" not in text_of(client.get(f"/organizations/{pending.id}", headers=EN))


def test_the_page_lists_published_requests_only_in_a_constant_number_of_queries(app, client, db):
    organization = make_org(members=[make_user("nonprofit")])
    make_request(organization, status="open", title="Volunteer visit records")
    make_request(organization, status="delivered", title="Donor map")
    make_request(organization, status="draft", title="Secret draft")
    make_request(organization, status="intake", title="Still in intake")
    db.session.commit()
    path = f"/organizations/{organization.id}"

    page = text_of(client.get(path, headers=EN))

    assert "Volunteer visit records" in page and "Donor map" in page
    assert "Secret draft" not in page and "Still in intake" not in page

    def statements() -> int:
        with count_statements() as seen:
            assert client.get(path, headers=EN).status_code == 200
        return len(seen)

    before = statements()
    for n in range(5):
        make_request(organization, status="open", title=f"More work {n}")
    db.session.commit()
    assert statements() == before == 2  # the organisation, then its published requests


def test_names_and_descriptions_are_escaped_everywhere(app, db):
    script = "<script>alert('x')</script>"
    member, coordinator = make_user("nonprofit"), make_user("coordinator")
    organization = make_org(verified=False, members=[member], name=f"Evil {script}",
                            description=f"About {script}", contact_name=script)
    db.session.commit()
    member_client = sign_in(app.test_client(), member)
    coordinator_client = sign_in(app.test_client(), coordinator)

    pages = [member_client.get(f"/organizations/{organization.id}", headers=EN),
             member_client.get("/dashboard", headers=EN),
             member_client.get(f"/organizations/{organization.id}/members", headers=EN),
             coordinator_client.get("/organizations/verification-queue", headers=EN),
             coordinator_client.get(f"/organizations/{organization.id}/verification", headers=EN)]

    for response in pages:
        page = text_of(response)
        assert response.status_code == 200
        assert script not in page
        assert "&lt;script&gt;" in page


def test_nonprofit_dashboard_offers_to_create_a_profile_then_shows_it(app, db, nonprofit_user):
    client = sign_in(app.test_client(), nonprofit_user)

    page = text_of(client.get("/dashboard", headers=EN))
    assert "Create your organisation profile" in page
    assert 'href="/organizations/new"' in page

    organization = make_org(verified=False, members=[nonprofit_user], name="Mountain Relief Fund")
    db.session.commit()
    page = text_of(client.get("/dashboard", headers=EN))
    assert "Mountain Relief Fund" in page
    assert "Waiting for verification" in page
    assert f'href="/organizations/{organization.id}/verification"' in page


@pytest.mark.parametrize("verified, show_contact", [(True, False), (False, True)])
def test_the_card_other_pages_use_shows_badge_and_contact_only_when_asked(app, db, verified, show_contact):
    organization = make_org(verified=verified, name="Food <b>Bank</b>", cause_areas=["food"],
                            contact_name="Liu Fang")
    db.session.commit()
    card = ('{% from "_macros/organization.html" import organization_card %}'
            "{{ organization_card(org, show_contact=show_contact) }}")

    with app.test_request_context(headers=EN):
        html = render_template_string(card, org=organization, show_contact=show_contact)

    assert f'href="/organizations/{organization.id}"' in html
    assert "Food &lt;b&gt;Bank&lt;/b&gt;" in html and "Food security" in html
    assert ("badge-verified" in html) is verified
    assert ("Liu Fang" in html) is show_contact


def test_volunteers_accepted_on_one_of_its_projects_see_the_contact(app, db, monkeypatch):
    from app.requests import policy

    organization = make_org(contact_name="Liu Fang")
    help_request = make_request(organization, status="in_progress")
    team_member, bystander = make_user("volunteer"), make_user("volunteer")
    db.session.commit()
    # The volunteers feature answers "is this user on the team?" through the policy's hook.
    monkeypatch.setattr(policy, "team_member_checks",
                        [lambda user, request: user.id == team_member.id and request.id == help_request.id])

    on_team = text_of(sign_in(app.test_client(), team_member).get(f"/organizations/{organization.id}"))
    watching = text_of(sign_in(app.test_client(), bystander).get(f"/organizations/{organization.id}"))

    assert "Liu Fang" in on_team
    assert "Liu Fang" not in watching

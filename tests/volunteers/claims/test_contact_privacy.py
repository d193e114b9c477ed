"""Contact privacy: the organisation's contact only for staff, coordinators and accepted team members,
and every showing of it recorded in the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent
from tests.factories import make_claim, make_user, make_volunteer
from tests.helpers import EN, client_for, text_of

PHONE = "+86 138 1234 5678"
# Who looks, and whether they see the contact.
VIEWERS = [
    ("anonymous", False),
    ("other_volunteer", False),
    ("pending_volunteer", False),
    ("declined_volunteer", False),
    ("withdrawn_volunteer", False),
    ("released_volunteer", False),
    ("accepted_volunteer", True),
    ("other_staff", False),
    ("staff", True),
    ("coordinator", True),
]


def viewer_for(db, project, who: str):
    """The user `who` names (None for anonymous), with the claim their name says they hold."""
    if who == "anonymous":
        return None
    if who == "staff":
        return project.staff
    if who == "coordinator":
        return project.coordinator
    if who == "other_staff":
        user = make_user("nonprofit")
    else:
        user = make_volunteer()
        status = who.removesuffix("_volunteer")
        if status != "other":
            make_claim(project.help_request, user, status=status)
    db.session.commit()
    return user


def contact_views() -> list[AuditEvent]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contact.viewed")))


@pytest.mark.parametrize(("who", "sees"), VIEWERS)
def test_the_request_api_shows_the_contact_only_to_the_team_staff_and_coordinators(
        db, client, api_token, project, who, sees):
    user = viewer_for(db, project, who)
    headers = {**EN, **(api_token(user) if user else {})}

    organization = client.get(f"/api/v1/requests/{project.help_request.id}", headers=headers
                              ).get_json()["organization"]

    if sees:
        assert organization["contact"] == {"name": "Li Mei", "phone": PHONE,
                                           "email": "li.mei@foodbank.example.org"}
        [event] = contact_views()
        assert (event.actor_id, event.target_type, event.target_id) == (user.id, "organizations",
                                                                        project.organization.id)
        assert event.detail == {"via": "api", "request_id": project.help_request.id}
    else:
        assert "contact" not in organization
        assert contact_views() == []


@pytest.mark.parametrize(("who", "sees"), VIEWERS)
def test_the_request_page_shows_the_contact_only_to_the_team_staff_and_coordinators(
        app, db, client, project, who, sees):
    user = viewer_for(db, project, who)
    browser = client_for(app, user) if user else client

    page = text_of(browser.get(f"/requests/{project.help_request.id}", headers=EN))

    assert (PHONE in page) is sees
    assert ("Visible after your claim is accepted." in page) is not sees
    assert len(contact_views()) == (1 if sees else 0)


def test_an_accepted_volunteer_sees_the_contact_on_the_organisation_page_and_it_is_recorded(
        app, db, project):
    user = viewer_for(db, project, "accepted_volunteer")
    page = text_of(client_for(app, user).get(f"/organizations/{project.organization.id}", headers=EN))
    assert PHONE in page
    assert [event.detail["via"] for event in contact_views()] == ["organization_page"]


def test_the_claim_page_gives_an_accepted_volunteer_the_contact(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    page = text_of(client_for(app, volunteer).get(f"/claims/{claim.id}", headers=EN))
    assert PHONE in page
    assert [event.detail["via"] for event in contact_views()] == ["claim_page"]


def test_the_contact_goes_once_a_volunteer_leaves_the_team(app, db, project, volunteer):
    from app.volunteers.claims import services

    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    browser = client_for(app, volunteer)
    assert PHONE in text_of(browser.get(f"/requests/{project.help_request.id}", headers=EN))
    services.withdraw_claim(claim, volunteer)
    assert PHONE not in text_of(browser.get(f"/requests/{project.help_request.id}", headers=EN))

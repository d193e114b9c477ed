"""Fixtures for the volunteers' subjects: a food bank's open request and its people (`project`), the
team working on it (`team`), a team about to hand over (`delivery_team`), and English service calls."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db as database
from app.requests.models import HelpRequest, Organization
from app.volunteers.models import Claim
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import EN


@dataclass
class Project:
    """An open request of a verified organisation, with the people around it."""

    organization: Organization
    help_request: HelpRequest
    staff: User
    coordinator: User

    def reload(self) -> HelpRequest:
        database.session.expire_all()
        return database.session.get(HelpRequest, self.help_request.id)


@pytest.fixture
def english(app):
    """Service calls outside a page speak English (the default language is Chinese)."""
    with app.test_request_context(headers=EN):
        yield


@pytest.fixture
def project(db) -> Project:
    staff = make_user("nonprofit", name="Wang Fang")
    organization = make_org(members=[staff], name="Green Roots Food Bank", contact_name="Li Mei",
                            contact_phone="+86 138 1234 5678", contact_email="li.mei@foodbank.example.org")
    help_request = make_request(organization, status="open", team_size=2,
                                title="Map of food donors and families")
    coordinator = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return Project(organization, help_request, staff, coordinator)


@dataclass
class Team:
    """The accepted lead and member of the project, and an outsider volunteer."""

    lead: User
    member: User
    outsider: User


@pytest.fixture
def team(db, project: Project) -> Team:
    """Two accepted volunteers on the project (now in progress), working from Shanghai."""
    lead = make_volunteer(name="Zhang Wei", hours_per_week=10)
    member = make_volunteer(name="Li Na", hours_per_week=10)
    outsider = make_volunteer(name="Outsider Ou", hours_per_week=10)
    started = utcnow()
    make_claim(project.help_request, lead, status="accepted", role="lead", accepted_at=started)
    make_claim(project.help_request, member, status="accepted", accepted_at=started)
    project.help_request.status = "in_progress"
    db.session.commit()
    return Team(lead, member, outsider)


@dataclass
class DeliveryTeam:
    """A request in progress with its staff member, two accepted volunteers, an outsider and a coordinator."""

    help_request: HelpRequest
    staff: User
    lead: User
    member: User
    outsider: User
    coordinator: User
    claims: list[Claim]


@pytest.fixture
def delivery_team(db) -> DeliveryTeam:
    """A food bank's request in progress with a team of two, ready to hand over."""
    staff = make_user("nonprofit", name="Wang Fang", locale="en")
    org = make_org(members=[staff], name="Green Roots Food Bank")
    help_request = make_request(org, status="in_progress", team_size=2, title="Map of food donors")
    lead = make_volunteer(name="Zhang Wei")
    member = make_volunteer(name="Liu Yang")
    claims = [make_claim(help_request, lead, status="accepted", role="lead"),
              make_claim(help_request, member, status="accepted")]
    outsider = make_volunteer(name="Outsider")
    coordinator = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return DeliveryTeam(help_request, staff, lead, member, outsider, coordinator, claims)

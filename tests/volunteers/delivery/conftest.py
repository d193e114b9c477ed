"""Fixtures for delivery and review tests: a food bank's request in progress with a team of two."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.core.models import User
from app.requests.models import HelpRequest
from app.volunteers.models import Claim
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.volunteers.claims.conftest import EN

DELIVERY = {"repository_url": "https://github.com/foodbank/donor-map",
            "demo_url": "https://donors.foodbank.example.org",
            "handover_notes": "Run with docker compose up. Hosted on the city's free tier. MIT licence."}


@dataclass
class Team:
    """A request in progress with its staff member, two accepted volunteers, an outsider and a coordinator."""

    help_request: HelpRequest
    staff: User
    lead: User
    member: User
    outsider: User
    coordinator: User
    claims: list[Claim]


@pytest.fixture
def team(db) -> Team:
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
    return Team(help_request, staff, lead, member, outsider, coordinator, claims)


@pytest.fixture
def call(client, api_token):
    """`call(user, method, path, json=...)` → the API's response, with the user's bearer token."""

    def send(user, method: str, path: str, **kwargs):
        headers = {**EN, **(api_token(user) if user is not None else {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return send

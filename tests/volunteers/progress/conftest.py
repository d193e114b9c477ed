"""Fixtures for the progress tests: a request in progress with a two-person team, staff and a coordinator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.core.db import utcnow
from app.core.models import User
from tests.factories import make_claim, make_volunteer
from tests.volunteers.claims.conftest import (  # noqa: F401  (fixtures re-exported)
    EN,
    Project,
    english,
    project,
    sent_mail,
)


@dataclass
class Team:
    """The accepted lead and member of the project, and an outsider volunteer."""

    lead: User
    member: User
    outsider: User


@pytest.fixture
def team(db, project: Project) -> Team:  # noqa: F811  (the imported fixture)
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


@pytest.fixture
def call(client, api_token):
    """`call(user, method, path, json=...)` → the response, with the user's bearer token."""

    def send(user, method: str, path: str, **kwargs):
        headers = {**EN, **(api_token(user) if user is not None else {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return send

"""Fixtures for the request pages: a food bank's published request with a Markdown spec, its people."""

from __future__ import annotations

import pytest

from app.requests.timeline.services import add_entry
from tests.factories import make_org, make_request, make_skill, make_user
from tests.requests.pages.samples import SPEC


@pytest.fixture(autouse=True)
def chinese_catalogue(compiled_catalogues) -> None:
    """Every page test may read Chinese: the catalogue is compiled before the first one runs."""


@pytest.fixture
def staff(db):
    user = make_user("nonprofit", name="Wang Fang")
    db.session.commit()
    return user


@pytest.fixture
def organization(db, staff):
    organization = make_org(members=[staff], name="Green Roots Food Bank", region="Chengdu",
                            contact_name="Li Mei", contact_phone="+86 138 1234 5678",
                            contact_email="li.mei@foodbank.example.org")
    db.session.commit()
    return organization


@pytest.fixture
def skills(db):
    made = [make_skill("maps-routing", "Maps & routing", "地图与路线", category="maps"),
            make_skill("website", "Website building", "网站建设", category="frontend")]
    db.session.commit()
    return made


@pytest.fixture
def coordinator(db):
    user = make_user("coordinator", name="Chen Coordinator")
    db.session.commit()
    return user


@pytest.fixture
def published(db, organization, skills, coordinator):
    """An open request with an edited Markdown spec (version 2), one seat taken, and a public timeline."""
    help_request = make_request(organization, status="open", team_size=3, effort_hours=120,
                                skills=["maps-routing", "website"], title="A map of surplus food",
                                checkin_cadence="monthly", seats_taken=1)
    help_request.spec_versions[0].content = {**SPEC, "summary": "An old summary."}
    from app.requests.models import SpecVersion

    help_request.spec_versions.append(SpecVersion(version=2, content=dict(SPEC), author=coordinator))
    help_request.current_spec_version = 2
    db.session.flush()
    add_entry(help_request, "created", actor=organization.memberships[0].user, summary="Request drafted.")
    add_entry(help_request, "status_changed", actor=coordinator, summary="Published: open for volunteers.",
              detail={"from": "intake", "to": "open"})
    db.session.commit()
    return help_request


@pytest.fixture
def accepted_claims_make_team_members(monkeypatch):
    """What the volunteers feature registers on the policy's team hook: an accepted claim is a seat."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.requests import policy
    from app.volunteers.models import Claim

    def holds_a_seat(user, help_request) -> bool:
        return bool(db.session.scalar(sa.select(sa.exists().where(
            Claim.request_id == help_request.id, Claim.volunteer_id == user.id, Claim.status == "accepted"))))

    monkeypatch.setattr(policy, "team_member_checks", [holds_a_seat])

"""Helpers for the review tests: a coordinator, an organisation's staff, requests waiting in intake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.conftest import sign_in
from tests.factories import make_org, make_request, make_user

EN = {"Accept-Language": "en"}

# What a drafter might have made of a food bank's answers, with the questions it could not settle.
DRAFTED = {
    "summary": "A map of surplus food donors and families in need, with routes for volunteer drivers.",
    "background": "Retirees run a food bank.\nThey keep every record on paper.",
    "users_and_roles": ["Staff", "Volunteer drivers", "Donors"],
    "data_entities": ["Donor", "Recipient", "Donation", "Pick-up"],
    "user_stories": ["As staff I can see donors and recipients on a map",
                     "As a volunteer driver I can get a route for the day's pick-ups"],
    "acceptance_criteria": ["Works on a phone"],
    "constraints": ["No hosting budget"],
    "skills": ["maps-routing", "website"],
    "team_size": 2,
    "effort_hours": 120,
    "effort_reasoning": "Two stories, four entities and a map integration.",
    "open_questions": ["How many volunteers will use it each day?",
                       "Who may see recipients' addresses?"],
}


def client_for(app, user) -> FlaskClient:
    """A browser signed in as `user`."""
    return sign_in(app.test_client(), user)


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def in_request(app) -> Iterator[None]:
    """A request context for calling services directly (their e-mails build absolute links)."""
    with app.test_request_context("/", headers=EN):
        yield


@pytest.fixture
def coordinator(db):
    user = make_user("coordinator", name="Chen Coordinator")
    db.session.commit()
    return user


@pytest.fixture
def staff(db):
    """Two staff members of a verified food bank: one reads Chinese, one English."""
    wang = make_user("nonprofit", name="Wang Fang", locale="zh_CN")
    ruth = make_user("nonprofit", name="Ruth Lee", locale="en")
    db.session.commit()
    return wang, ruth


@pytest.fixture
def organization(db, staff):
    organization = make_org(members=list(staff), name="Green Roots Food Bank")
    db.session.commit()
    return organization


@pytest.fixture
def skills(db):
    """The taxonomy skills the drafted spec uses, plus one more to add while editing."""
    from tests.factories import make_skill

    made = [make_skill("maps-routing", "Maps & routing", "地图与路线", category="maps"),
            make_skill("website", "Website building", "网站建设", category="frontend"),
            make_skill("database-design", "Database design", "数据库设计", category="data")]
    db.session.commit()
    return made


@pytest.fixture
def intake_request(db, organization, skills):
    """A request waiting in intake, with its drafted spec (version 1, written by Codebridge)."""
    help_request = make_request(organization, status="intake", team_size=2, effort_hours=120,
                                skills=["maps-routing", "website"], title="A map of surplus food")
    help_request.spec_versions[0].content = dict(DRAFTED)
    db.session.commit()
    return help_request

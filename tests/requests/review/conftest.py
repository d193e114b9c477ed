"""Fixtures for the review tests: a coordinator, an organisation's staff, requests waiting in intake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import make_org, make_request, make_skill, make_user
from tests.helpers import EN
from tests.requests.review.samples import DRAFTED


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

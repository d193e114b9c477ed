"""Recommendation fixtures: a Flask and PostgreSQL volunteer, and requests that do or don't suit them."""

from __future__ import annotations

import pytest

from tests.factories import make_claim, make_org, make_request, make_skill, make_user, make_volunteer


@pytest.fixture
def skills(db):
    make_skill("flask", "Flask", "Flask 框架")
    make_skill("postgresql", "PostgreSQL", "PostgreSQL 数据库")
    make_skill("react", "React", "React 前端")
    db.session.flush()


@pytest.fixture
def engineer(db, skills):
    """Flask at level 5, PostgreSQL at 4, six hours a week, cares about education, works remotely."""
    user = make_volunteer(skills={"flask": 5, "postgresql": 4}, hours_per_week=6, causes=["education"],
                          city="Beijing", remote=True, name="Li Lei")
    db.session.commit()
    return user


@pytest.fixture
def school_org(db):
    return make_org(members=[make_user("nonprofit")], cause_areas=["education"], region="Shanghai")


@pytest.fixture
def shelter_org(db):
    return make_org(members=[make_user("nonprofit")], cause_areas=["animals"], region="Chengdu")


@pytest.fixture
def catalogue(db, engineer, school_org, shelter_org):
    """Requests by title: the best fit, a weaker fit, and several the engineer must never be shown."""
    requests = {
        "best": make_request(school_org, title="Student records", skills=["flask", "postgresql"],
                             effort_hours=40),
        "weaker": make_request(shelter_org, title="Adoption site", skills=["flask", "react"],
                               effort_hours=300),
        "cause only": make_request(school_org, title="Library catalogue", skills=["react"], effort_hours=40),
        "nothing shared": make_request(shelter_org, title="Pet gallery", skills=["react"]),
        "draft": make_request(school_org, status="draft", title="Secret draft", skills=["flask"]),
        "in progress": make_request(school_org, status="in_progress", title="Busy project", skills=["flask"]),
        "full": make_request(school_org, title="Full team", skills=["flask"], team_size=1),
        "claimed": make_request(school_org, title="Already claimed", skills=["flask"]),
    }
    make_claim(requests["full"], make_volunteer(), status="accepted")
    make_claim(requests["claimed"], engineer, status="pending")
    db.session.commit()
    return requests

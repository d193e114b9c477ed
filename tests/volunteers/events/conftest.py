"""Fixtures the event tests share: a coordinator, an engineer, open requests, an event, an event day."""

from __future__ import annotations

import pytest

from app.core.db import utcnow
from app.core.models import User
from app.volunteers.models import MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.volunteers.events.samples import make_event, make_public_event, make_registration


@pytest.fixture
def coordinator(db) -> User:
    user = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return user


@pytest.fixture
def day(db, coordinator):
    """An event under way: a map needing Python (2 seats) and a tree app needing JavaScript (1 seat),
    three engineers registered, two of them checked in."""
    food = make_request(status="open", team_size=2, skills=["python"], title="Food bank donor map")
    trees = make_request(status="open", team_size=1, skills=["javascript"], title="Street tree tagging app")
    event = make_event(coordinator, status="matching", requests=[food, trees], name="Autumn hackathon")
    liu = make_volunteer(name="Liu Yang", skills={"python": 5}, hours_per_week=8)
    zhao = make_volunteer(name="Zhao Min", skills={"javascript": 4}, hours_per_week=8)
    wu = make_volunteer(name="Wu Lei", skills={"python": 3}, hours_per_week=8)
    make_registration(event, liu, code="LIU23456", preferences=[food.id], attended_at=utcnow())
    make_registration(event, zhao, code="ZHAO3456", preferences=[trees.id], attended_at=utcnow())
    make_registration(event, wu, code="WULEI234", preferences=[food.id])
    db.session.commit()
    return event, food, trees, liu, zhao, wu


@pytest.fixture
def volunteer(db) -> User:
    user = make_volunteer(name="Zhang Wei", skills={"python": 4})
    db.session.commit()
    return user


@pytest.fixture
def open_requests(db):
    requests = [make_request(status="open", team_size=2, skills=["python", "postgresql"],
                             title="Food bank map"),
                make_request(status="open", team_size=1, skills=["javascript"], title="Tree tagging app")]
    db.session.commit()
    return requests


@pytest.fixture
def event(db, coordinator, open_requests) -> MatchingEvent:
    published = make_event(coordinator, requests=open_requests)
    db.session.commit()
    return published


@pytest.fixture
def food_bank_event(db, project):
    """A published event in Chengdu for two engineers, featuring the food bank's map and a rota app."""
    second = make_request(project.organization, status="open", team_size=3, title="Volunteer rota app",
                          skills=["python", "postgresql"])
    event = make_public_event(featured=[project.help_request, second], capacity=2)
    db.session.commit()
    return event, project.help_request, second

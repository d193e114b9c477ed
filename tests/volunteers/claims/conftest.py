"""Fixtures for the claim tests: a food bank's open request, its staff, volunteers and a coordinator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.core.models import AuditEvent, EmailMessage, Notification, User
from app.requests.models import HelpRequest, Organization, TimelineEntry
from tests.conftest import sign_in
from tests.factories import make_org, make_request, make_user, make_volunteer

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@dataclass
class Project:
    """An open request of a verified organisation, with the people around it."""

    organization: Organization
    help_request: HelpRequest
    staff: User
    coordinator: User

    def reload(self) -> HelpRequest:
        from app.extensions import db

        db.session.expire_all()
        return db.session.get(HelpRequest, self.help_request.id)


@pytest.fixture
def sent_mail(app) -> list:
    """What the locmem mail backend sent during the test (flask-mailman keeps it on the app)."""
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
    state.outbox = []


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


@pytest.fixture
def volunteer(db) -> User:
    user = make_volunteer(name="Zhang Wei", hours_per_week=10)
    db.session.commit()
    return user


def fresh(model, ident):
    """The row as the database has it now (what other requests committed), not this session's copy."""
    from app.extensions import db

    db.session.expire_all()
    return db.session.get(model, ident)


def client_for(app, user) -> FlaskClient:
    """A browser signed in as `user`."""
    return sign_in(app.test_client(), user)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def timeline_kinds(help_request: HelpRequest) -> list[str]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(TimelineEntry.kind)
                                   .where(TimelineEntry.request_id == help_request.id)
                                   .order_by(TimelineEntry.at, TimelineEntry.id)))


def audit_actions(prefix: str = "") -> list[str]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix))
                                   .order_by(AuditEvent.id)))


def emails_to(user: User) -> list[EmailMessage]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(EmailMessage).where(EmailMessage.to_address == user.email)
                                   .order_by(EmailMessage.id)))


def notification_kinds(user: User) -> list[str]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))

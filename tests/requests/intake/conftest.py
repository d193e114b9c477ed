"""Fixtures for the intake tests: staff of two organisations, drafts, a folder for uploads."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_request, make_user


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Each test stores its files in a folder of its own, so a test can tell what it left behind."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


class Staff:
    """A nonprofit staff member and their organisation."""

    def __init__(self, user, organization):
        self.user = user
        self.organization = organization


@pytest.fixture
def staff(db) -> Staff:
    """Staff of a verified organisation (English-speaking, so pages and mail are in English)."""
    user = make_user("nonprofit", name="Li Na")
    organization = make_org(members=[user], name="Green Roots Food Bank")
    db.session.commit()
    return Staff(user, organization)


@pytest.fixture
def other_staff(db) -> Staff:
    """Staff of another organisation, who must never see the first one's drafts."""
    user = make_user("nonprofit", name="Zhang Wei")
    organization = make_org(members=[user], name="Mountain Clinic Fund")
    db.session.commit()
    return Staff(user, organization)


@pytest.fixture
def draft(db, staff):
    """An empty draft of the staff member's organisation."""
    help_request = make_request(staff.organization, status="draft", title="", problem="", current_process="",
                                users="", data_kept="", must_do=[], rhythm="", constraints="")
    db.session.commit()
    return help_request


@pytest.fixture
def coordinator(db):
    user = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return user

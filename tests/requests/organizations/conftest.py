"""Fixtures for the organisation tests: a staff member of a pending organisation."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_user


@pytest.fixture
def staff(db):
    """A nonprofit staff member of a pending organisation: (user, organisation)."""
    user = make_user("nonprofit")
    organization = make_org(verified=False, members=[user])
    db.session.commit()
    return user, organization

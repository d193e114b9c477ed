"""Fixtures for the claim tests (the project and its people: tests/volunteers/conftest.py)."""

from __future__ import annotations

import pytest

from app.core.models import User
from tests.factories import make_volunteer


@pytest.fixture
def volunteer(db) -> User:
    user = make_volunteer(name="Zhang Wei", hours_per_week=10)
    db.session.commit()
    return user

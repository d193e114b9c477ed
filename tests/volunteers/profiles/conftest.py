"""Fixtures for the profile tests: the real skills taxonomy."""

from __future__ import annotations

import pytest

from app.core.taxonomy import sync_skills


@pytest.fixture
def taxonomy(db):
    """The skills table filled from volunteers/skills.json, as `flask skills sync` does."""
    sync_skills()
    return db

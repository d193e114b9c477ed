"""Fixtures for the profile tests: the real skills taxonomy, page requests isolated like real ones."""

from __future__ import annotations

import pytest

from app.core.taxonomy import sync_skills

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}

# A complete, valid submission of the edit form.
FORM = {
    "skills": ["python", "database-design"],
    "level_python": "4",
    "level_database_design": "3",
    "hours_per_week": "6",
    "city": "成都",
    "timezone": "Asia/Shanghai",
    "remote": "remote",
    "languages": ["zh", "en"],
    "causes": ["health", "food"],
    "github_url": "https://github.com/fangwang",
    "portfolio_url": "fang.example.org",
    "bio": "Backend engineer; I like tidy databases.",
    "phone": "+86 138 0000 1234",
}


@pytest.fixture
def taxonomy(db):
    """The skills table filled from volunteers/skills.json, as `flask skills sync` does."""
    sync_skills()
    return db


def text_of(response) -> str:
    return response.get_data(as_text=True)

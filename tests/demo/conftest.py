"""Fixtures for the demo data tests: one loaded data set, and a scratch copy of the content to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.demo import load_demo
from app.requests.content import forget_content

# Everything `flask demo load` reads: the demo files, the skills, the intake questions and drafting rules.
CONTENT = ("requests/demo", "volunteers/demo", "requests/intake", "requests/drafting")
FILES = ("volunteers/skills.json", "requests/causes.json")


@pytest.fixture
def summary(db):
    return load_demo()


@pytest.fixture
def demo_copy(app, tmp_path: Path):
    """A scratch CONTENT_DIR holding a copy of the real content, for tests that break it."""
    root = Path(app.config["CONTENT_DIR"])
    for folder in CONTENT:
        shutil.copytree(root / folder, tmp_path / folder)
    for name in FILES:
        shutil.copy(root / name, tmp_path / name)
    previous = app.config["CONTENT_DIR"]
    app.config["CONTENT_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["CONTENT_DIR"] = previous
    forget_content()

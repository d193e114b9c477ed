"""Fixtures for the search index: a private index folder per test, and the bilingual corpus loaded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.core.db import utcnow
from app.core.taxonomy import sync_skills
from app.search.engine import index
from tests.factories import make_org, make_request, make_user

CORPUS_FILE = Path(__file__).with_name("corpus.json")


@pytest.fixture(autouse=True)
def index_dir(app: Flask, tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """Every test gets its own empty index folder (never the repository, never another test's index)."""
    folder = tmp_path / "search-index"
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(folder))
    index.forget_searchers()
    yield folder
    index.forget_searchers()


def read_corpus() -> dict[str, Any]:
    return json.loads(CORPUS_FILE.read_text(encoding="utf-8"))


def load_corpus(db) -> dict[str, int]:
    """Put the corpus in the database as open requests (taxonomy skills synced); returns {key: id}."""
    corpus = read_corpus()
    sync_skills()
    organizations = {key: make_org(members=[make_user("nonprofit")], **fields)
                     for key, fields in corpus["organizations"].items()}
    now = utcnow()
    ids = {}
    for entry in corpus["requests"]:
        fields = {name: value for name, value in entry.items()
                  if name not in ("key", "org", "published_days_ago", "deadline")}
        deadline = date.fromisoformat(entry["deadline"]) if entry.get("deadline") else None
        request = make_request(org=organizations[entry["org"]], status="open", deadline=deadline,
                               published_at=now - timedelta(days=entry["published_days_ago"]), **fields)
        ids[entry["key"]] = request.id
    db.session.commit()
    return ids


@pytest.fixture
def corpus(db) -> dict[str, int]:
    """The corpus in the database and in a freshly built index: {request key: id}."""
    ids = load_corpus(db)
    index.rebuild_index()
    return ids

"""Sample inputs for the search tests: the bilingual corpus with its relevance judgements, and the
order of the catalogue's open requests."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.core.db import utcnow
from app.core.taxonomy import sync_skills
from tests.factories import make_org, make_request, make_user

CORPUS_FILE = Path(__file__).with_name("corpus.json")
# The catalogue's open requests (the catalogue fixture), newest published first.
NEWEST_FIRST = ["Library loans for village schools", "Street tree tagging mini-program",
                "SEO for our river pollution data site", "尘肺病患者救助申请系统", "食物银行捐赠地图"]


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

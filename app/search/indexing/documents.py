"""What the index holds for a help request: its listing document, built from the database row.

Plain Python values only (no whoosh here): `app.search.engine.schema` turns them into index fields. The
`stamp` is a digest of everything else in the document, so comparing stamps tells whether the index
still says what the database says (`flask search check`), whatever changed the request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.requests.models import HelpRequest, SpecVersion
from app.requests.policy import PUBLIC_STATUSES

# Published requests, open and later, are listed; drafts, intake and withdrawn ones never are.
LISTED_STATUSES = frozenset(PUBLIC_STATUSES)
# Effort size buckets by estimated hours, on the drafter's team-size steps
# (requests/intake/drafting/effort.json).
EFFORT_SIZES = ("small", "medium", "large")
_EFFORT_LIMITS = ((80, "small"), (180, "medium"))
# Spec sections that go into the searchable body, after the nonprofit's own answers.
_BODY_SPEC_SECTIONS = ("users_and_roles", "data_entities", "user_stories", "acceptance_criteria",
                       "constraints")
NO_DEADLINE = 99991231  # deadline sort key for requests without one: they come last
BATCH_SIZE = 200


def is_listed(help_request: HelpRequest) -> bool:
    """Whether volunteers may find this request in search (published, not withdrawn)."""
    return help_request.status in LISTED_STATUSES


def effort_size(hours: int | None) -> str | None:
    """"small" (under 80 h), "medium" (under 180 h) or "large"; None when the effort is unknown."""
    if hours is None:
        return None
    return next((size for limit, size in _EFFORT_LIMITS if hours < limit), "large")


def _lines(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(str(item) for item in value if item)
    return str(value or "")


def build_document(help_request: HelpRequest, spec: dict[str, Any] | None) -> dict[str, Any]:
    """The listing document of a request with the given current spec content (None: no spec yet).

    Text fields hold the nonprofit's answers and the spec; `skills`, `cause`, `region`, `status`,
    `effort`, `remote`, `verified` and `seats_free` are for filters and facets; `published_at` and
    `deadline` (YYYYMMDD, NO_DEADLINE when there is none) for sorting; `stamp` digests the rest.
    """
    spec = spec or {}
    organization = help_request.organization
    skills = sorted(help_request.skills, key=lambda skill: skill.slug)
    body = [help_request.problem, help_request.current_process, help_request.users,
            help_request.data_kept, _lines(help_request.must_do)]
    body += [_lines(spec.get(section)) for section in _BODY_SPEC_SECTIONS]
    skill_words = []
    for skill in skills:
        skill_words += [skill.slug.replace("-", " "), skill.name_en, skill.name_zh, *(skill.synonyms or [])]
    deadline = help_request.deadline
    document: dict[str, Any] = {
        "id": str(help_request.id),
        "title": help_request.title,
        "summary": "\n".join(part for part in (_lines(spec.get("summary")), _lines(spec.get("background")))
                             if part),
        "body": "\n".join(part for part in body if part),
        "skills": [skill.slug for skill in skills],
        "skills_text": "\n".join(skill_words),
        "organization": organization.name,
        "cause": sorted(str(cause) for cause in (organization.cause_areas or [])),
        "region": organization.region or "",
        "status": help_request.status,
        "effort": effort_size(help_request.effort_hours) or "",
        "remote": bool(help_request.remote_ok),
        "verified": organization.is_verified,
        "seats_free": help_request.seats_free,
        "published_at": help_request.published_at,
        "deadline": int(deadline.strftime("%Y%m%d")) if deadline else NO_DEADLINE,
    }
    document["stamp"] = stamp(document)
    return document


def stamp(document: dict[str, Any]) -> str:
    """A short digest of a document's values (its own `stamp` left out)."""

    def plain(value: Any) -> Any:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return value

    values = {key: plain(value) for key, value in document.items() if key != "stamp"}
    encoded = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:20]


def listed_request_ids() -> list[int]:
    """Ids of every request search should list, in id order."""
    return list(db.session.scalars(sa.select(HelpRequest.id)
                                   .where(HelpRequest.status.in_(LISTED_STATUSES))
                                   .order_by(HelpRequest.id)))


def any_listed() -> bool:
    """Whether any request is listed at all (with none, an absent index is a true one)."""
    return db.session.scalar(sa.select(sa.literal(True)).where(
        HelpRequest.status.in_(LISTED_STATUSES)).limit(1)) is not None


def load_documents(request_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The documents of those requests that exist and are listed, keyed by id (others left out).

    Reads in batches with the organisation, skills and current spec loaded together, so it costs a
    few queries per BATCH_SIZE requests.
    """
    documents: dict[int, dict[str, Any]] = {}
    ids = sorted(set(request_ids))
    for offset in range(0, len(ids), BATCH_SIZE):
        batch = ids[offset:offset + BATCH_SIZE]
        rows = db.session.scalars(
            sa.select(HelpRequest).where(HelpRequest.id.in_(batch),
                                         HelpRequest.status.in_(LISTED_STATUSES))
            .options(selectinload(HelpRequest.organization), selectinload(HelpRequest.skills))
        ).all()
        specs = _current_specs(rows)
        for row in rows:
            documents[row.id] = build_document(row, specs.get(row.id))
    return documents


def _current_specs(rows: Sequence[HelpRequest]) -> dict[int, dict[str, Any]]:
    """The current spec content of each request, in one query."""
    wanted = [(row.id, row.current_spec_version) for row in rows if row.current_spec_version is not None]
    if not wanted:
        return {}
    query = sa.select(SpecVersion.request_id, SpecVersion.content).where(
        sa.tuple_(SpecVersion.request_id, SpecVersion.version).in_(wanted))
    return {request_id: content or {} for request_id, content in db.session.execute(query)}

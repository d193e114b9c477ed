"""The request timeline: every step of a request, written by each feature and read like parcel tracking."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest, TimelineEntry


def add_entry(help_request: HelpRequest, kind: str, *, actor: User | None, summary: str,
              detail: dict[str, Any] | None = None, is_public: bool = True) -> TimelineEntry:
    """Add a timeline entry to the current transaction and return it; the calling service commits.

    `kind` is snake_case English (`status_changed`, `claim_accepted`, `checkin`, ...); `summary` is a
    short neutral sentence; `detail` must be JSON-serialisable. An anonymous or missing actor is
    stored as no actor.
    """
    actor_id = actor.id if actor is not None and actor.is_authenticated else None
    entry = TimelineEntry(help_request=help_request, kind=kind, actor_id=actor_id, summary=summary,
                          detail=dict(detail or {}), is_public=is_public, at=utcnow())
    db.session.add(entry)
    return entry


def public_timeline(request_id: int, *, include_private: bool = False) -> list[TimelineEntry]:
    """The request's timeline entries, oldest first (ties in insertion order).

    Private entries are left out unless `include_private` is set (for members and coordinators).
    """
    query = sa.select(TimelineEntry).where(TimelineEntry.request_id == request_id)
    if not include_private:
        query = query.where(TimelineEntry.is_public.is_(True))
    return list(db.session.scalars(query.order_by(TimelineEntry.at, TimelineEntry.id)))

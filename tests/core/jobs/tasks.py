"""Job functions the job tests enqueue: each leaves a visible trace (an audit event) or fails."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.jobs.services import enqueue
from app.core.models import AuditEvent
from app.extensions import db

# Flipped by tests to make `flaky` fail, then succeed on a retry.
FLAKY = {"failing": True}


def note(label: str) -> None:
    """Record that the job ran, and commit (jobs own their transaction)."""
    db.session.add(AuditEvent(action=f"job.{label}", target_type="test"))
    db.session.commit()


def note_and_follow_up(label: str) -> None:
    """Record this run and enqueue a follow-up job in the same commit."""
    db.session.add(AuditEvent(action=f"job.{label}", target_type="test"))
    enqueue("tests.core.jobs.tasks.note", f"{label}.follow-up")
    db.session.commit()


def explode(label: str) -> None:
    raise RuntimeError(f"{label} exploded")


def flaky(label: str) -> None:
    if FLAKY["failing"]:
        raise ConnectionError(f"{label}: the other end is down")
    note(label)


def notes() -> list[str]:
    """The actions committed by test jobs, oldest first (read on a connection of its own)."""
    with db.engine.connect() as connection:
        return list(connection.scalars(sa.select(AuditEvent.action)
                                       .where(AuditEvent.target_type == "test")
                                       .order_by(AuditEvent.id)))

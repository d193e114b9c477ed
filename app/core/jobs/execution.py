"""Running the job behind one outbox row: once to success, its failures recorded on the row.

Used by the job runner in embedded mode and by rq (the function it enqueues is `run_outbox_job`,
with `mark_failed` as its failure callback).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.db import utcnow
from app.core.jobs.registry import current_job_id, final_failure_handler, resolve
from app.core.models import OutboxJob
from app.core.urls import public_url_context
from app.extensions import db

log = logging.getLogger(__name__)


def runs_inline() -> bool:
    """Whether the current app runs jobs in-process (no REDIS_URL) instead of handing them to rq."""
    return not current_app.config.get("REDIS_URL")


def run_outbox_job(outbox_id: int) -> str:
    """Run the job behind an outbox row once; returns what happened.

    `done` rows are skipped, so replays are harmless. Embedded mode claims the row first (so a
    concurrent `flask jobs tick` cannot run it twice), runs due rows only, and never raises: a
    failure marks the row `failed`. Under rq the error is recorded and re-raised so that rq
    retries; `mark_failed` marks the row failed after the last attempt. Log lines written while
    it runs carry the job id `outbox-<id>`.
    """
    token = current_job_id.set(f"outbox-{outbox_id}")
    try:
        with public_url_context():
            return _run_once(outbox_id)
    finally:
        current_job_id.reset(token)


def _run_once(outbox_id: int) -> str:
    row = db.session.get(OutboxJob, outbox_id)
    if row is None:
        log.warning("outbox job %s vanished", outbox_id)
        return "missing"
    if row.status == "done":
        return "already-done"
    inline = runs_inline()
    this_row = OutboxJob.id == outbox_id
    if inline:
        if row.run_at and row.run_at > utcnow():
            db.session.rollback()
            return "not-due"
        claimed = db.session.execute(
            sa.update(OutboxJob).where(this_row, OutboxJob.status == "pending")
            .values(status="enqueued", enqueued_at=utcnow(), attempts=OutboxJob.attempts + 1)
        ).rowcount
        if not claimed:
            db.session.rollback()
            return "taken"
    else:
        db.session.execute(sa.update(OutboxJob).where(this_row)
                           .values(attempts=OutboxJob.attempts + 1))
    name, args = row.name, list(row.args)
    db.session.commit()
    try:
        resolve(name)(*args)
    except Exception as error:
        db.session.rollback()
        message = f"{type(error).__name__}: {error}"[:2000]
        log.exception("job %s (outbox %s) failed", name, outbox_id)
        if inline:
            fail_row(outbox_id, message)
            return "failed"
        db.session.execute(sa.update(OutboxJob).where(this_row).values(last_error=message))
        db.session.commit()
        raise
    db.session.execute(sa.update(OutboxJob).where(this_row)
                       .values(status="done", finished_at=utcnow(), last_error=None))
    db.session.commit()
    log.info("job %s (outbox %s) done", name, outbox_id)
    return "done"


def mark_failed(job: Any, connection: Any, exc_type: type[BaseException] | None,
                exc_value: BaseException | None, traceback: Any) -> None:
    """rq's on_failure callback (rq 3 calls it as (job, connection, *exc_info) on EVERY failure).

    Acts only when rq will not retry again: then the outbox row becomes `failed` with the error
    and the job's final-failure handler runs.
    """
    if job.should_retry or not job.args:
        return
    error_name = exc_type.__name__ if exc_type else "Error"
    token = current_job_id.set(job.id)
    try:
        fail_row(int(job.args[0]), f"{error_name}: {exc_value}"[:2000])
    finally:
        current_job_id.reset(token)


def fail_row(outbox_id: int, message: str) -> None:
    """Mark a row failed for good with `message`, then run its job's final-failure handler."""
    row = db.session.get(OutboxJob, outbox_id)
    if row is None or row.status == "done":
        return
    name, args = row.name, list(row.args)
    db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id)
                       .values(status="failed", last_error=message, finished_at=utcnow()))
    db.session.commit()
    log.error("job %s (outbox %s) failed for good: %s", name, outbox_id, message)
    try:
        resolve(name)  # imports the job's module, which registers its handler
        handler = final_failure_handler(name)
        if handler is not None:
            handler(*args, error=message)
    except Exception:
        db.session.rollback()
        log.exception("final-failure handler of job %s (outbox %s) failed", name, outbox_id)

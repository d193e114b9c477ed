"""The one way to run background work: an outbox row written with the change, dispatched after commit.

`enqueue(name, *args, queue=...)` adds an `OutboxJob` to the caller's transaction. When that
transaction commits, the session dispatches the new rows: to rq (queues `default`, `mail`, `index`)
when `REDIS_URL` is set, otherwise by running them in-process. If Redis cannot be reached the row
stays `pending` and the web request carries on; `drain_outbox()` (run by the worker, and by
`flask jobs drain` / `flask jobs tick`) enqueues it once Redis is back. Running a job marks its row
`done`, and a row already `done` is never run again, so a job replayed by rq runs once.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession

from app.core.db import utcnow

log = logging.getLogger(__name__)

QUEUES = ("default", "mail", "index")
JOB_NAME_PREFIX = "app."


class OutboxSession(FlaskSession):
    """A session that dispatches the outbox rows it committed once the commit has succeeded."""

    def commit(self) -> None:
        super().commit()
        pending = self.info.pop("outbox_new", None)
        if pending:
            runner.dispatch([job.id for job in pending])

    def rollback(self, *args: Any, **kwargs: Any) -> None:
        self.info.pop("outbox_new", None)
        super().rollback(*args, **kwargs)


class JobRunner:
    """Binds the outbox to rq (with Redis) or to in-process execution (embedded mode)."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self._local = threading.local()  # dispatch state is per thread (threaded servers, tests)

    def init_app(self, app: Flask) -> None:
        app.extensions["jobs"] = self
        self.app = app

    @property
    def redis_url(self) -> str | None:
        return current_app.config.get("REDIS_URL")

    @property
    def is_inline(self) -> bool:
        return not self.redis_url

    def connection(self, *, for_worker: bool = False):
        """A Redis connection with short timeouts, so a down Redis fails fast instead of hanging."""
        from redis import Redis

        timeout = None if for_worker else current_app.config["REDIS_SOCKET_TIMEOUT"]
        return Redis.from_url(self.redis_url, socket_timeout=timeout,
                              socket_connect_timeout=current_app.config["REDIS_SOCKET_TIMEOUT"] * 4,
                              retry_on_timeout=False)

    def queue(self, name: str = "default", connection=None):
        from rq import Queue

        return Queue(name, connection=connection or self.connection())

    def dispatch(self, outbox_ids: list[int]) -> None:
        """Send freshly committed outbox rows on their way. Never raises for a down Redis."""
        state = self._local
        state.backlog = getattr(state, "backlog", []) + list(outbox_ids)
        if getattr(state, "dispatching", False):  # an inline job enqueued more: the loop below runs it
            return
        state.dispatching = True
        try:
            while state.backlog:
                batch, state.backlog = state.backlog, []
                if self.is_inline:
                    for outbox_id in batch:
                        run_outbox_job(outbox_id)
                else:
                    self._enqueue_on_redis(batch)
        finally:
            state.dispatching = False

    def _enqueue_on_redis(self, outbox_ids: list[int]) -> int:
        from redis.exceptions import RedisError
        from rq import Retry

        from app.core.models import OutboxJob
        from app.extensions import db

        enqueued = 0
        connection = self.connection()
        intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
        for outbox_id in outbox_ids:
            job = db.session.get(OutboxJob, outbox_id)
            if job is None or job.status != "pending":
                continue
            queue = self.queue(job.queue, connection)
            options: dict[str, Any] = {
                "job_id": f"outbox-{job.id}",  # rq dedupes by id, so a re-drain is harmless
                "retry": Retry(max=len(intervals), interval=intervals),
                "description": f"{job.name} (outbox {job.id})",
            }
            try:
                if job.run_at and job.run_at > utcnow():
                    queue.enqueue_at(job.run_at, run_outbox_job, job.id, **options)
                else:
                    queue.enqueue(run_outbox_job, job.id, **options)
            except (RedisError, OSError) as error:
                # Redis is down: leave the rows pending for the drainer and answer the user now.
                log.warning("redis unavailable, %d outbox job(s) left pending: %s",
                            len(outbox_ids) - enqueued, error)
                db.session.rollback()
                return enqueued
            job.status = "enqueued"
            job.enqueued_at = utcnow()
            enqueued += 1
        db.session.commit()
        return enqueued


runner = JobRunner()


def enqueue(name: str, *args: Any, queue: str = "default", run_at: datetime | None = None):
    """Add a job to the caller's transaction; it is dispatched only if that transaction commits.

    `name` is the dotted path of a plain function under `app.` taking JSON-serialisable args
    (usually ids). Raises ValueError for an unknown queue or a name outside the app.
    """
    from app.core.models import OutboxJob
    from app.extensions import db

    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    resolve(name)
    job = OutboxJob(name=name, args=list(args), queue=queue, run_at=run_at)
    db.session.add(job)
    db.session.info.setdefault("outbox_new", []).append(job)
    return job


def resolve(name: str) -> Callable[..., Any]:
    """The job function behind a dotted name; only functions inside the app can be jobs."""
    if not name.startswith(JOB_NAME_PREFIX):
        raise ValueError(f"job {name!r} is not an app function")
    module_name, _, function_name = name.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        raise ValueError(f"job {name!r} does not exist")
    return function


def run_outbox_job(outbox_id: int) -> str:
    """Run the job behind an outbox row once: skipped if already done, marked done on success.

    In a worker this runs inside the app context set up by `flask worker`. Exceptions propagate
    (after recording the error) so that rq can retry; inline runs swallow them after logging.
    """
    from app.core.models import OutboxJob
    from app.extensions import db

    job = db.session.get(OutboxJob, outbox_id)
    if job is None:
        log.warning("outbox job %s vanished", outbox_id)
        return "missing"
    if job.status == "done":
        return "already-done"
    if job.run_at and job.run_at > utcnow() and runner.is_inline:
        return "not-due"
    name, args = job.name, list(job.args)
    db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id)
                       .values(attempts=OutboxJob.attempts + 1))
    db.session.commit()
    try:
        resolve(name)(*args)
    except Exception as error:
        db.session.rollback()
        failed = runner.is_inline
        db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id).values(
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status="failed" if failed else OutboxJob.status))
        db.session.commit()
        log.exception("job %s (outbox %s) failed", name, outbox_id)
        if failed:
            return "failed"
        raise
    db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id)
                       .values(status="done", finished_at=utcnow(), last_error=None))
    db.session.commit()
    log.info("job %s (outbox %s) done", name, outbox_id)
    return "done"


def mark_failed(job, connection, type_, value, traceback) -> None:  # rq failure callback shape
    """rq calls this once the last retry has failed: the outbox row says so for coordinators."""
    from app.core.models import OutboxJob
    from app.extensions import db

    outbox_id = job.args[0] if job.args else None
    if outbox_id is not None:
        db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id)
                           .values(status="failed", last_error=f"{type_.__name__}: {value}"[:2000]))
        db.session.commit()


def drain_outbox(grace: timedelta = timedelta(seconds=0)) -> int:
    """Dispatch every pending outbox row older than `grace` (and due); returns how many were sent."""
    from app.core.models import OutboxJob
    from app.extensions import db

    cutoff = utcnow() - grace
    rows = db.session.scalars(
        sa.select(OutboxJob.id).where(OutboxJob.status == "pending", OutboxJob.created_at <= cutoff,
                                      sa.or_(OutboxJob.run_at.is_(None), OutboxJob.run_at <= utcnow()))
        .order_by(OutboxJob.id).limit(1000)
    ).all()
    if not rows:
        return 0
    if runner.is_inline:
        runner.dispatch(list(rows))
        return len(rows)
    return runner._enqueue_on_redis(list(rows))


PeriodicDuty = Callable[[], Any]
_PERIODIC: dict[str, PeriodicDuty] = {}


def periodic(name: str) -> Callable[[PeriodicDuty], PeriodicDuty]:
    """Register a duty that `flask jobs tick` (and the worker's ticker) runs on every tick.

    Duties must be idempotent: running a tick twice sends nothing twice.
    """

    def register(fn: PeriodicDuty) -> PeriodicDuty:
        _PERIODIC[name] = fn
        return fn

    return register


def tick() -> dict[str, Any]:
    """Drain the outbox, then run every periodic duty; returns what each one reported."""
    report: dict[str, Any] = {"outbox_drained": drain_outbox()}
    for name, duty in sorted(_PERIODIC.items()):
        report[name] = duty()
    return report

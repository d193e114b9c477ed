"""The one way to run background work: an outbox row written with the change, dispatched after commit.

`enqueue(name, *args, queue=...)` adds an `OutboxJob` to the caller's transaction. When that
transaction commits, the session dispatches the new rows: to rq (queues `default`, `mail`, `index`)
when `REDIS_URL` is set, otherwise by running them in-process. If Redis cannot be reached the row
stays `pending` and the caller carries on; `drain_outbox()` (run by the worker's ticker, and by
`flask jobs drain` / `flask jobs tick`) enqueues it once Redis is back. The rq job id is
`outbox-<id>` and is enqueued with `unique=True`, so a re-drain never queues a second copy.
Running a job marks its row `done`, and a `done` row is never run again, so a job replayed by rq
(which is at-least-once) runs once. Runs don't overlap: rq hands a job to one worker at a time, and
the work-horse running a job dies with its worker, before rq retries the job (`app.core.jobs.worker`).
Failures are retried with backoff by rq; the last failure marks the row `failed` and calls the
job's registered final-failure handler.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession

from app.core.db import utcnow
from app.core.jobs.queues import RedisQueues

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

    from app.core.models import OutboxJob

log = logging.getLogger(__name__)

QUEUES = ("default", "mail", "index")
# Only functions under these packages can be jobs: a row names code, so it must be our code.
JOB_NAME_PREFIXES: tuple[str, ...] = ("app.",)
# An inline job may enqueue more jobs; past this many in one dispatch the rest wait for the drainer,
# so a job that keeps re-enqueueing itself cannot hold a web request forever.
INLINE_CHAIN_LIMIT = 200
# A row `enqueued` this long whose rq job is gone (Redis restarted without persistence) goes back
# to `pending`; in embedded mode a row claimed by a process that died goes back too.
STALE_AFTER = timedelta(minutes=10)
DRAIN_BATCH = 500
_NEW_ROWS = "outbox_new"

current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_job_id",
                                                                             default=None)


class OutboxSession(FlaskSession):
    """A session that dispatches the outbox rows it committed once the commit has succeeded.

    Only `Session.commit()` dispatches (services commit that way); rows committed any other way,
    or left pending by a failed dispatch, are picked up by the drainer.
    """

    def commit(self) -> None:
        super().commit()
        outbox_ids = _committed_ids(self.info.pop(_NEW_ROWS, None))
        if not outbox_ids:
            return
        try:
            runner.dispatch(outbox_ids)
        except Exception:
            # The caller's change is committed and its rows are safe in the outbox: never report
            # a failed dispatch as a failed commit. The drainer sends the rows later.
            log.exception("dispatching outbox rows %s failed; left for the drainer", outbox_ids)
            self.rollback()

    def rollback(self, *args: Any, **kwargs: Any) -> None:
        self.info.pop(_NEW_ROWS, None)
        super().rollback(*args, **kwargs)

    def close(self) -> None:
        self.info.pop(_NEW_ROWS, None)
        super().close()


def _committed_ids(rows: Iterable[Any] | None) -> list[int]:
    """Ids of the outbox rows that really reached the database (not rolled back to a savepoint)."""
    ids = []
    for row in rows or ():
        state = sa.inspect(row)
        if state.has_identity and not state.was_deleted:
            ids.append(state.identity[0])
    return ids


class JobRunner:
    """Binds the outbox to rq (with Redis, through `app.core.jobs.queues`) or to in-process execution."""

    def __init__(self) -> None:
        self._local = threading.local()  # inline dispatch state is per thread
        self.redis = RedisQueues()

    def init_app(self, app: Flask) -> None:
        """Register on the app; nothing connects to Redis until a job is dispatched."""
        app.extensions["jobs"] = self

    @property
    def redis_url(self) -> str | None:
        """The current app's REDIS_URL, or None in embedded mode."""
        return current_app.config.get("REDIS_URL")

    @property
    def is_inline(self) -> bool:
        """Whether jobs run in-process (no REDIS_URL) instead of going to rq."""
        return not self.redis_url

    def connection(self, *, for_worker: bool = False) -> Redis:
        """This process's Redis client for REDIS_URL (see `RedisQueues.connection`)."""
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set: jobs run in-process")
        return self.redis.connection(self.redis_url, for_worker=for_worker)

    def queue(self, name: str = "default", connection: Redis | None = None) -> Queue:
        """The rq queue `name` on this process's Redis client (or on `connection`)."""
        from rq import Queue

        return Queue(name, connection=connection or self.connection())

    def dispatch(self, outbox_ids: list[int]) -> None:
        """Send freshly committed rows on their way: run them here, or hand them to Redis.

        Never raises for a failing job or a down Redis: the row records the failure, or stays
        pending for the drainer. Right after Redis refused an enqueue, rows are left pending
        without trying again (REDIS_RETRY_AFTER), so a dead Redis costs requests nothing.
        """
        if self.is_inline:
            self._run_inline(outbox_ids)
        elif self.redis.is_backing_off(self.redis_url or ""):
            log.info("redis was unreachable moments ago: %d outbox job(s) left pending",
                     len(outbox_ids))
        else:
            self.enqueue_on_redis(outbox_ids)

    def enqueue_on_redis(self, outbox_ids: list[int]) -> int:
        """Push the pending rows among `outbox_ids` to rq now; returns how many went."""
        return self.redis.enqueue(self.redis_url or "", outbox_ids)

    def _run_inline(self, outbox_ids: list[int]) -> None:
        state = self._local
        if not hasattr(state, "backlog"):
            state.backlog, state.running = [], False
        state.backlog.extend(outbox_ids)
        if state.running:  # a job enqueued more: the loop below (further up the stack) runs them
            return
        state.running = True
        try:
            ran = 0
            while state.backlog and ran < INLINE_CHAIN_LIMIT:
                run_outbox_job(state.backlog.pop(0))
                ran += 1
            if state.backlog:
                log.warning("inline job chain passed %d jobs: %d left pending for the drainer",
                            INLINE_CHAIN_LIMIT, len(state.backlog))
        finally:
            state.backlog.clear()
            state.running = False

    def recover_stale(self) -> int:
        """Put rows that were handed out but can no longer run back to `pending`; returns how many.

        Embedded mode: rows claimed longer than STALE_AFTER ago (the process died mid-job). With
        Redis: see `RedisQueues.recover_stale`.
        """
        from app.core.models import OutboxJob
        from app.extensions import db

        stale = (OutboxJob.status == "enqueued") & (OutboxJob.enqueued_at < utcnow() - STALE_AFTER)
        if not self.is_inline:
            return self.redis.recover_stale(self.redis_url or "", stale)
        count = db.session.execute(sa.update(OutboxJob).where(stale)
                                   .values(status="pending")).rowcount
        db.session.commit()
        return count


runner = JobRunner()


def enqueue(name: str, *args: Any, queue: str = "default", run_at: datetime | None = None
            ) -> OutboxJob:
    """Add a job to the caller's transaction; it is dispatched only if that transaction commits.

    `name` is the dotted path of a plain function under `app.` taking JSON-serialisable args
    (usually ids); it must be idempotent. `run_at` delays it. Raises ValueError for an unknown
    queue or a name that is not an app function. Nothing is sent before the caller commits, and a
    rollback drops the job with the rest of the transaction.
    """
    from app.core.models import OutboxJob
    from app.extensions import db

    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    resolve(name)
    job = OutboxJob(name=name, args=list(args), queue=queue, run_at=run_at, status="pending")
    db.session.add(job)
    db.session.info.setdefault(_NEW_ROWS, []).append(job)
    return job


def resolve(name: str) -> Callable[..., Any]:
    """The job function behind a dotted name. Raises ValueError for anything outside the app."""
    if not name.startswith(JOB_NAME_PREFIXES):
        raise ValueError(f"job {name!r} is not an app function")
    module_name, _, function_name = name.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        raise ValueError(f"job {name!r} does not exist")
    return function


def run_outbox_job(outbox_id: int) -> str:
    """Run the job behind an outbox row once; returns what happened.

    `done` rows are skipped, so replays are harmless. Embedded mode claims the row first (so a
    concurrent `flask jobs tick` cannot run it twice), runs due rows only, and never raises: a
    failure marks the row `failed`. Under rq the error is recorded and re-raised so that rq
    retries; `mark_failed` marks the row failed after the last attempt. Log lines written while
    it runs carry the job id `outbox-<id>`.
    """
    from app.core.urls import public_url_context

    token = current_job_id.set(f"outbox-{outbox_id}")
    try:
        with public_url_context():
            return _run_once(outbox_id)
    finally:
        current_job_id.reset(token)


def _run_once(outbox_id: int) -> str:
    from app.core.models import OutboxJob
    from app.extensions import db

    row = db.session.get(OutboxJob, outbox_id)
    if row is None:
        log.warning("outbox job %s vanished", outbox_id)
        return "missing"
    if row.status == "done":
        return "already-done"
    inline = runner.is_inline
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


FailureHandler = Callable[..., Any]
_FAILURE_HANDLERS: dict[str, FailureHandler] = {}


def on_final_failure(job_name: str) -> Callable[[FailureHandler], FailureHandler]:
    """Register `handler(*job_args, error=str)`, called once when job `job_name` has failed for good.

    Used to tell the product about it (an e-mail marked failed, say). Handlers own their commit.
    """

    def register(handler: FailureHandler) -> FailureHandler:
        _FAILURE_HANDLERS[job_name] = handler
        return handler

    return register


def fail_row(outbox_id: int, message: str) -> None:
    """Mark a row failed for good with `message`, then run its job's final-failure handler."""
    from app.core.models import OutboxJob
    from app.extensions import db

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
        handler = _FAILURE_HANDLERS.get(name)
        if handler is not None:
            handler(*args, error=message)
    except Exception:
        db.session.rollback()
        log.exception("final-failure handler of job %s (outbox %s) failed", name, outbox_id)


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: pending rows found, rows sent on (run or queued), stale rows recovered."""

    found: int
    dispatched: int
    recovered: int = 0

    @property
    def left_pending(self) -> int:
        """Rows found pending that are still pending (Redis down, or taken by another process)."""
        return self.found - self.dispatched

    def summary(self) -> str:
        """One line for the command line and the worker's log."""
        return (f"outbox: {self.found} pending job(s) found, {self.dispatched} dispatched, "
                f"{self.left_pending} left pending, {self.recovered} stale recovered")


def drain_outbox(grace: timedelta = timedelta(seconds=0)) -> DrainResult:
    """Dispatch pending outbox rows older than `grace`, after recovering stale in-flight ones.

    Embedded mode runs the due rows here; with Redis they are enqueued (delayed ones scheduled).
    Ignores the web's short Redis back-off, so an explicit drain always tries. Never raises for a
    down Redis: what could not be sent is reported as left pending.
    """
    from app.core.models import OutboxJob
    from app.extensions import db

    recovered = runner.recover_stale()
    query = sa.select(OutboxJob.id).where(OutboxJob.status == "pending",
                                           OutboxJob.created_at <= utcnow() - grace)
    if runner.is_inline:  # delayed rows wait for a tick after their time; rq schedules them itself
        query = query.where(sa.or_(OutboxJob.run_at.is_(None), OutboxJob.run_at <= utcnow()))
    ids = list(db.session.scalars(query.order_by(OutboxJob.id).limit(DRAIN_BATCH)).all())
    db.session.commit()
    if not ids:
        return DrainResult(0, 0, recovered)
    if runner.is_inline:
        runner._run_inline(ids)
    else:
        runner.enqueue_on_redis(ids)
    still_pending = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxJob.id.in_(ids), OutboxJob.status == "pending"))
    db.session.commit()
    return DrainResult(len(ids), len(ids) - (still_pending or 0), recovered)


PeriodicDuty = Callable[[], Any]
_PERIODIC: dict[str, PeriodicDuty] = {}


def periodic(name: str) -> Callable[[PeriodicDuty], PeriodicDuty]:
    """Register a duty that `flask jobs tick` and the worker's ticker (about every 10 s) run.

    Duties must be idempotent (a tick run twice sends nothing twice) and quick: they find the
    work due and `enqueue` it. Their return value is reported by the tick. The module holding
    a duty must be imported at start-up (its feature package's __init__) to be registered.
    """

    def register(fn: PeriodicDuty) -> PeriodicDuty:
        _PERIODIC[name] = fn
        return fn

    return register


def tick(grace: timedelta = timedelta(seconds=0)) -> dict[str, Any]:
    """Drain the outbox, then run every periodic duty; returns what each reported.

    The key `outbox` holds the DrainResult. A failing duty is logged and reported as
    `error: <ExceptionName>`; it never stops the others.
    """
    from app.core.urls import public_url_context
    from app.extensions import db

    report: dict[str, Any] = {"outbox": drain_outbox(grace)}
    for name, duty in sorted(_PERIODIC.items()):
        try:
            with public_url_context():
                report[name] = duty()
        except Exception as error:
            db.session.rollback()
            log.exception("periodic duty %s failed", name)
            report[name] = f"error: {type(error).__name__}"
    return report


def describe_tick(report: dict[str, Any]) -> str:
    """One line saying what a tick did, for the command line and the worker's log."""
    parts = [report["outbox"].summary()]
    parts += [f"{name}: {value}" for name, value in report.items() if name != "outbox"]
    return "; ".join(parts)


def retry_failed(outbox_ids: Iterable[int] | None = None) -> DrainResult:
    """Put failed rows (all, or the given ids) back to pending and dispatch them; commits.

    With Redis the old rq job of each row is replaced, since a row keeps its job id.
    """
    from app.core.models import OutboxJob
    from app.extensions import db

    query = sa.update(OutboxJob).where(OutboxJob.status == "failed")
    if outbox_ids is not None:
        query = query.where(OutboxJob.id.in_(list(outbox_ids)))
    db.session.execute(query.values(status="pending", last_error=None, finished_at=None))
    db.session.commit()
    return drain_outbox()


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each state."""
    from app.core.models import OUTBOX_STATES, OutboxJob
    from app.extensions import db

    rows = db.session.execute(sa.select(OutboxJob.status, sa.func.count())
                              .group_by(OutboxJob.status)).all()
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({status: count for status, count in rows})
    return counts

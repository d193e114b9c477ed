"""The one way to run background work: an outbox row written with the change, dispatched after commit.

`enqueue(name, *args, queue=...)` adds an `OutboxJob` to the caller's transaction. When that
transaction commits, the session dispatches the new rows: to rq (queues `default`, `mail`, `index`)
when `REDIS_URL` is set, otherwise by running them in-process. If Redis cannot be reached the row
stays `pending` and the caller carries on; `drain_outbox()` (run by the worker's ticker, and by
`flask jobs drain` / `flask jobs tick`) enqueues it once Redis is back. The rq job id is
`outbox-<id>` and is enqueued with `unique=True`, so a re-drain never queues a second copy.
Running a job marks its row `done`, and a `done` row is never run again, so a job replayed by rq
(which is at-least-once) runs once (`app.core.jobs.execution`). Runs don't overlap: rq hands a job
to one worker at a time, and the work-horse running a job dies with its worker, before rq retries
the job (`app.core.jobs.worker`). Failures are retried with backoff by rq; the last failure marks
the row `failed` and calls the job's registered final-failure handler (`app.core.jobs.registry`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app

from app.core.db import utcnow
from app.core.jobs.execution import run_outbox_job, runs_inline
from app.core.jobs.queues import RedisQueues
from app.core.jobs.registry import resolve
from app.core.jobs.session import dispatch_after_commit
from app.core.models import OUTBOX_STATES, OutboxJob
from app.core.urls import public_url_context
from app.extensions import db

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger(__name__)

QUEUES = ("default", "mail", "index")
# An inline job may enqueue more jobs; past this many in one dispatch the rest wait for the drainer,
# so a job that keeps re-enqueueing itself cannot hold a web request forever.
INLINE_CHAIN_LIMIT = 200
# A row `enqueued` this long whose rq job is gone (Redis restarted without persistence) goes back
# to `pending`; in embedded mode a row claimed by a process that died goes back too.
STALE_AFTER = timedelta(minutes=10)
DRAIN_BATCH = 500


class JobRunner:
    """Binds the outbox to rq (with Redis, through `app.core.jobs.queues`) or to in-process execution."""

    def __init__(self) -> None:
        self._local = threading.local()  # inline dispatch state is per thread
        self.redis = RedisQueues()

    def init_app(self, app: Flask) -> None:
        """Register on the app, where the session finds it after a commit; nothing connects to
        Redis until a job is dispatched."""
        app.extensions["jobs"] = self

    @property
    def redis_url(self) -> str | None:
        """The current app's REDIS_URL, or None in embedded mode."""
        return current_app.config.get("REDIS_URL")

    @property
    def is_inline(self) -> bool:
        """Whether jobs run in-process (no REDIS_URL) instead of going to rq."""
        return runs_inline()

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
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    resolve(name)
    job = OutboxJob(name=name, args=list(args), queue=queue, run_at=run_at, status="pending")
    dispatch_after_commit(db.session, job)
    return job



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
    query = sa.update(OutboxJob).where(OutboxJob.status == "failed")
    if outbox_ids is not None:
        query = query.where(OutboxJob.id.in_(list(outbox_ids)))
    db.session.execute(query.values(status="pending", last_error=None, finished_at=None))
    db.session.commit()
    return drain_outbox()


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each state."""
    rows = db.session.execute(sa.select(OutboxJob.status, sa.func.count())
                              .group_by(OutboxJob.status)).all()
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({status: count for status, count in rows})
    return counts

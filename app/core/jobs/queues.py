"""The Redis side of the outbox: fast-failing clients, unique rq enqueues and checks for lost jobs.

Used through `app.core.jobs.services.runner`; nothing else talks to rq's queues. The rq job behind
outbox row N is always `outbox-N`, enqueued with `unique=True`, so it exists at most once in Redis.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app

from app.core.db import utcnow
from app.core.jobs.execution import fail_row, mark_failed, run_outbox_job
from app.core.models import OutboxJob
from app.extensions import db

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

# After Redis refused an enqueue, web dispatches skip Redis for this long (seconds) and leave their
# rows pending: a dead Redis costs one failed connect, not one per request.
REDIS_RETRY_AFTER = 5.0
STALE_CHECK_BATCH = 500
IN_FLIGHT = frozenset({"created", "queued", "started", "scheduled", "deferred"})
RQ_GAVE_UP = frozenset({"failed", "stopped", "canceled"})


def job_id(outbox_id: int) -> str:
    """The rq job id of an outbox row."""
    return f"outbox-{outbox_id}"


class RedisQueues:
    """Per-process Redis clients and the enqueue/recovery logic for rows going through rq."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, bool], Redis] = {}
        self._down_until: dict[str, float] = {}

    def connection(self, url: str, *, for_worker: bool = False) -> Redis:
        """A Redis client for `url`, reused by this process.

        The web's client has short socket timeouts (REDIS_SOCKET_TIMEOUT) and no retries, so a
        down Redis fails in well under a second instead of redis-py's ~4 s of retries. The worker's
        client keeps redis-py's retries; rq raises its read timeout above the blocking dequeue.
        """
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = self._clients.get((url, for_worker))
        if client is None:
            timeout = current_app.config["REDIS_SOCKET_TIMEOUT"]
            if for_worker:
                client = Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
            else:
                client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                        retry=Retry(NoBackoff(), 0))
            self._clients[(url, for_worker)] = client
        return client

    def is_backing_off(self, url: str) -> bool:
        """Whether Redis at `url` refused an enqueue less than REDIS_RETRY_AFTER seconds ago."""
        return time.monotonic() < self._down_until.get(url, 0.0)

    def clear_backoff(self) -> None:
        """Forget recent Redis failures, so the next dispatch tries again."""
        self._down_until.clear()

    def enqueue(self, url: str, outbox_ids: list[int]) -> int:
        """Push the pending rows among `outbox_ids` to their rq queues and commit; returns how many.

        Stops at the first Redis error (the rest stay pending) and starts the back-off. Rows whose
        job is already in flight count as sent. Only rows still `pending` become `enqueued`: a fast
        worker may already have marked one done.
        """
        from redis.exceptions import RedisError

        rows = db.session.execute(
            sa.select(OutboxJob.id, OutboxJob.name, OutboxJob.queue, OutboxJob.run_at)
            .where(OutboxJob.id.in_(outbox_ids), OutboxJob.status == "pending")
            .order_by(OutboxJob.id)
        ).all()
        sent: list[int] = []
        try:
            connection = self.connection(url)
            for row in rows:
                self._push(connection, row)
                sent.append(row.id)
        except (RedisError, OSError) as error:
            self._down_until[url] = time.monotonic() + REDIS_RETRY_AFTER
            log.warning("redis unavailable: %d outbox job(s) left pending for the drainer (%s)",
                        len(rows) - len(sent), error)
        else:
            self._down_until.pop(url, None)
        if sent:
            db.session.execute(sa.update(OutboxJob)
                               .where(OutboxJob.id.in_(sent), OutboxJob.status == "pending")
                               .values(status="enqueued", enqueued_at=utcnow()))
        db.session.commit()
        return len(sent)

    def _push(self, connection: Redis, row: Any) -> None:
        from rq import Callback, Queue, Retry
        from rq.exceptions import DuplicateJobError, NoSuchJobError
        from rq.job import Job

        queue = Queue(row.queue, connection=connection)
        intervals = [int(seconds) for seconds in current_app.config["JOB_RETRY_INTERVALS"]]
        options: dict[str, Any] = {
            "job_id": job_id(row.id),
            "unique": True,  # rq refuses a second job with this id while the first exists
            "description": f"{row.name} (outbox {row.id})",
            "retry": Retry(max=len(intervals), interval=intervals) if intervals else None,
            "on_failure": Callback(mark_failed),
        }

        def push() -> None:
            if row.run_at and row.run_at > utcnow():
                queue.enqueue_at(row.run_at, run_outbox_job, row.id, **options)
            else:
                queue.enqueue(run_outbox_job, row.id, **options)

        try:
            push()
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id(row.id), connection=connection)
            except NoSuchJobError:  # it expired between the two calls
                push()
                return
            if existing.get_status(refresh=False) in IN_FLIGHT:
                return  # already on its way (an earlier drain, or a drainer that crashed)
            # A finished or failed job left from an earlier round (a retried row): replace it.
            existing.delete()
            push()

    def recover_stale(self, url: str, stale: sa.ColumnElement[bool]) -> int:
        """Check rows matching `stale` (enqueued long ago) against Redis; returns how many went
        back to `pending`.

        A row whose rq job vanished (Redis restarted without persistence) or finished without our
        bookkeeping is run again (jobs are idempotent); one whose job rq gave up on without our
        callback (a killed work-horse) is marked failed. Does nothing while Redis is down.
        """
        from redis.exceptions import RedisError
        from rq.job import Job
        ids = db.session.scalars(sa.select(OutboxJob.id).where(stale).order_by(OutboxJob.id)
                                 .limit(STALE_CHECK_BATCH)).all()
        db.session.commit()
        if not ids:
            return 0
        try:
            found = Job.fetch_many([job_id(i) for i in ids], connection=self.connection(url))
            statuses = [job.get_status(refresh=False) if job else None for job in found]
        except (RedisError, OSError) as error:
            log.warning("cannot check stale outbox rows while redis is down: %s", error)
            return 0
        lost = [i for i, status in zip(ids, statuses, strict=True)
                if status is None or status == "finished"]
        recovered = 0
        if lost:
            recovered = db.session.execute(
                sa.update(OutboxJob).where(OutboxJob.id.in_(lost), OutboxJob.status == "enqueued")
                .values(status="pending")).rowcount
            db.session.commit()
        for outbox_id, status in zip(ids, statuses, strict=True):
            if status in RQ_GAVE_UP:
                fail_row(outbox_id, f"rq gave up on the job ({status}) without running it to the end")
        return recovered

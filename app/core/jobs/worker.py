"""The rq worker behind `flask worker`: app context, fork-safe database, job ids in logs, outbox ticker.

It runs in the app's context with the web's config and import path; the ticker drains the outbox
and runs the periodic duties about every ten seconds. It outlives Redis: when Redis goes away it
logs one line, waits with a capped back-off and carries on when Redis is back (rq's own loop quits
on the first Redis error outside its dequeue). A job whose worker was killed outright is found by
rq's maintenance, which runs every MAINTENANCE_INTERVAL here (rq's default is ten minutes), and is
put back in line at once: at most about 85 s after the kill (see JOB_MONITORING_INTERVAL). Living
through Redis outages is `app.core.jobs.outages`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import redis.exceptions
from flask import Flask, current_app
from rq import Queue, Worker, worker_registration
from rq.group import Group
from rq.job import Job
from rq.registry import StartedJobRegistry, clean_registries
from rq.utils import current_timestamp
from rq.utils import now as rq_now

from app.core.jobs import services as jobs
from app.core.jobs.outages import REDIS_DOWN, OutageTolerantWorker, wait_for_redis
from app.core.jobs.registry import current_job_id
from app.core.jobs.services import runner
from app.extensions import db

log = logging.getLogger(__name__)

TICK_INTERVAL = 10.0  # seconds between outbox drains / periodic duties
# Rows younger than this are still being dispatched by the process that committed them.
TICK_GRACE = timedelta(seconds=5)
TICK_LOCK_KEY = "codebridge:ticker"  # one ticking worker per interval, however many run
LOG_FORMAT = "%(asctime)s %(levelname)s [%(job_id)s] %(name)s: %(message)s"

# A running job's heartbeat reaches Redis every JOB_MONITORING_INTERVAL seconds and keeps its entry
# in the started registry alive for 60 s more (rq's margin); rq's maintenance, every
# MAINTENANCE_INTERVAL seconds on an idle worker, treats an entry that outlived that as abandoned.
# Kill to retry: at most 10 + 60 (entry expires) + 10 + 5 (next maintenance, dequeue timeout) s.
JOB_MONITORING_INTERVAL = 10
MAINTENANCE_INTERVAL = 10
# rq holds its maintenance lock for 899 s, so a worker killed while cleaning would stop all
# cleaning (and abandoned-job retries) for 15 minutes; ours lapses after a minute.
MAINTENANCE_LOCK_TTL = 60
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_fork_safe_engines: set[int] = set()


class JobIdFilter(logging.Filter):
    """Adds `job_id` to every record: the running outbox job (`outbox-<id>`), else `-`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = current_job_id.get() or "-"
        return True


def configure_worker_logging() -> None:
    """Log to stderr through the root logger with the job id in every line (rq's lines included)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    root.setLevel(logging.INFO)
    for handler in root.handlers:
        if not any(isinstance(f, JobIdFilter) for f in handler.filters):
            handler.addFilter(JobIdFilter())
        handler.setFormatter(logging.Formatter(LOG_FORMAT))


def make_fork_safe(app: Flask) -> None:
    """After any fork (rq's work-horse, its scheduler process), the child opens its own connections.

    A child that reused the parent's pooled connection would share its socket with the parent and
    corrupt both sessions. `dispose(close=False)` drops the inherited pool without touching it, and
    clearing the session registry forgets sessions made in the parent without closing them.
    """
    with app.app_context():
        engines = [engine for engine in db.engines.values() if id(engine) not in _fork_safe_engines]
    if not engines:
        return
    _fork_safe_engines.update(id(engine) for engine in engines)
    registry = db.session.registry

    def forget_parent_connections() -> None:
        registry.registry.clear()  # ScopedRegistry's dict of sessions, one per app context
        for engine in engines:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=forget_parent_connections)


class AbandonedJob(Job):
    """A job as the abandoned-job sweep reads it: its retry goes back in line at once.

    Its worker died, the job did not fail, so the job's back-off (10, 60, 300 s) would only delay
    it; the retry still counts against the job's retries, so a job that keeps killing its worker
    ends up failed. Only the sweep uses this class: rq stores no job class in Redis.
    """

    def get_retry_interval(self) -> int:
        """No back-off: retry an abandoned job now."""
        return 0


def die_with_parent(parent_pid: int) -> None:
    """In a work-horse: ask Linux to SIGKILL this process when its worker dies (elsewhere a no-op).

    rq puts the horse in a process group of its own, so killing the worker's group leaves the horse
    running unwatched; once its heartbeat entry lapses the job is retried while the orphan may still
    be running it. Dying with the worker keeps a job in at most one process at a time.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("cannot tie the work-horse to its worker: prctl failed (errno %s)",
                    ctypes.get_errno())
    elif os.getppid() != parent_pid:
        os._exit(1)  # the worker died before the request took effect


class OutboxWorker(OutageTolerantWorker):
    """An rq worker that drains the outbox, ticks periodic duties and outlives Redis outages.

    The ticker rides on rq's heartbeat, which the main process sends every few seconds while idle
    (worker_ttl - 15 s) and while watching a work-horse, so it needs no thread (threads and fork
    mix badly). Only one worker per interval takes the Redis lock and ticks.

    Redis going away never ends the worker (`OutageTolerantWorker`); when Redis is back the worker
    drains the outbox at once.

    Abandoned jobs (the whole worker killed mid-job) are retried at most about 85 s after the kill
    by any idle worker of the queue: see JOB_MONITORING_INTERVAL. The horse dies with its worker,
    so an abandoned job is never still running when it is retried.
    """

    def __init__(self, *args: Any, tick_interval: float = TICK_INTERVAL, **kwargs: Any) -> None:
        kwargs.setdefault("job_monitoring_interval", JOB_MONITORING_INTERVAL)
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        super().__init__(*args, **kwargs)
        self.tick_interval = tick_interval
        self._next_tick = 0.0

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """rq's heartbeat, then (in the main process only, never a work-horse) the ticker."""
        super().heartbeat(timeout, pipeline)
        if os.getpid() == self._main_pid and not self._is_horse and self._redis_lost_at is None:
            self.run_ticker()

    def resume_after_outage(self) -> None:
        # Now, without the grace period: rows written during the outage are all pending, and a
        # row the web is sending at this moment is not sent twice (one rq job id per row).
        self.run_ticker(force=True)

    def clean_registries(self) -> None:
        """rq's registry cleaning, with abandoned jobs retried at once and a lock that lapses.

        One worker per queue at a time (the queue's maintenance lock) hands each started job
        whose heartbeat lapsed to rq's `StartedJobRegistry.cleanup`, which calls the job's failure
        callback and retries it now (AbandonedJob) while it has retries left, else fails it.
        """
        for queue in self.queues:
            if not self.connection.set(queue.registry_cleaning_key, 1, nx=True,
                                       ex=MAINTENANCE_LOCK_TTL):
                continue  # another worker is cleaning this queue
            try:
                # One second ahead, so rq's own pass below finds no entry of ours lapsing in
                # between and retries nothing with the back-off.
                StartedJobRegistry(queue.name, connection=self.connection, job_class=AbandonedJob,
                                   serializer=queue.serializer).cleanup(
                    timestamp=current_timestamp() + 1, exception_handlers=self._exc_handlers)
                clean_registries(queue, self._exc_handlers)
                worker_registration.clean_worker_registry(queue)
                queue.intermediate_queue.cleanup(self, queue)
            finally:
                queue.release_maintenance_lock()
        self.last_cleaned_at = rq_now()

    def clean_group_registries(self) -> None:
        """rq's cleaning of job groups (which we don't use), without a log line every time."""
        if Group.acquire_maintenance_lock(self.connection, max(self.maintenance_interval - 1, 1)):
            Group.clean_registries(connection=self.connection)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        """rq's work-horse, tied to this worker's life first (see `die_with_parent`)."""
        die_with_parent(self._main_pid)
        super().main_work_horse(job, queue)

    def run_ticker(self, *, force: bool = False) -> None:
        """Drain the outbox and run the duties if the interval has passed (or `force`).

        Never raises: a failing tick is logged and tried again next interval.
        """
        now = time.monotonic()
        if not force and now < self._next_tick:
            return
        self._next_tick = now + self.tick_interval
        lock_ms = int(self.tick_interval * 1000 * 0.9)
        try:
            if not force and not self.connection.set(TICK_LOCK_KEY, self.name, nx=True, px=lock_ms):
                return  # another worker ticked within this interval
            report = jobs.tick(timedelta(0) if force else TICK_GRACE)
            if force or report["outbox"].found or len(report) > 1:
                log.info("tick: %s", jobs.describe_tick(report))
        except REDIS_DOWN as error:
            self.redis_went_away(error, "ticking")
        except Exception:
            log.exception("outbox ticker failed; trying again in %s s", self.tick_interval)
        finally:
            # Hold no connection while idle, and none at the next fork.
            db.session.remove()


def warn_if_index_is_served(connection: Any, queue_names: Sequence[str]) -> None:
    """Log a warning when another live worker already serves the `index` queue (one writer only)."""
    if "index" not in queue_names:
        return
    try:
        others = [w.name for w in Worker.all(connection=connection) if "index" in w.queue_names()]
    except redis.exceptions.RedisError:
        return  # Redis is down: rq's own start-up says so and retries
    if others:
        log.warning("the index queue is already served by %s: run exactly one index worker "
                    "(flask worker --queues index)", ", ".join(others))


def run_worker(queue_names: Sequence[str], *, burst: bool = False,
               with_scheduler: bool = True) -> bool:
    """Run an rq worker on `queue_names` in the current app context until stopped (or, with
    `burst`, until the queues are empty). Returns whether it ran any job.

    Waits for Redis to answer (a burst worker gives up: RedisError), then drains the outbox before
    the first job, so rows left pending while Redis was down go out. Raises RuntimeError when
    REDIS_URL is not set.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if runner.is_inline:
        raise RuntimeError("REDIS_URL is not set: jobs run in-process, there is nothing to serve")
    connection = runner.connection(for_worker=True)
    wait_for_redis(connection, give_up=burst)
    configure_worker_logging()
    make_fork_safe(app)
    # Features load what their jobs need once here, so rq's forked work-horses inherit it.
    for warm_up in app.extensions.get("worker_warm_ups", ()):
        warm_up(queue_names)
    queues = [runner.queue(name, connection) for name in queue_names]
    worker = OutboxWorker(queues, connection=connection, worker_ttl=app.config["WORKER_TTL"])
    warn_if_index_is_served(connection, queue_names)
    worker.run_ticker(force=True)
    return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")

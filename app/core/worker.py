"""The rq worker behind `flask worker`: app context, fork-safe database, job ids in logs, outbox ticker.

It runs in the app's context with the web's config and import path; the ticker drains the outbox
and runs the periodic duties about every ten seconds.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from rq import Worker

from app.core import jobs
from app.core.jobs import runner

log = logging.getLogger(__name__)

TICK_INTERVAL = 10.0  # seconds between outbox drains / periodic duties
# Rows younger than this are still being dispatched by the process that committed them.
TICK_GRACE = timedelta(seconds=5)
TICK_LOCK_KEY = "codebridge:ticker"  # one ticking worker per interval, however many run
LOG_FORMAT = "%(asctime)s %(levelname)s [%(job_id)s] %(name)s: %(message)s"

_fork_safe_engines: set[int] = set()


class JobIdFilter(logging.Filter):
    """Adds `job_id` to every record: the running outbox job (`outbox-<id>`), else `-`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = jobs.current_job_id.get() or "-"
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
    from app.extensions import db

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


class OutboxWorker(Worker):
    """An rq worker whose main process also drains the outbox and ticks periodic duties.

    The ticker rides on rq's heartbeat, which the main process sends every few seconds while idle
    (worker_ttl - 15 s) and while watching a work-horse, so it needs no thread (threads and fork
    mix badly). Only one worker per interval takes the Redis lock and ticks.
    """

    def __init__(self, *args: Any, tick_interval: float = TICK_INTERVAL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tick_interval = tick_interval
        self._main_pid = os.getpid()
        self._next_tick = 0.0

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        """rq's heartbeat, then (in the main process only, never a work-horse) the ticker."""
        super().heartbeat(*args, **kwargs)
        if os.getpid() == self._main_pid and not self._is_horse:
            self.run_ticker()

    def run_ticker(self, *, force: bool = False) -> None:
        """Drain the outbox and run the duties if the interval has passed (or `force`).

        Never raises: a failing tick is logged and tried again next interval.
        """
        from app.extensions import db

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
        except Exception:
            log.exception("outbox ticker failed; trying again in %s s", self.tick_interval)
        finally:
            # Hold no connection while idle, and none at the next fork.
            db.session.remove()


def warn_if_index_is_served(connection: Any, queue_names: Sequence[str]) -> None:
    """Log a warning when another live worker already serves the `index` queue (one writer only)."""
    from redis.exceptions import RedisError

    if "index" not in queue_names:
        return
    try:
        others = [w.name for w in Worker.all(connection=connection) if "index" in w.queue_names()]
    except RedisError:
        return  # Redis is down: rq's own start-up says so and retries
    if others:
        log.warning("the index queue is already served by %s: run exactly one index worker "
                    "(flask worker --queues index)", ", ".join(others))


def wait_for_redis(connection: Any, *, give_up: bool) -> None:
    """Return once Redis answers. With `give_up`, raise the RedisError at once instead of waiting
    (doubling the pause up to 30 s) for a Redis that starts after the worker."""
    from redis.exceptions import RedisError

    pause = 1.0
    while True:
        try:
            connection.ping()
            return
        except RedisError as error:
            if give_up:
                raise
            log.warning("redis is unreachable (%s); trying again in %.0f s", error, pause)
            time.sleep(pause)
            pause = min(pause * 2, 30.0)


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

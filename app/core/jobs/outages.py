"""An rq worker that outlives Redis: an outage is logged once and waited out, never the end of it.

Every step of rq's loop that talks to Redis outside its dequeue (which retries by itself) catches
ConnectionError/TimeoutError, logs it once, and the worker waits with a back-off capped at
RECONNECT_MAX_PAUSE. When Redis answers again it says so, registers itself again if Redis lost its
data, and resumes (`resume_after_outage`). A job running meanwhile goes on; its heartbeats resume.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from datetime import datetime
from typing import Any

import redis.exceptions
from rq import Queue, Worker, worker_registration
from rq.job import Job

from app.core.db import utcnow

log = logging.getLogger(__name__)

# Errors that mean "Redis is unreachable", as opposed to a bug: the worker waits them out.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RECONNECT_MAX_PAUSE = 10.0  # seconds: once Redis is back, the worker notices within this long


class OutageTolerantWorker(Worker):
    """An rq worker whose loop carries on through Redis outages (see the module's docstring)."""

    max_connection_wait_time = RECONNECT_MAX_PAUSE  # rq's own dequeue back-off, 60 s by default

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._main_pid = os.getpid()
        self._redis_lost_at: datetime | None = None

    def redis_went_away(self, error: BaseException, doing: str) -> None:
        """Note that Redis failed while `doing` something; logs once per outage."""
        if self._redis_lost_at is None:
            self._redis_lost_at = utcnow()
            log.warning("redis went away while %s (%s): the worker waits for it and carries on; "
                        "new jobs stay in the outbox meanwhile", doing, error)

    def wait_out_outage(self) -> None:
        """Sleep until Redis answers a PING (back-off capped at RECONNECT_MAX_PAUSE), then resume."""
        wait_for_redis(self.connection, give_up=False)
        self.redis_is_back()

    def redis_is_back(self) -> None:
        """After an outage: say so, register again if Redis lost our keys, and drain the outbox
        at once. Does nothing when Redis never left."""
        lost_at = self._redis_lost_at
        if lost_at is None or os.getpid() != self._main_pid:
            return
        self._redis_lost_at = None
        log.warning("redis is back: worker %s reconnected after %.0f s", self.name,
                    (utcnow() - lost_at).total_seconds())
        try:
            if not self.connection.hexists(self.key, "birth"):  # Redis restarted without its data
                with self.connection.pipeline() as pipeline:
                    pipeline.hset(self.key, mapping=self.serialize())
                    worker_registration.register(self, pipeline)
                    pipeline.expire(self.key, self.worker_ttl + 60)
                    pipeline.execute()
        except REDIS_DOWN as error:
            self.redis_went_away(error, "reconnecting")
            return
        self.resume_after_outage()

    def resume_after_outage(self) -> None:
        """What the worker does first once Redis is back and it is registered again (nothing here)."""

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """rq's heartbeat. Never raises for a down Redis: the failure is noted and the caller carries on."""
        try:
            super().heartbeat(timeout, pipeline)
        except REDIS_DOWN as error:
            self.redis_went_away(error, "sending its heartbeat")
            return
        if pipeline is None:  # it reached Redis
            self.redis_is_back()

    def maintain_heartbeats(self, job: Job, execution: Any) -> None:
        """rq's heartbeats for a running job; with Redis down the job goes on and they resume."""
        try:
            super().maintain_heartbeats(job, execution)
        except REDIS_DOWN as error:
            self.redis_went_away(error, f"running job {job.id}")

    def check_for_suspension(self, burst: bool) -> None:
        """rq's `rq suspend` check; with Redis down the worker goes on to wait in its dequeue."""
        try:
            super().check_for_suspension(burst)
        except REDIS_DOWN as error:
            self.redis_went_away(error, "checking for suspension")

    def run_maintenance_tasks(self) -> None:
        """rq's maintenance; with Redis down it is skipped and tried again on the next loop."""
        try:
            super().run_maintenance_tasks()
        except REDIS_DOWN as error:
            self.redis_went_away(error, "cleaning rq's registries")

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None
                                     ) -> tuple[Job, Queue] | None:
        """rq's dequeue, which retries a failing Redis itself except in its first and last steps."""
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except REDIS_DOWN as error:
                self.redis_went_away(error, "waiting for jobs")
                self.wait_out_outage()

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run `job` in a work-horse; a Redis failure while recording it is waited out.

        The job's outcome is in its outbox row whatever Redis missed: an unrecorded start is
        retried by rq's intermediate-queue cleaning, an unrecorded end by the abandoned-job sweep.
        """
        try:
            super().execute_job(job, queue)
        except REDIS_DOWN as error:
            self.redis_went_away(error, f"recording job {job.id}")
            if self._horse_pid:  # never leave a horse running unwatched
                with contextlib.suppress(ChildProcessError):  # already reaped
                    self.wait_for_horse()
                self._horse_pid = 0
            self.wait_out_outage()

    def teardown(self) -> None:
        """rq's shutdown bookkeeping; with Redis down the worker leaves without it."""
        try:
            super().teardown()
        except REDIS_DOWN as error:
            log.warning("redis is unreachable at shutdown (%s): worker %s leaves unregistered "
                        "(its key expires by itself)", error, self.name)


def wait_for_redis(connection: Any, *, give_up: bool) -> None:
    """Return once Redis answers. With `give_up`, raise the RedisError at once instead of waiting
    (doubling the pause up to RECONNECT_MAX_PAUSE) for a Redis that starts after the worker or
    comes back."""
    pause = 1.0
    while True:
        try:
            connection.ping()
            return
        except redis.exceptions.RedisError as error:
            if give_up:
                raise
            log.warning("redis is unreachable (%s); trying again in %.0f s", error, pause)
            time.sleep(pause)
            pause = min(pause * 2, RECONNECT_MAX_PAUSE)

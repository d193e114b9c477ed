"""The worker process: a forked work-horse opens its own database connection; logs carry job ids;
Redis going away is waited out; abandoned jobs are retried at once."""

from __future__ import annotations

import logging
import os

import sqlalchemy as sa
from redis import Redis
from rq import Worker

from app.core.jobs import registry
from app.core.jobs import services as jobs
from app.core.jobs.worker import AbandonedJob, JobIdFilter, OutboxWorker, make_fork_safe
from app.extensions import db as database


def dbapi_connection_in_use():
    return database.session.connection().connection.dbapi_connection


def test_a_forked_work_horse_never_reuses_the_parents_database_connection(app, db):
    make_fork_safe(app)
    db.session.execute(sa.text("SELECT 1"))
    parents = dbapi_connection_in_use()
    db.session.commit()  # back in the pool, where a careless child would pick it up

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running any parent cleanup
        try:
            db.session.execute(sa.text("SELECT 1"))
            verdict = b"shared" if dbapi_connection_in_use() is parents else b"own"
        except BaseException:  # anything else is reported as a failure
            verdict = b"error"
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    verdict = os.read(read_end, 16)
    os.close(read_end)

    assert verdict == b"own"
    assert os.waitstatus_to_exitcode(status) == 0
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1  # the parent's pool still works


def test_log_lines_written_by_a_job_carry_its_id():
    record = logging.LogRecord("app.core.mail", logging.INFO, __file__, 1, "sent", None, None)
    token = registry.current_job_id.set("outbox-42")
    try:
        JobIdFilter().filter(record)
    finally:
        registry.current_job_id.reset(token)
    assert record.job_id == "outbox-42"

    JobIdFilter().filter(record)
    assert record.job_id == "-"


def test_a_worker_outlasts_a_lost_redis_and_registers_again_when_it_is_back(
        make_redis_app, private_redis, caplog):
    caplog.set_level(logging.INFO, logger="app.core.jobs.worker")
    app = make_redis_app(private_redis.url)
    with app.app_context():
        connection = jobs.runner.connection(for_worker=True)
        worker = OutboxWorker([jobs.runner.queue("default", connection)], connection=connection,
                              worker_ttl=20)
        worker.register_birth()
        private_redis.kill()

        # Each step of rq's loop outside its dequeue: none raises, and the outage is logged once.
        worker.heartbeat()
        worker.check_for_suspension(burst=False)
        worker.run_maintenance_tasks()
        assert [record.message for record in caplog.records
                if "redis went away" in record.message] == [
            "redis went away while sending its heartbeat (Error 111 connecting to "
            f"127.0.0.1:{private_redis.port}. Connection refused.): the worker waits for it and "
            "carries on; new jobs stay in the outbox meanwhile"]

        private_redis.start()  # without its data: the worker's registration is gone
        worker.heartbeat()

        assert any("redis is back" in record.message for record in caplog.records)
        assert any("tick: outbox:" in record.message for record in caplog.records)
        assert connection.hexists(worker.key, "birth")
        assert worker.key in Worker.all_keys(connection=connection)
        worker.register_death()


def test_an_abandoned_job_is_retried_at_once_not_after_its_backoff():
    connection = Redis()  # never used: nothing here talks to Redis
    job = AbandonedJob(id="outbox-1", connection=connection)
    job.retry_intervals = [10, 60, 300]
    job.retries_left = 1  # a plain Job would wait 300 s

    assert job.get_retry_interval() == 0
    connection.close()

"""With Redis: real `flask worker` processes, a Redis that goes down and comes back, retries, failures.

The first test uses the machine's Redis (db 15, flushed before and after). The others use private
redis-servers: tests stop them, and a worker there never takes jobs of a suite running beside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue

from app.core.db import utcnow
from app.core.jobs import services as jobs
from app.core.models import EmailMessage, OutboxJob
from app.extensions import db as database
from tests.factories import make_user
from tests.workers import FLASK, PROJECT_ROOT, free_port

pytestmark = pytest.mark.redis

SUBJECT_LINE = "Subject: Reset your Codebridge password"


def request_password_reset(app, email: str) -> float:
    """The web's password-reset service, as a request runs it; returns how long it took."""
    from app.core.accounts import services as accounts

    started = time.monotonic()
    with app.test_request_context():
        accounts.send_password_reset(email)
    return time.monotonic() - started


def outbox_row() -> OutboxJob:
    database.session.rollback()  # a fresh transaction sees what the worker committed
    [row] = database.session.scalars(sa.select(OutboxJob)).all()
    return row


def email_message() -> EmailMessage:
    database.session.rollback()
    [message] = database.session.scalars(sa.select(EmailMessage)).all()
    return message


@pytest.fixture(autouse=True)
def fresh_redis_backoff():
    """Each test starts with Redis considered reachable (the back-off is per process)."""
    jobs.runner.redis.clear_backoff()
    yield
    jobs.runner.redis.clear_backoff()


def test_a_real_worker_sends_the_queued_email_once(make_redis_app, shared_redis, redis_url,
                                                   run_worker):
    app = make_redis_app(redis_url)
    with app.app_context():
        make_user("volunteer", email="mei@example.org")
        database.session.commit()
        request_password_reset(app, "mei@example.org")

        row = outbox_row()
        assert (row.status, row.queue) == ("enqueued", "mail")
        assert Queue("mail", connection=shared_redis).job_ids == [f"outbox-{row.id}"]
        assert email_message().status == "queued"  # nothing is sent by the web process

        first = run_worker(redis_url)
        second = run_worker(redis_url)

        row = outbox_row()
        assert (row.status, row.attempts, row.last_error) == ("done", 1, None)
        message = email_message()
        assert message.status == "sent" and message.sent_at is not None
        output = first.stdout + first.stderr + second.stdout + second.stderr
        assert output.count(SUBJECT_LINE) == 1  # the console backend printed it once
        assert "To: mei@example.org" in first.stdout
        assert f"[outbox-{row.id}] app.core.mail: e-mail {message.id} (password_reset) sent" \
            in first.stderr  # job logs carry the job id


def test_redis_down_keeps_the_job_pending_and_a_drain_replays_it_once(
        make_redis_app, private_redis, run_worker):
    app = make_redis_app(private_redis.url)
    with app.app_context():
        make_user("volunteer", email="zhou@example.org")
        database.session.commit()
        private_redis.stop()

        took = request_password_reset(app, "zhou@example.org")  # raises nothing

        assert took < 1.0
        assert outbox_row().status == "pending"
        assert email_message().status == "queued"  # the request's work is all there

        private_redis.start()
        assert jobs.drain_outbox().dispatched == 1
        assert jobs.drain_outbox().found == 0  # nothing pending any more
        row = outbox_row()
        assert row.status == "enqueued"
        # A drainer that crashed before recording the enqueue finds the row pending again; the
        # job id makes its re-enqueue a no-op instead of a second copy.
        database.session.execute(sa.update(OutboxJob).values(status="pending"))
        database.session.commit()
        assert jobs.drain_outbox().dispatched == 1
        connection = jobs.runner.connection()
        assert Queue("mail", connection=connection).job_ids == [f"outbox-{row.id}"]

        first = run_worker(private_redis.url)
        assert jobs.drain_outbox().found == 0
        second = run_worker(private_redis.url)

        assert (first.stdout + second.stdout).count(SUBJECT_LINE) == 1
        row = outbox_row()
        assert (row.status, row.attempts) == ("done", 1)
        assert email_message().status == "sent"


def test_the_worker_itself_drains_jobs_left_pending_while_redis_was_down(
        make_redis_app, private_redis, run_worker):
    app = make_redis_app(private_redis.url)
    with app.app_context():
        make_user("volunteer", email="li@example.org")
        database.session.commit()
        private_redis.stop()
        request_password_reset(app, "li@example.org")
        assert outbox_row().status == "pending"
        private_redis.start()

        result = run_worker(private_redis.url)

        assert result.stdout.count(SUBJECT_LINE) == 1
        assert "1 pending job(s) found, 1 dispatched" in result.stderr
        assert (outbox_row().status, email_message().status) == ("done", "sent")


def test_jobs_lost_when_redis_restarts_without_its_data_are_sent_again(
        make_redis_app, private_redis, run_worker):
    app = make_redis_app(private_redis.url)
    with app.app_context():
        make_user("volunteer", email="he@example.org")
        database.session.commit()
        request_password_reset(app, "he@example.org")
        assert outbox_row().status == "enqueued"
        private_redis.stop()
        private_redis.start()  # no persistence: the queued job is gone
        assert jobs.drain_outbox().recovered == 0  # too recent to call lost

        database.session.execute(sa.update(OutboxJob).values(
            enqueued_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)))
        database.session.commit()
        drained = jobs.drain_outbox()

        assert (drained.recovered, drained.dispatched) == (1, 1)
        result = run_worker(private_redis.url)
        assert result.stdout.count(SUBJECT_LINE) == 1
        assert (outbox_row().status, email_message().status) == ("done", "sent")


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(
        make_redis_app, private_redis, run_worker):
    redis_url = private_redis.url
    app = make_redis_app(redis_url, JOB_RETRY_INTERVALS=(0, 1))  # retry at once, then after 1 s
    closed_port = str(free_port())
    smtp = {"mail_backend": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port}
    with app.app_context():
        make_user("volunteer", email="chen@example.org")
        database.session.commit()
        request_password_reset(app, "chen@example.org")

        run_worker(redis_url, **smtp)

        row = outbox_row()  # tried, retried at once, and now waiting out its backoff
        assert (row.status, row.attempts) == ("enqueued", 2)
        assert row.last_error.startswith("ConnectionRefusedError")
        assert email_message().status == "queued"

        time.sleep(2.5)
        run_worker(redis_url, **smtp)  # its scheduler enqueues the due retry: the last one

        row = outbox_row()
        assert (row.status, row.attempts) == ("failed", 3)
        assert row.last_error.startswith("ConnectionRefusedError")
        message = email_message()
        assert message.status == "failed"
        assert message.last_error.startswith("ConnectionRefusedError")

        # Once mail works again, an operator retries it: rq's failed job is replaced, not kept.
        assert jobs.retry_failed().dispatched == 1
        result = run_worker(redis_url)
        assert result.stdout.count(SUBJECT_LINE) == 1
        row = outbox_row()
        assert (row.status, row.attempts, row.last_error) == ("done", 4, None)
        assert email_message().status == "sent"


def test_a_running_worker_drains_the_outbox_every_few_seconds(
        make_redis_app, private_redis, test_config, instance_dir):
    redis_url = private_redis.url
    app = make_redis_app(redis_url)
    environment = {**os.environ, "DATABASE_URL": test_config.SQLALCHEMY_DATABASE_URI,
                   "REDIS_URL": redis_url, "MAIL_BACKEND": "console", "SECRET_KEY": "worker-test",
                   "INSTANCE_PATH": str(instance_dir), "CODEBRIDGE_ENV": "development"}
    worker = subprocess.Popen([FLASK, "--app", "app", "worker", "--queues", "default,mail"],
                              cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        with app.app_context():
            time.sleep(2)  # the worker's start-up drain has found nothing
            make_user("volunteer", email="sun@example.org")
            database.session.commit()
            # A row whose dispatch never happened (the web process died right after commit).
            database.session.add(OutboxJob(name="app.core.mail.deliver_email", args=[0],
                                           queue="mail"))
            database.session.commit()

            deadline = time.monotonic() + 30
            while outbox_row().status != "done" and time.monotonic() < deadline:
                time.sleep(0.5)
            assert outbox_row().status == "done"
    finally:
        worker.send_signal(signal.SIGTERM)  # warm shutdown of the process this test started
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "tick: outbox: 1 pending job(s) found, 1 dispatched" in output


def test_a_burst_worker_without_redis_says_so_and_fails(test_config, instance_dir):
    environment = {**os.environ, "DATABASE_URL": test_config.SQLALCHEMY_DATABASE_URI,
                   "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "SECRET_KEY": "worker-test",
                   "INSTANCE_PATH": str(instance_dir), "CODEBRIDGE_ENV": "development"}

    result = subprocess.run([FLASK, "--app", "app", "worker", "--burst"], cwd=PROJECT_ROOT,
                            env=environment, capture_output=True, text=True, timeout=60,
                            check=False)

    assert result.returncode == 1
    assert "Redis is unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_worker_says_how_to_run_one_index_writer(runner):
    result = runner.invoke(args=["worker", "--help"])

    assert "flask --app app worker --queues index" in result.output
    assert "flask --app app worker --queues default,mail" in result.output


def test_the_worker_rejects_an_unknown_queue(runner):
    result = runner.invoke(args=["worker", "--queues", "default,urgent"])

    assert result.exit_code == 2
    assert "choose among default, mail, index" in result.output

"""A worker SIGKILLed mid-job: another worker retries the job within 2 minutes, and it runs once."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.core.accounts import services as accounts
from app.core.models import EmailMessage, OutboxJob
from app.extensions import db as database
from tests.factories import make_user
from tests.workers import WorkerProcess, child_pids, is_running, worker_environment

pytestmark = [pytest.mark.redis, pytest.mark.reliability]

SUBJECT_LINE = "Subject: Reset your Codebridge password"
RETRY_DEADLINE = 120.0  # seconds from the kill: the promise in the README






@pytest.fixture
def hanging_smtp() -> Iterator[socket.socket]:
    """A port that accepts connections and never answers: an SMTP send there hangs."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def outbox_row() -> OutboxJob:
    database.session.rollback()  # a fresh transaction sees what the workers committed
    [row] = database.session.scalars(sa.select(OutboxJob)).all()
    return row


def test_a_job_whose_worker_was_killed_is_retried_within_two_minutes_and_runs_once(
        redis_app, private_redis, hanging_smtp, test_config, instance_dir, tmp_path):
    make_user("volunteer", email="wang@example.org")
    database.session.commit()
    smtp_port = str(hanging_smtp.getsockname()[1])
    first = WorkerProcess(worker_environment(test_config, instance_dir, private_redis.url,
                                             MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                                             MAIL_PORT=smtp_port),
                          tmp_path / "first-worker.log")
    second = None
    try:
        first.wait_for_output("Listening on", timeout=60)
        with redis_app.test_request_context():
            accounts.send_password_reset("wang@example.org")

        # The work-horse connects to the mail server: the job is mid-send.
        hanging_smtp.settimeout(30)
        connection, _ = hanging_smtp.accept()
        with connection:
            assert outbox_row().attempts == 1
            horses = child_pids(first.pid)  # the work-horse and rq's scheduler
            first.kill_group()
            killed_at = time.monotonic()

            # The horse sits in a process group of its own, out of reach of the group kill; it
            # dies with its worker all the same, so the job cannot go on running beside its retry.
            connection.settimeout(5)
            assert connection.recv(1) == b""  # the half-open send was dropped at once
            deadline = time.monotonic() + 5
            while any(is_running(pid) for pid in horses) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not [pid for pid in horses if is_running(pid)]

        row = outbox_row()
        assert (row.status, row.attempts) == ("enqueued", 1)
        second = WorkerProcess(worker_environment(test_config, instance_dir, private_redis.url),
                               tmp_path / "second-worker.log")
        while outbox_row().status != "done" and time.monotonic() < killed_at + RETRY_DEADLINE:
            time.sleep(1)
        retried_after = time.monotonic() - killed_at

        row = outbox_row()
        assert (row.status, row.attempts, row.last_error) == ("done", 2, None), second.output()
        assert retried_after < RETRY_DEADLINE
        print(f"abandoned job done {retried_after:.0f} s after its worker was killed")
        database.session.rollback()
        [message] = database.session.scalars(sa.select(EmailMessage)).all()
        assert message.status == "sent"
        assert (first.output() + second.output()).count(SUBJECT_LINE) == 1  # sent once
        assert second.is_alive()
    finally:
        if first.is_alive():
            first.kill_group()
        first.stop()
        if second is not None:
            assert second.stop() == 0, second.output()

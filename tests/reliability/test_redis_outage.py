"""Redis goes away under a busy worker: requests carry on, and every job runs once when it is back.

The worker is mid-job when Redis dies (an e-mail held at the SMTP greeting), which is where rq's
own loop used to quit: the job ends during the outage and recording its end fails.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from app.core.accounts import services as accounts
from app.core.models import EmailMessage, Notification, OutboxJob, User
from app.extensions import db as database
from app.requests.models import HelpRequest
from app.volunteers.claims import services as claims
from tests.factories import make_org, make_request, make_user, make_volunteer
from tests.workers import WorkerProcess, worker_environment

pytestmark = [pytest.mark.redis, pytest.mark.reliability]

CLAIMS = 100  # each one: a notice job, which queues an e-mail job: 200 jobs in all
OUTAGE = 20.0  # seconds Redis stays away at least: past rq's maintenance and a few reconnect tries
DEADLINE = 90.0  # seconds from Redis's return until every job has run


class FakeSMTPServer:
    """An SMTP server on a free port that accepts every message and keeps it.

    It holds its first session before the greeting until `release` is set, so a test can do
    something while a work-horse is known to be mid-send.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.messages: list[str] = []
        self.first_session = threading.Event()
        self.release = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def stop(self) -> None:
        self._stopping.set()
        self.release.set()
        self._thread.join(timeout=10)
        self.listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                if not self.first_session.is_set():
                    self.first_session.set()
                    self.release.wait(timeout=60)
                # A client that goes away mid-session has no message accepted.
                with contextlib.suppress(OSError):
                    self._session(connection)

    def _session(self, connection: socket.socket) -> None:
        connection.settimeout(30)
        with connection.makefile("rb") as reader:
            connection.sendall(b"220 fake ESMTP\r\n")
            while line := reader.readline():
                command = line[:4].upper()
                if command == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    lines = []
                    while (data := reader.readline()) not in (b".\r\n", b""):
                        lines.append(data)
                    self.messages.append(b"".join(lines).decode("utf-8", "replace"))
                    connection.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:  # EHLO, MAIL, RCPT, RSET, NOOP
                    connection.sendall(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[FakeSMTPServer]:
    server = FakeSMTPServer()
    yield server
    server.stop()






def outbox_rows() -> list[OutboxJob]:
    database.session.rollback()  # a fresh transaction sees what the worker committed
    return list(database.session.scalars(sa.select(OutboxJob).order_by(OutboxJob.id)))


def claim_as_each_volunteer(app: Flask, request_id: int, volunteer_ids: list[int]
                            ) -> tuple[list[str], float]:
    """Each volunteer claims a seat through the claims service, as the web does; returns the
    errors the callers saw and the slowest call in seconds."""
    errors, slowest = [], 0.0
    for volunteer_id in volunteer_ids:
        started = time.monotonic()
        with app.test_request_context():
            try:
                claims.create_claim(database.session.get(HelpRequest, request_id),
                                    database.session.get(User, volunteer_id), hours_per_week=4)
            except Exception as error:  # anything a caller would see
                errors.append(repr(error))
        slowest = max(slowest, time.monotonic() - started)
    return errors, slowest


def test_a_worker_outlives_redis_and_runs_every_job_written_meanwhile_once(
        redis_app, private_redis, smtp_server, test_config, instance_dir, tmp_path):
    make_user("volunteer", email="lin@example.org")
    staff = make_user("nonprofit", email="staff@example.org")
    help_request = make_request(make_org(members=[staff]), team_size=CLAIMS)
    volunteer_ids = [make_volunteer().id for _ in range(CLAIMS)]
    database.session.commit()
    worker = WorkerProcess(worker_environment(test_config, instance_dir, private_redis.url,
                                              MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                                              MAIL_PORT=str(smtp_server.port)),
                           tmp_path / "worker.log")
    try:
        worker.wait_for_output("Listening on", timeout=60)
        with redis_app.test_request_context():
            accounts.send_password_reset("lin@example.org")
        assert smtp_server.first_session.wait(timeout=30)  # the e-mail job is mid-send

        private_redis.kill()
        killed_at = time.monotonic()
        smtp_server.release.set()  # the job ends while Redis is away
        worker.wait_for_output("redis went away", timeout=30)
        deadline = time.monotonic() + 30
        while outbox_rows()[0].status != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert outbox_rows()[0].status == "done"

        errors, slowest = claim_as_each_volunteer(redis_app, help_request.id, volunteer_ids)
        assert errors == []
        assert slowest < 1.0  # no claim waited on the dead Redis
        assert [row.status for row in outbox_rows()[1:]] == ["pending"] * CLAIMS
        time.sleep(max(0.0, killed_at + OUTAGE - time.monotonic()))
        assert worker.is_alive(), worker.output()

        private_redis.start()  # same port, empty: nothing of before survived
        back_at = time.monotonic()
        while time.monotonic() < back_at + DEADLINE:
            rows = outbox_rows()
            if len(rows) == 1 + 2 * CLAIMS and all(row.status == "done" for row in rows):
                break
            time.sleep(1)
        took = time.monotonic() - back_at
        print(f"\n{len(rows) - 1} jobs ran in {took:.0f} s after redis came back")

        assert len(rows) == 1 + 2 * CLAIMS, worker.output()[-3000:]
        assert [row for row in rows if row.status != "done"] == [], worker.output()[-3000:]
        assert {row.attempts for row in rows} == {1}  # each job ran once
        assert database.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                       .where(Notification.kind == "claim_received")) == CLAIMS
        messages = database.session.scalars(sa.select(EmailMessage)).all()
        assert len(messages) == 1 + CLAIMS
        assert {message.status for message in messages} == {"sent"}
        assert len(smtp_server.messages) == 1 + CLAIMS  # each e-mail reached the server once
        assert "redis is back" in worker.output()
        assert worker.is_alive()  # it reconnected instead of quitting
    finally:
        status = worker.stop()
    assert status == 0, worker.output()[-3000:]

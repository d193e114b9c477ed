"""Fixtures for job tests: mail outbox, test jobs, Redis-bound apps, real workers, a private Redis.

The private redis-server is the only one tests stop and start; the machine's shared Redis never is.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from app import create_app
from app.core import jobs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def mail_outbox(app: Flask) -> list:
    """The messages flask-mailman's locmem backend 'sent' during this test (autouse-compatible).

    locmem appends to `app.extensions["mailman"].outbox`; `mail.outbox` on the unbound extension
    object is always None, so read the app's state.
    """
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
    state.outbox = []


@pytest.fixture
def test_jobs(monkeypatch) -> None:
    """Let the outbox run the job functions in tests/jobs/tasks.py."""
    from tests.jobs import tasks

    monkeypatch.setattr(jobs, "JOB_NAME_PREFIXES", (*jobs.JOB_NAME_PREFIXES, "tests.jobs.tasks."))
    monkeypatch.setitem(tasks.FLAKY, "failing", True)


@pytest.fixture
def make_redis_app(test_config) -> Iterator[Callable[..., Flask]]:
    """Build a second app on the test database whose jobs go to Redis: `make_redis_app(url, **cfg)`."""
    made: list[Flask] = []

    def make(redis_url: str, **settings) -> Flask:
        config = type("RedisTestConfig", (test_config,), {"REDIS_URL": redis_url, **settings})
        application = create_app(config)
        made.append(application)
        return application

    yield make
    from app.extensions import db

    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def shared_redis(redis_url: str) -> Iterator[redis.Redis]:
    """The local Redis test database, flushed before and after the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence, that a test can stop."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed: the Redis-down tests need it")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"private redis-server did not start on {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    assert server.port != 6379  # never the machine's shared Redis
    server.start()
    yield server
    server.stop()


@pytest.fixture
def run_worker(test_config, instance_dir: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run `flask --app app worker --burst` in a subprocess on the test database; returns its result.

    Config reaches it only through the environment, as in production.
    """

    def run(redis_url: str, *args: str, mail_backend: str = "console",
            **env: str) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DATABASE_URL": test_config.SQLALCHEMY_DATABASE_URI,
            "REDIS_URL": redis_url,
            "MAIL_BACKEND": mail_backend,
            "SECRET_KEY": "worker-test-secret",
            "INSTANCE_PATH": str(instance_dir),
            "CODEBRIDGE_ENV": "development",
            **env,
        }
        environment.pop("RATELIMIT_STORAGE_URI", None)
        result = subprocess.run([FLASK, "--app", "app", "worker", "--burst", *args],
                                cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run

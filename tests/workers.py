"""A pytest plugin for tests that need Redis and real workers: a private Redis, Redis-bound apps,
`flask worker` processes and the environment they run in.

The private redis-server is the only one tests stop and start; the machine's shared Redis never is.
"""

from __future__ import annotations

import os
import shutil
import signal
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
from app.core.jobs import services as jobs
from app.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def make_redis_app(build_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """Build a second app on the test database whose jobs go to Redis: `make_redis_app(url, **cfg)`."""

    def make(redis_url: str, **settings) -> Flask:
        return build_app(REDIS_URL=redis_url, **settings)

    return make


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

    def kill(self) -> None:
        """Take the server away at once (SIGKILL), as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
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
        environment = worker_environment(test_config, instance_dir, redis_url,
                                         MAIL_BACKEND=mail_backend, **env)
        result = subprocess.run([FLASK, "--app", "app", "worker", "--burst", *args],
                                cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


def worker_environment(test_config, instance_dir: Path, redis_url: str, **env: str) -> dict[str, str]:
    """The environment of a `flask worker` subprocess on the test database: config reaches it only
    through the environment, as in production."""
    environment = {
        **os.environ,
        "DATABASE_URL": test_config.SQLALCHEMY_DATABASE_URI,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "console",
        "SECRET_KEY": "worker-test-secret",
        "INSTANCE_PATH": str(instance_dir),
        "CODEBRIDGE_ENV": "development",
        **env,
    }
    environment.pop("RATELIMIT_STORAGE_URI", None)
    return environment


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is `parent` (read from /proc: Linux only)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def is_running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class WorkerProcess:
    """A long-running `flask --app app worker` in a process group of its own, output to a file.

    rq forks a work-horse per job (in a group of its own) and a scheduler process; `kill_group`
    SIGKILLs the worker's group as a crash of the whole worker would.
    """

    def __init__(self, environment: dict[str, str], log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen([FLASK, "--app", "app", "worker", *args], cwd=PROJECT_ROOT,
                                        env=environment, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text()

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_output(self, text: str, timeout: float) -> None:
        """Wait until the worker has written `text`; fail after `timeout` seconds or if it exits."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.is_alive(), f"the worker exited ({self.process.returncode}):\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def kill_group(self) -> None:
        """SIGKILL the worker's process group (the worker and its scheduler) and reap the worker."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int | None:
        """Warm shutdown (SIGTERM); SIGKILL the group if it does not end in `timeout` seconds.
        Returns the exit status of a worker that ended by itself, else None."""
        status = None
        if self.is_alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                status = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        else:
            status = self.process.returncode
        self._log.close()
        return status


@pytest.fixture
def redis_app(test_config, private_redis: PrivateRedis) -> Iterator[Flask]:
    """The web side: an app on the test database whose jobs go to the private Redis."""
    config = type("RedisTestConfig", (test_config,), {"REDIS_URL": private_redis.url})
    application = create_app(config)
    jobs.runner.redis.clear_backoff()
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    jobs.runner.redis.clear_backoff()

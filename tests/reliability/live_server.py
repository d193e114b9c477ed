"""A real Codebridge HTTP server in a subprocess, on its own database, seeded with the demo data.

The server is started the way an operator would start it: `flask --app app db upgrade`, `flask --app
app demo load`, then `flask --app app run` on 127.0.0.1 and a free port, configured only through
the environment (a throwaway INSTANCE_PATH, no REDIS_URL, console mail). Its database is of the
same kind as the suite's: a SQLite file in its instance folder, or, when TEST_DATABASE_URL names a
PostgreSQL database, a schema of its own in that database. A separate schema keeps the suite's
per-test emptying of every table (tests/conftest.py) away from the server's data, and the suite's
own tables away from the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

import requests
from app.config import TestConfig

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
DEMO_PASSWORD = "live-server-demo-password"
PG_SCHEMA = "live_server"
START_TIMEOUT = 90  # seconds: the first start compiles jieba's dictionary cache


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """A running server: its base URL, its database URL and its log file."""

    base_url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the server wrote (tracebacks of 500s end up here)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def token(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """A bearer token for a seeded account, from POST /api/v1/auth/token."""
        response = requests.post(f"{self.base_url}/api/v1/auth/token", timeout=30,
                                 json={"email": email, "password": password})
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()["token"]

    def engine(self) -> sa.Engine:
        """An engine on the server's database, for reading what the seed created."""
        return sa.create_engine(self.database_url)


def _database_url(instance: Path) -> str:
    suite_url = TestConfig.SQLALCHEMY_DATABASE_URI
    if suite_url and suite_url.startswith("postgresql"):
        # libpq's `options` puts every connection of the server (and of Alembic) in our schema.
        separator = "&" if "?" in suite_url else "?"
        return f"{suite_url}{separator}options={quote(f'-csearch_path={PG_SCHEMA}')}"
    return f"sqlite:///{instance / 'live.db'}"


def _reset_pg_schema(database_url: str, *, create: bool) -> None:
    if not database_url.startswith("postgresql"):
        return
    engine = sa.create_engine(TestConfig.SQLALCHEMY_DATABASE_URI)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            if create:
                connection.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    finally:
        engine.dispose()


def _environment(instance: Path, database_url: str, base_url: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FLASK_", "RATELIMIT_", "MAIL_", "SEARCH_"))
                   and key not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "PUBLIC_URL", "PORT",
                                   "CODEBRIDGE_ENV", "TRUSTED_HOSTS"}}
    environment.update({
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "CODEBRIDGE_ENV": "development",
        "MAIL_BACKEND": "console",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "PUBLIC_URL": base_url,
        "PYTHONUNBUFFERED": "1",
    })
    return environment


def _run(args: list[str], environment: dict[str, str], log) -> None:
    result = subprocess.run([FLASK, "--app", "app", *args], cwd=PROJECT_ROOT, env=environment,
                            stdout=log, stderr=subprocess.STDOUT, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`flask --app app {' '.join(args)}` failed ({result.returncode}); see {log.name}")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a server to stop (SIGTERM); kill it if it has not ended after `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def wait_until_answering(process: subprocess.Popen, url: str, log_tail: Callable[[], str],
                         timeout: float = START_TIMEOUT) -> None:
    """Wait until `url` answers 200; RuntimeError with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log_tail()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer {url} in {timeout}s:\n{log_tail()}")
        time.sleep(0.2)


@contextmanager
def live_server(instance: Path) -> Iterator[LiveServer]:
    """Migrate, seed with the demo data set and serve on a free port; stop and clean up after."""
    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    database_url = _database_url(instance)
    environment = _environment(instance, database_url, base_url)
    log_path = instance / "server.log"
    _reset_pg_schema(database_url, create=True)
    process = None
    try:
        with log_path.open("a", encoding="utf-8") as log:
            _run(["db", "upgrade"], environment, log)
            _run(["demo", "load"], environment, log)
            process = subprocess.Popen(
                [FLASK, "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
                 "--no-reload", "--no-debugger"],
                cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        server = LiveServer(base_url, database_url, log_path, process)
        wait_until_answering(server.process, f"{server.base_url}/healthz", server.log_tail)
        yield server
    finally:
        if process is not None:
            stop_process(process)
        _reset_pg_schema(database_url, create=False)

"""A gunicorn server on the suite's own database, and HTTP calls released at once by a barrier.

`gunicorn_server(database_url, folder)` starts `gunicorn 'app:create_app()'` on 127.0.0.1 and a free
port, configured only through the environment as an operator would (embedded jobs unless the caller
passes REDIS_URL, console mail, the search index under `folder`), against the database the tests
write to, so rows a test commits are what the server reads. `race(calls)` sends each call from its
own thread, all released together, and returns what each got back.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from tests.reliability.live_server import free_port, stop_process, wait_until_answering

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
START_TIMEOUT = 60  # seconds
CALL_TIMEOUT = 30
BARRIER_TIMEOUT = 30


@dataclass
class Server:
    """A running gunicorn: its base URL, its search index folder and its log file."""

    base_url: str
    index_dir: Path
    log_path: Path
    process: subprocess.Popen

    def errors(self, lines: int = 60) -> str:
        """The server's log from its first logged error on (the traceback behind a 500), else its tail."""
        logged = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        first = next((n for n, line in enumerate(logged) if " ERROR " in line or "Traceback" in line), None)
        return "\n".join(logged[-lines:] if first is None else logged[first:first + lines])

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _environment(folder: Path, database_url: str, base_url: str, workers: int,
                 extra: dict[str, str]) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FLASK_", "RATELIMIT_", "MAIL_", "SEARCH_", "GUNICORN_"))
                   and key not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "PUBLIC_URL", "PORT",
                                   "CODEBRIDGE_ENV", "TRUSTED_HOSTS", "WEB_CONCURRENCY", "INSTANCE_PATH"}}
    environment.update({
        "INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "CODEBRIDGE_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_BACKEND": "console",
        "PUBLIC_URL": base_url,
        "WEB_CONCURRENCY": str(workers),
        "PYTHONUNBUFFERED": "1",
    })
    environment.update(extra)
    return environment


@contextmanager
def gunicorn_server(database_url: str, folder: Path, *, workers: int = 4, threads: int = 4,
                    environment: dict[str, str] | None = None) -> Iterator[Server]:
    """Serve the app with `workers` processes of `threads` threads each; stopped (TERM, then KILL) after.

    The app is built once and forked (--preload): it opens no connection and touches no index at
    start-up, so nothing is shared across the fork.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = folder / "gunicorn.log"
    command = [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
               "--worker-class", "gthread" if threads > 1 else "sync", "--preload", "--timeout", "60",
               "--graceful-timeout", "5", "app:create_app()"]
    with log_path.open("a", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env=_environment(folder, database_url, base_url, workers,
                                                    environment or {}))
    server = Server(base_url, folder / "search-index", log_path, process)
    try:
        wait_until_answering(server.process, server.url("/api/v1/openapi.json"), server.errors,
                             START_TIMEOUT)
        yield server
    finally:
        stop_process(process)


@dataclass(frozen=True)
class Answer:
    """What one racer's call got: the status code and the JSON body (None if it was not JSON)."""

    status: int
    body: dict | None
    seconds: float


def race(calls: list[Callable[[], requests.Response]]) -> list[Answer]:
    """Run every call in its own thread, all released by one barrier; answers in the calls' order.

    A call that raises (connection refused, timeout) fails the race with that error.
    """
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(position: int, call: Callable[[], requests.Response]) -> None:
        try:
            barrier.wait(BARRIER_TIMEOUT)
            started = time.monotonic()
            response = call()
            try:
                body = response.json()
            except ValueError:
                body = None
            answers[position] = Answer(response.status_code, body, time.monotonic() - started)
        except BaseException as error:  # handed to the test below
            answers[position] = error

    threads = [threading.Thread(target=run, args=(position, call)) for position, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BARRIER_TIMEOUT + CALL_TIMEOUT + 5)
    for answer in answers:
        if not isinstance(answer, Answer):
            raise RuntimeError(f"a racer got no answer: {answer!r}")
    return answers  # type: ignore[return-value]

"""/healthz tells an operator what works, quickly, even when Redis is gone."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections and never answers, like a hung Redis."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def closed_port_url() -> str:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there any more: connections are refused
    return f"redis://127.0.0.1:{port}/0"


def test_health_answers_in_json(client):
    response = client.get("/healthz")

    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(response.get_json()) == {"status", "database", "queue", "search"}


@pytest.mark.parametrize("hang", [True, False], ids=["hung-redis", "refused-redis"])
def test_health_reports_a_down_queue_within_a_second(app, client, monkeypatch, silent_server, hang):
    monkeypatch.setitem(app.config, "REDIS_URL", silent_server if hang else closed_port_url())

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 200  # the web still serves; jobs wait in the outbox
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "down", "search": "ok"}
    assert elapsed < 1.0


@pytest.mark.redis
def test_health_reports_a_live_queue(app, client, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)

    assert client.get("/healthz").get_json()["queue"] == "ok"


def test_health_shows_what_search_reports(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "search_health", lambda: "rebuilding")

    assert client.get("/healthz").get_json()["search"] == "rebuilding"

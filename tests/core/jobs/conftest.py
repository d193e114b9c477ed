"""Fixtures for job tests: the mail outbox and the test jobs (Redis and workers: tests/workers.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from app.core.jobs import registry


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

    monkeypatch.setattr(registry, "JOB_NAME_PREFIXES", (*registry.JOB_NAME_PREFIXES, "tests.jobs.tasks."))
    monkeypatch.setitem(tasks.FLAKY, "failing", True)

"""Fixtures for job tests: the test jobs (Redis and workers: tests/workers.py)."""

from __future__ import annotations

import pytest

from app.core.jobs import registry
from tests.core.jobs import tasks


@pytest.fixture
def test_jobs(monkeypatch) -> None:
    """Let the outbox run the job functions in tests/core/jobs/tasks.py."""
    prefixes = (*registry.JOB_NAME_PREFIXES, "tests.core.jobs.tasks.")
    monkeypatch.setattr(registry, "JOB_NAME_PREFIXES", prefixes)
    monkeypatch.setitem(tasks.FLAKY, "failing", True)

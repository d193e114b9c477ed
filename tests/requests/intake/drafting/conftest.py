"""The drafter is a pure function: its tests need no database, so no tables are emptied after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def app_context(app) -> Iterator[None]:
    """Overrides the suite's fixture: an app context only, without the per-test table cleanup."""
    with app.app_context():
        yield

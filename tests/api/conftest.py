"""Fixtures for the API tests: a clean rate-limit counter and a way to count SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa


@pytest.fixture
def count_queries(db):
    """`with count_queries() as statements:` collects the SQL run inside the block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", remember)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", remember)

    return counting

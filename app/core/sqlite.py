"""SQLite pragmas for the embedded mode: WAL, a busy timeout and enforced foreign keys."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_installed = False


def _set_pragmas(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")  # wait for a writer instead of failing at once
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def install_pragmas() -> None:
    global _installed
    if not _installed:
        sa.event.listen(Engine, "connect", _set_pragmas)
        _installed = True

"""The migrations build exactly the schema the models describe, and unwind and rebuild cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig
from app.core.jobs.registry import resolve
from app.extensions import db as database

FEATURE_TABLES = {"organizations", "help_requests", "spec_versions", "timeline_entries", "claims",
                  "checkins", "deliveries", "reviews", "matching_events", "saved_searches"}


def schema_differences(engine: sa.Engine) -> list:
    """What autogenerate would put in a new migration: empty when models and schema agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, database.metadata)


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    # A model changed without a migration shows up here as a difference.
    assert schema_differences(database.engine) == []


@pytest.fixture
def scratch_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own empty database (a temporary SQLite file, or a new PostgreSQL database)."""
    main_url = database.engine.url
    created_database = None
    if main_url.get_backend_name() == "postgresql":
        created_database = f"migration_check_{uuid.uuid4().hex[:12]}"
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{created_database}"'))
        url = main_url.set(database=created_database).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migrations.db'}"

    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_PATH = str(tmp_path / "instance")

    scratch = create_app(MigrationConfig)
    try:
        yield scratch
    finally:
        with scratch.app_context():
            database.engine.dispose()
        if created_database:
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{created_database}"'))


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_migrations_downgrade_to_base_and_upgrade_again(scratch_app: Flask) -> None:
    with scratch_app.app_context():
        upgrade()
        assert table_names(database.engine) >= FEATURE_TABLES

        downgrade(revision="base")
        database.engine.dispose()
        assert table_names(database.engine) <= {"alembic_version"}

        upgrade()
        database.engine.dispose()
        assert table_names(database.engine) >= FEATURE_TABLES
        assert schema_differences(database.engine) == []


def test_jobs_waiting_under_their_old_module_names_still_run_after_the_upgrade(scratch_app: Flask) -> None:
    # Issue #12 moved the job modules into their subjects' packages; the outbox keeps dotted names.
    old_names = ["app.volunteers.jobs.send_claim_notice", "app.volunteers.progress_jobs.send_checkin_notice",
                 "app.search.jobs.remove_request_from_index", "app.search.jobs.update_request_index",
                 "app.search.jobs.rebuild_search_index", "app.search.digests.send_digest",
                 "app.core.mail.deliver_email"]
    insert = sa.text("INSERT INTO outbox_jobs (name, args, queue, status, attempts, created_at) "
                     "VALUES (:name, '[]', 'default', 'pending', 0, CURRENT_TIMESTAMP)")
    with scratch_app.app_context():
        upgrade(revision="86b0c7d0e061")
        with database.engine.begin() as connection:
            for name in old_names:
                connection.execute(insert, {"name": name})
        upgrade()
        with database.engine.connect() as connection:
            names = list(connection.scalars(sa.text("SELECT name FROM outbox_jobs ORDER BY id")))
        database.engine.dispose()
    assert len(names) == len(old_names)
    assert all(callable(resolve(name)) for name in names), names

"""Fixtures: app, db, client, runner, users and one signed-in client per role.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set (make test runs
both). The schema is built once per session by the real migrations; each test ends with every table
emptied, so tests may commit, use threads or start processes against the same database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import TestConfig
from app.core.accounts.services import open_session
from app.extensions import limiter
from tests.factories import DEFAULT_PASSWORD, make_user

pytest_plugins = ["tests.browser", "tests.workers"]


def pytest_report_header(config) -> str:
    return f"database: {TestConfig.SQLALCHEMY_DATABASE_URI or 'sqlite (temporary file)'}"


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def test_config(instance_dir: Path) -> type[TestConfig]:
    database_url = TestConfig.SQLALCHEMY_DATABASE_URI or f"sqlite:///{instance_dir / 'test.db'}"

    class SessionTestConfig(TestConfig):
        INSTANCE_PATH = str(instance_dir)
        SQLALCHEMY_DATABASE_URI = database_url

    return SessionTestConfig


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as on a real server.

    Tests keep an app context open, and Flask reuses an open app context for requests: then the
    test and every client would share `g` (where Flask-Login caches the user) and one database
    session. A fresh context per request gives each request its own `g` and session, so a test
    only sees what a request really committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def reset_schema(app: Flask) -> None:
    """Drop everything and build the schema with the migrations, as `flask db upgrade` would."""
    from flask_migrate import upgrade

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(test_config) -> Iterator[Flask]:
    application = create_app(test_config)

    application.test_client_class = IsolatedClient
    reset_schema(application)
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def empty_all_tables(app: Flask) -> None:
    from app.extensions import db

    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    # DELETE in dependency order: on PostgreSQL a TRUNCATE of every table costs ~0.7 s, DELETE ~5 ms.
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (table names are ours)


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    """Every test runs inside an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        empty_all_tables(app)


@pytest.fixture(autouse=True)
def fresh_rate_limits(app: Flask) -> Iterator[None]:
    """Rate-limit counters live in the limiter's memory for the whole session; each test starts from zero."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(autouse=True)
def fresh_search_index(app: Flask, tmp_path_factory, monkeypatch) -> None:
    """Every test starts without a search index, as with empty tables (it is built on first need)."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path_factory.mktemp("search-index")))


@pytest.fixture
def db(app: Flask):
    from app.extensions import db as database

    return database


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def sign_in(client: FlaskClient, user) -> FlaskClient:
    """Put the user's session in the client's cookie, as a successful sign-in would."""
    key = open_session(user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{key}"
        session["_fresh"] = True
    return client


@pytest.fixture
def nonprofit_user(db):
    user = make_user("nonprofit")
    db.session.commit()
    return user


@pytest.fixture
def volunteer_user(db):
    user = make_user("volunteer")
    db.session.commit()
    return user


@pytest.fixture
def coordinator_user(db):
    user = make_user("coordinator")
    db.session.commit()
    return user


@pytest.fixture
def nonprofit_client(app, nonprofit_user) -> FlaskClient:
    return sign_in(app.test_client(), nonprofit_user)


@pytest.fixture
def volunteer_client(app, volunteer_user) -> FlaskClient:
    return sign_in(app.test_client(), volunteer_user)


@pytest.fixture
def coordinator_client(app, coordinator_user) -> FlaskClient:
    return sign_in(app.test_client(), coordinator_user)


@pytest.fixture
def api_token():
    """Issue a bearer token for a user: `api_token(user)` → headers for the test client."""
    from app.core.accounts.services import issue_api_token

    def issue(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_api_token(user)}"}

    return issue


@pytest.fixture(scope="session")
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture(scope="session")
def redis_url(test_config) -> str:
    """The local Redis for job tests. In CI a missing Redis fails the run; it is never skipped."""
    import redis

    url = test_config.TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as error:
        raise RuntimeError(f"Redis is not reachable at {url}: start it (make services)") from error
    return url


def is_postgres() -> bool:
    return (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")

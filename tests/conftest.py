"""Fixtures: app, db, client, runner, users, one signed-in client per role, API calls and sent mail.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set (make test runs
both). The schema is built once per session by the real migrations; each test ends with every table
emptied, so tests may commit, use threads or start processes against the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig
from app.core.accounts.services import issue_api_token
from app.extensions import db as database
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import call_api, empty_all_tables, reset_rate_limits, sign_in

pytest_plugins = ["tests.browser", "tests.catalogues", "tests.workers"]


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
    with app.app_context():
        if database.engine.dialect.name == "postgresql":
            with database.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            database.drop_all()
            with database.engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        database.engine.dispose()


@pytest.fixture(scope="session")
def app(test_config) -> Iterator[Flask]:
    application = create_app(test_config)

    application.test_client_class = IsolatedClient
    reset_schema(application)
    yield application
    with application.app_context():
        database.engine.dispose()


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    """Every test runs inside an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        empty_all_tables()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app: Flask) -> Iterator[None]:
    """Each test starts with every rate limit at zero, and leaves it so."""
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.fixture(autouse=True)
def fresh_search_index(app: Flask, tmp_path_factory, monkeypatch) -> None:
    """Every test starts without a search index, as with empty tables (it is built on first need)."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path_factory.mktemp("search-index")))


@pytest.fixture
def db(app: Flask):
    return database


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


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

    def issue(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_api_token(user)}"}

    return issue


@pytest.fixture
def call(client: FlaskClient) -> Callable:
    """`call(user, method, path, json=...)` → the API's answer to `/api/v1{path}`, in English, with the
    user's bearer token (none for `user=None`)."""

    def send(user, method: str, path: str, **kwargs):
        return call_api(client, method, path, token=issue_api_token(user) if user is not None else None,
                        **kwargs)

    return send


@pytest.fixture
def sent_mail(app: Flask) -> Iterator[list]:
    """What the locmem mail backend sent during the test.

    locmem appends to `app.extensions["mailman"].outbox`; `mail.outbox` on the unbound extension
    object is always None, so read the app's state.
    """
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
    state.outbox = []


@pytest.fixture
def build_app(test_config) -> Iterator[Callable[..., Flask]]:
    """Build another app on the test database with some settings changed: `build_app(KEY=value)`.

    For what the shared session app can't do: other settings (a Redis for jobs, say), or routes
    added before its first request. Its database engine is disposed afterwards.
    """
    built: list[Flask] = []

    def build(**settings) -> Flask:
        config = type("AdjustedTestConfig", (test_config,), settings)
        application = create_app(config)
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            database.session.remove()
            database.engine.dispose()


@pytest.fixture(scope="session")
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture(scope="session")
def redis_url(test_config) -> str:
    """The local Redis for job tests. In CI a missing Redis fails the run; it is never skipped."""
    url = test_config.TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as error:
        raise RuntimeError(f"Redis is not reachable at {url}: start it (make services)") from error
    return url


def is_postgres() -> bool:
    return (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")

"""Configuration: embedded defaults, the generated secret, SQLite pragmas and production refusals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import Config


def make_config(tmp_path, **overrides) -> type[Config]:
    attributes = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None,
                  "REDIS_URL": None, "SEARCH_INDEX_DIR": None, **overrides}
    return type("OverriddenConfig", (Config,), attributes)


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_config(tmp_path, ENV_NAME="production"))


def test_production_sets_secure_cookies(tmp_path) -> None:
    app = create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY="x" * 40,
                                 PUBLIC_URL="https://codebridge.example"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_embedded_mode_generates_and_keeps_a_secret(tmp_path) -> None:
    first = create_app(make_config(tmp_path))
    second = create_app(make_config(tmp_path))
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_embedded_defaults_live_in_the_instance_folder(tmp_path) -> None:
    app = create_app(make_config(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'codebridge.db'}"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_plain_postgres_urls_use_the_psycopg3_driver(tmp_path) -> None:
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql://u@h/db"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    from app.extensions import db

    app = create_app(make_config(tmp_path))
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000
        db.engine.dispose()

"""Configuration built from the environment; the only module that reads os.environ."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_list(name: str) -> list[str] | None:
    value = _env(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for a real run. Unset values get embedded defaults in `app.load_config`."""

    ENV_NAME = _env("CODEBRIDGE_ENV", "development")  # "production" turns on the strict checks
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    REDIS_URL = _env("REDIS_URL")
    SEARCH_INDEX_DIR = _env("SEARCH_INDEX_DIR")
    # Whole search results kept per index version and process (0: none; the benchmark measures both).
    SEARCH_RESULT_CACHE_SIZE = int(_env("SEARCH_RESULT_CACHE_SIZE", "512") or 0)
    CONTENT_DIR = _env("CONTENT_DIR", str(PROJECT_ROOT))
    PORT = int(_env("PORT", "5000") or 5000)
    # The site's address: every absolute link (e-mails above all) is built on it, never on the
    # request's Host header. Required in production; embedded default http://127.0.0.1:$PORT.
    PUBLIC_URL = _env("PUBLIC_URL")
    # Host names the site answers to; others get 400. In production it defaults to PUBLIC_URL's host.
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")
    INSTANCE_PATH: str | None = _env("INSTANCE_PATH")

    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MiB, per the API contract; uploads get their own limit
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI")
    RATELIMIT_HEADERS_ENABLED = True
    # With Redis as the limiter's store, a down Redis must not turn sign-in into a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS: ClassVar[dict] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    SIGN_IN_RATE_LIMIT = "10 per minute"  # per address and e-mail: guesses at one account
    # Per address, failed attempts only: one guess at each of many accounts (spraying) stops here.
    SIGN_IN_FAILURE_LIMIT = "50 per 10 minutes"
    # Per address. Generous: engineers at a matching event sign up on the spot from one network.
    SIGN_UP_RATE_LIMIT = _env("SIGN_UP_RATE_LIMIT", "60 per hour")
    # Web processes sharing the limits (gunicorn reads the same variable); during a Redis outage
    # each process enforces its share of every limit.
    WEB_CONCURRENCY = int(_env("WEB_CONCURRENCY", "1") or 1)
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"  # noqa: S105 (a rate, not a password)

    MAIL_BACKEND = _env("MAIL_BACKEND", "console")  # console | smtp | locmem
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = int(_env("MAIL_PORT", "25") or 25)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Codebridge 码桥 <noreply@codebridge.local>")

    # Seconds. With redis-py's defaults a down Redis held an enqueue for about 4 s before it failed;
    # this keeps a web request that touches Redis fast while Redis is down.
    REDIS_SOCKET_TIMEOUT = 0.5
    JOB_RETRY_INTERVALS = (10, 60, 300)
    WORKER_TTL = 20
    PASSWORD_RESET_MAX_AGE = 3600
    API_TOKEN_DAYS = 90
    LIVE_CLAIM_LIMIT = 3
    HOURLY_VALUE_YUAN = 300
    DEMO_PASSWORD = _env("DEMO_PASSWORD", "codebridge-demo")
    TESTING = False

    @property
    def is_production(self) -> bool:
        return self.ENV_NAME == "production"


class TestConfig(Config):
    """Tests: a throwaway instance folder, CSRF off, mail kept in memory, no Redis unless asked."""

    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL")
    REDIS_URL = None
    TEST_REDIS_URL = _env("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "locmem"
    SEARCH_INDEX_DIR = None
    CONTENT_DIR = str(PROJECT_ROOT)
    SERVER_NAME = None
    PUBLIC_URL = "http://localhost"
    TRUSTED_HOSTS = None
    CI = _env_bool("CI")

"""Codebridge (码桥): the application factory."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, request

from app.config import Config
from app.core.urls import PublicUrlFlask

log = logging.getLogger(__name__)


def create_app(config: type[Config] | None = None) -> Flask:
    """Build the app in named steps; nothing here migrates, touches the network or writes the index."""
    config = config or Config
    app = PublicUrlFlask(__name__, template_folder="../templates", instance_relative_config=True,
                         instance_path=config.INSTANCE_PATH or None)
    load_config(app, config)
    configure_logging(app)
    init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_request_hooks(app)
    register_cli(app)
    return app


def load_config(app: Flask, config: type[Config]) -> None:
    """Read the config class, then fill embedded defaults that live in the instance folder."""
    app.config.from_object(config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'codebridge.db'}"
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production (CODEBRIDGE_ENV=production).")
        app.config["SECRET_KEY"] = _persistent_secret(instance / "secret_key")
    if app.config["ENV_NAME"] == "production":
        if not app.config.get("PUBLIC_URL"):
            raise RuntimeError("PUBLIC_URL must be set in production (CODEBRIDGE_ENV=production): "
                               "links in e-mails are built on it.")
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        if not app.config.get("TRUSTED_HOSTS"):
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["PUBLIC_URL"]).hostname]
    if not app.config.get("PUBLIC_URL"):
        app.config["PUBLIC_URL"] = f"http://127.0.0.1:{app.config['PORT']}"
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config["CONTENT_DIR"] = str(Path(app.config["CONTENT_DIR"]).resolve())
    app.config["UPLOAD_DIR"] = str(instance / "uploads")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgres://", "postgresql+psycopg://", 1)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)


def _persistent_secret(path: Path) -> str:
    """A random secret generated once and kept in the instance folder (embedded mode only)."""
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def configure_logging(app: Flask) -> None:
    # Warnings and errors by default, so commands show their progress bars and summaries cleanly;
    # the request log of the development server and the worker's job log stay at INFO.
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.WARNING,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("werkzeug").setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_extensions(app: Flask) -> None:
    from flask_talisman import Talisman

    from app.core import i18n, sqlite
    from app.core.jobs.services import runner
    from app.core.mail import init_mail
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    sqlite.install_pragmas()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(app.root_path) / "translations"))
    limiter.init_app(app)
    init_mail(app)  # maps MAIL_BACKEND console|locmem|smtp onto flask-mailman
    runner.init_app(app)
    login_manager.init_app(app)
    from app.core.accounts import auth  # noqa: F401  (registers the user loaders)

    # One Talisman per app: the extension keeps its options (and the app) on itself, so a shared
    # instance would carry one app's force_https into another app in the same process.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["ENV_NAME"] == "production",
        strict_transport_security=app.config["ENV_NAME"] == "production",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy={"default-src": "'self'", "img-src": ["'self'", "data:"],
                                 "style-src": "'self'", "script-src": "'self'",
                                 "object-src": "'none'", "base-uri": "'self'",
                                 "frame-ancestors": "'none'", "form-action": "'self'"},
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )


def register_blueprints(app: Flask) -> None:
    from app.core import bp as core_bp
    from app.core.api import bp as api_bp
    from app.extensions import csrf
    from app.requests import bp as requests_bp
    from app.search import bp as search_bp
    from app.volunteers import bp as volunteers_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(requests_bp)
    app.register_blueprint(volunteers_bp)
    app.register_blueprint(search_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies
    if app.config.get("REDIS_URL"):
        from app.core.jobs.dashboard import mount_rq_dashboard

        mount_rq_dashboard(app)


def register_error_handlers(app: Flask) -> None:
    from app.core.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.core.templating import init_templating

    init_templating(app)


def register_request_hooks(app: Flask) -> None:
    from app.core.i18n import vary_by_negotiated_language

    app.after_request(vary_by_negotiated_language)

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or secrets.token_hex(6)  # 12 hex digits

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response


def register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)

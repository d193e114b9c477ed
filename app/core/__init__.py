"""Core: accounts, roles, policy, jobs, outbox, mail, audit, i18n, API plumbing and errors."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import health, views, views_notifications  # noqa: E402,F401

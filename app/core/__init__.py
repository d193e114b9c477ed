"""Core: accounts, roles, policy, jobs, outbox, mail, audit, i18n, API plumbing and errors."""

from flask import Blueprint

bp = Blueprint("core", __name__)

# Every subject registers its pages, API routes, jobs and signal handlers when imported.
import app.core.accounts.views  # noqa: E402
import app.core.audit.views  # noqa: E402
import app.core.dashboard.views  # noqa: E402
import app.core.health  # noqa: E402
import app.core.notifications.views  # noqa: E402
import app.core.views  # noqa: E402,F401

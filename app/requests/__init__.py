"""The requests feature: organisations, help requests, intake, specs, status machine, timeline."""

from flask import Blueprint

bp = Blueprint("requests", __name__)

# Every subject registers its pages, API routes, jobs and signal handlers when imported.
import app.requests.intake.api  # noqa: E402
import app.requests.intake.views  # noqa: E402
import app.requests.models  # noqa: E402
import app.requests.organizations.api  # noqa: E402
import app.requests.organizations.policy  # noqa: E402
import app.requests.organizations.views  # noqa: E402
import app.requests.pages.views  # noqa: E402
import app.requests.policy  # noqa: E402
import app.requests.review.api  # noqa: E402
import app.requests.review.views  # noqa: E402
import app.requests.stats  # noqa: E402,F401

"""The volunteers feature: profiles, skills, claims, check-ins, delivery, reviews, matching events."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__)

# Every subject registers its pages, API routes, jobs, signal handlers and access rules when imported.
import app.volunteers.claims.api  # noqa: E402
import app.volunteers.claims.jobs  # noqa: E402
import app.volunteers.claims.policy  # noqa: E402
import app.volunteers.claims.subscriptions  # noqa: E402
import app.volunteers.claims.views  # noqa: E402
import app.volunteers.delivery.api  # noqa: E402
import app.volunteers.delivery.policy  # noqa: E402
import app.volunteers.delivery.views  # noqa: E402
import app.volunteers.events.api  # noqa: E402
import app.volunteers.events.board.api  # noqa: E402
import app.volunteers.events.board.views  # noqa: E402
import app.volunteers.events.policy  # noqa: E402
import app.volunteers.events.registrations.api  # noqa: E402
import app.volunteers.events.registrations.views  # noqa: E402
import app.volunteers.events.views  # noqa: E402
import app.volunteers.impact.api  # noqa: E402
import app.volunteers.milestones.api  # noqa: E402
import app.volunteers.milestones.policy  # noqa: E402
import app.volunteers.milestones.views  # noqa: E402
import app.volunteers.models  # noqa: E402
import app.volunteers.profiles.api  # noqa: E402
import app.volunteers.profiles.views  # noqa: E402
import app.volunteers.progress.api  # noqa: E402
import app.volunteers.progress.jobs  # noqa: E402
import app.volunteers.progress.policy  # noqa: E402
import app.volunteers.progress.views  # noqa: E402
import app.volunteers.recommendations.api  # noqa: E402
import app.volunteers.recommendations.views  # noqa: E402
import app.volunteers.reviews.api  # noqa: E402
import app.volunteers.reviews.views  # noqa: E402
import app.volunteers.stats  # noqa: E402,F401

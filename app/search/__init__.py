"""The search feature: the engine behind one face, finding requests, index upkeep, saved searches."""

from flask import Blueprint

bp = Blueprint("search", __name__)

# Every subject registers its pages, API routes, jobs and signal handlers when imported.
import app.search.find.api  # noqa: E402
import app.search.find.views  # noqa: E402
import app.search.indexing.health  # noqa: E402
import app.search.indexing.jobs  # noqa: E402
import app.search.indexing.subscriptions  # noqa: E402
import app.search.models  # noqa: E402
import app.search.saved.api  # noqa: E402
import app.search.saved.jobs  # noqa: E402
import app.search.saved.views  # noqa: E402,F401

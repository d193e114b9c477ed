"""Whether search can answer, for /healthz, and the rebuild scheduled when it can't.

Registered as app.extensions["search_health"] (read by app.core.health). Nothing touches the index
at start-up: the first health check or search that finds no usable index enqueues one rebuild job
(queue "index"); in embedded mode it runs right after that commit.
"""

from __future__ import annotations

import logging

from flask.blueprints import BlueprintSetupState

from app.extensions import db
from app.search import bp, engine
from app.search.indexing import documents
from app.search.indexing.rebuilds import schedule_rebuild

log = logging.getLogger(__name__)


def search_health() -> str:
    """"ok", "missing", "rebuilding" or "corrupt"; schedules a rebuild for a missing or corrupt index.

    An absent index while no request is listed is a true (empty) index: "ok". Never raises.
    """
    try:
        status = engine.status()
        if status in ("missing", "corrupt"):
            if status == "missing" and not documents.any_listed():
                return "ok"
            if schedule_rebuild():
                status = engine.status()  # embedded mode rebuilt it already
        return status
    except Exception:  # health must answer; the log has the cause
        db.session.rollback()
        log.exception("search health check failed")
        return "corrupt"


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("search_health", search_health)

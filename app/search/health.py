"""Whether search can answer, for /healthz, and the rebuild scheduled when it can't.

Registered as app.extensions["search_health"] (read by app.core.health). Nothing touches the index
at start-up: the first health check or search that finds no usable index enqueues one rebuild job
(queue "index"); in embedded mode it runs right after that commit.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask.blueprints import BlueprintSetupState

from app.core.jobs import enqueue
from app.core.models import OutboxJob
from app.extensions import db
from app.search import bp, documents, index

log = logging.getLogger(__name__)

REBUILD_JOB = "app.search.jobs.rebuild_search_index"


def search_health() -> str:
    """"ok", "missing", "rebuilding" or "corrupt"; schedules a rebuild for a missing or corrupt index.

    An absent index while no request is listed is a true (empty) index: "ok". Never raises.
    """
    try:
        status = index.index_status()
        if status in ("missing", "corrupt"):
            if status == "missing" and not documents.any_listed():
                return "ok"
            if schedule_rebuild():
                status = index.index_status()  # embedded mode rebuilt it already
        return status
    except Exception:  # health must answer; the log has the cause
        db.session.rollback()
        log.exception("search health check failed")
        return "corrupt"


def schedule_rebuild() -> bool:
    """Enqueue one rebuild job unless one is already waiting; True when this call enqueued it.

    Commits only its own outbox row, and only when the session holds no other pending change;
    otherwise it leaves the scheduling to the next caller.
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        return False
    waiting = db.session.scalar(sa.select(OutboxJob.id).where(
        OutboxJob.name == REBUILD_JOB, OutboxJob.status.in_(("pending", "enqueued"))).limit(1))
    if waiting is not None:
        return False
    enqueue(REBUILD_JOB, queue="index")
    db.session.commit()
    log.info("search index rebuild scheduled")
    return True


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("search_health", search_health)

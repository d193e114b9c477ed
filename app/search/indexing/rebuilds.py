"""Scheduling a rebuild of the search index: one job on the `index` queue, never two waiting.

Below both the health check and the index, which each ask for a rebuild when they find the index
unusable.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.core.jobs.services import enqueue
from app.core.models import OutboxJob
from app.extensions import db

log = logging.getLogger(__name__)

REBUILD_JOB = "app.search.indexing.jobs.rebuild_search_index"


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

"""Index jobs (queue "index", one worker): they take ids, re-read the database, and are idempotent."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask.blueprints import BlueprintSetupState

from app.search import bp, engine

log = logging.getLogger(__name__)


def update_request_index(request_id: int) -> None:
    """Make the index match the request as the database has it now: listed, replaced or removed.

    Safe to run any number of times, in any order: it writes the latest committed state. Rebuilds
    the index first when it is missing or corrupt. Raises whoosh's LockError only when the index
    stayed locked for the writer's whole timeout (the job is then retried).
    """
    listed = bool(engine.index_documents([request_id]))
    log.info("search index: request %s %s", request_id, "indexed" if listed else "not listed (removed)")


def remove_request_from_index(request_id: int) -> None:
    """Take a request out of the index whatever the database says (for requests deleted outright)."""
    engine.remove_documents([request_id])
    log.info("search index: request %s removed", request_id)


def rebuild_search_index() -> None:
    """Rebuild the index from the database if it is (still) missing or corrupt when the job runs.

    Scheduled on first need (a search or /healthz finding no usable index). A usable index by the
    time the job holds the rebuild lock means another rebuild got there first: nothing is done.
    """
    summary = engine.rebuild(only_if_unusable=True)
    log.info("%s", summary.line())


def warm_up_index_worker(queue_names: Sequence[str]) -> None:
    """Load jieba's dictionary and the converters in a worker serving "index", before rq forks.

    Each job runs in a forked work-horse: without this, every index job would load the
    dictionary again (about a second).
    """
    if "index" in queue_names:
        engine.warm_up()


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("worker_warm_ups", []).append(warm_up_index_worker)

"""Search follows the requests feature through its signals: each listing change enqueues an index job.

The signals are sent inside the transaction that makes the change (app.requests.signals), so the
job's outbox row commits or rolls back with it, and runs after the commit (inline without Redis,
on the `index` queue with it). Connected once per process when `app.search` is imported.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.core.jobs.services import enqueue
from app.extensions import db
from app.requests import signals
from app.requests.models import HelpRequest, Organization
from app.search.indexing.documents import LISTED_STATUSES

UPDATE_JOB = "app.search.indexing.jobs.update_request_index"
_QUEUED = "search_index_jobs_queued"  # session.info: (transaction, request ids queued in it)


def enqueue_index_update(help_request: HelpRequest) -> None:
    """Add an index update for the request to the current transaction (once per transaction).

    Does not commit: the caller's commit carries the job, and a rollback drops it.
    """
    if help_request.id is None:
        db.session.flush()  # the job names the request by id
    _enqueue_update_of(help_request.id)


def _enqueue_update_of(request_id: int) -> None:
    session = db.session()  # the scoped session's current Session
    transaction = session.get_transaction()
    queued = session.info.get(_QUEUED)
    if queued is None or queued[0] is not transaction:
        queued = session.info[_QUEUED] = (transaction, set())
    if request_id in queued[1]:
        return
    queued[1].add(request_id)
    enqueue(UPDATE_JOB, request_id, queue="index")


@signals.request_published.connect
def _on_published(sender: Any, help_request: HelpRequest, **extra: Any) -> None:
    enqueue_index_update(help_request)


@signals.spec_updated.connect
def _on_spec_updated(sender: Any, help_request: HelpRequest, **extra: Any) -> None:
    if help_request.status in LISTED_STATUSES:
        enqueue_index_update(help_request)


@signals.request_status_changed.connect
def _on_status_changed(sender: Any, help_request: HelpRequest, from_status: str, to_status: str,
                       **extra: Any) -> None:
    # Moves between unlisted states (draft ⇄ intake, intake → withdrawn) never touch the index.
    if from_status in LISTED_STATUSES or to_status in LISTED_STATUSES:
        enqueue_index_update(help_request)


@signals.request_seats_changed.connect
def _on_seats_changed(sender: Any, help_request: HelpRequest, **extra: Any) -> None:
    if help_request.status in LISTED_STATUSES:
        enqueue_index_update(help_request)


@signals.organization_updated.connect
def _on_organization_updated(sender: Any, organization: Organization, **extra: Any) -> None:
    # Every listing shows its organisation's name, region, causes and badge.
    listed = db.session.scalars(
        sa.select(HelpRequest.id).where(HelpRequest.organization_id == organization.id,
                                        HelpRequest.status.in_(LISTED_STATUSES)))
    for request_id in listed:
        _enqueue_update_of(request_id)

"""Saved-search digests: each due saved search gets the requests published since its last digest.

The periodic duty `search_digests` claims each due saved search with a conditional UPDATE of
`last_sent_at` (so two ticks, or two workers, never claim the same period twice) and enqueues
`send_digest` with the period it covers, in the same transaction. The job finds the open
requests published in that period that match the search and, if there are any, adds an in-app
notification and an e-mail of kind `digests` (which the user may turn off) in one commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for

from app.core.db import utcnow
from app.core.i18n import N_
from app.core.jobs.services import enqueue, periodic
from app.core.mail import send_email
from app.core.models import Notification, User
from app.extensions import db
from app.search.find.params import SearchParams
from app.search.find.queries import search_requests
from app.search.models import SavedSearch
from app.search.saved.queries import saved_search_url

log = logging.getLogger(__name__)

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DIGEST_ITEMS_MAX = 20
CLAIMS_PER_TICK = 500  # the rest wait for the next tick (about ten seconds later)
SEND_JOB = "app.search.saved.jobs.send_digest"
NOTIFICATION_KIND = "search_digest"
SUBJECT = N_("New projects for your saved search “%(name)s”")


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Saved searches whose period has passed since their last digest (or since they were saved)."""
    conditions = []
    for frequency, period in PERIODS.items():
        cutoff = now - period
        conditions.append(sa.and_(
            SavedSearch.frequency == frequency,
            sa.or_(SavedSearch.last_sent_at <= cutoff,
                   sa.and_(SavedSearch.last_sent_at.is_(None), SavedSearch.created_at <= cutoff))))
    return sa.or_(*conditions)


@periodic("search_digests")
def queue_due_digests() -> str:
    """Duty: claim every due saved search and enqueue its digest; returns how many were queued.

    Idempotent: a claimed search is not due again until its next period, so running the tick
    twice queues nothing twice. Blocked users get no digest (their searches are skipped, not claimed).
    """
    now = utcnow()
    rows = db.session.execute(
        sa.select(SavedSearch.id, SavedSearch.last_sent_at, SavedSearch.created_at)
        .join(User, User.id == SavedSearch.user_id)
        .where(_due(now), User.is_blocked.is_(False))
        .order_by(SavedSearch.id).limit(CLAIMS_PER_TICK)).all()
    queued = 0
    for saved_search_id, last_sent_at, created_at in rows:
        claimed = db.session.execute(
            sa.update(SavedSearch).where(SavedSearch.id == saved_search_id, _due(now))
            .values(last_sent_at=now)).rowcount
        if claimed:
            since = last_sent_at or created_at
            enqueue(SEND_JOB, saved_search_id, since.isoformat(), now.isoformat())
            queued += 1
    db.session.commit()
    return f"{queued} digest(s) queued"


def digest_matches(saved_search: SavedSearch, user: User, since: datetime, until: datetime) -> list:
    """The open requests published in (since, until] that match the saved search, newest first."""
    params = SearchParams.from_saved(saved_search.query, saved_search.filters, status="open",
                                     sort="newest", per_page=100, published_after=since)
    found = search_requests(params, user, relax=False)
    matches = [r for r in found.items if r.published_at is not None and r.published_at <= until]
    return matches[:DIGEST_ITEMS_MAX]


def send_digest(saved_search_id: int, since: str, until: str) -> None:
    """Job: tell the saved search's owner about the requests published in (since, until] that match.

    Adds one notification and one `digests` e-mail (not sent if the user turned digests off) and
    commits; sends nothing when nothing new matches, the search was deleted or the user is blocked.
    Runs once per claimed period (the outbox never re-runs a finished job).
    """
    saved_search = db.session.get(SavedSearch, saved_search_id)
    if saved_search is None:
        return
    user = saved_search.user
    if user.is_blocked:
        return
    start, end = datetime.fromisoformat(since), datetime.fromisoformat(until)
    matches = digest_matches(saved_search, user, start, end)
    if not matches:
        log.info("saved search %s: nothing new since %s", saved_search_id, since)
        return
    link = saved_search_url(saved_search)
    db.session.add(Notification(user_id=user.id, kind=NOTIFICATION_KIND, link=link, params={
        "saved_search_id": saved_search.id, "name": saved_search.name, "count": len(matches),
        "request_ids": [r.id for r in matches]}))
    send_email(user, "digests", SUBJECT, "saved/search_digest",
               subject_params={"name": saved_search.name},
               saved_search=saved_search, matches=matches,
               search_url=saved_search_url(saved_search, external=True),
               request_urls={r.id: url_for("requests.view_request", request_id=r.id, _external=True)
                             for r in matches})
    db.session.commit()

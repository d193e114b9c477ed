"""GET /healthz: whether the database, the job queue and the search index answer, within about a second."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core import bp
from app.core.api.fields import choice
from app.core.api.plumbing import api_route
from app.core.api.schema import Field, Schema
from app.core.jobs.services import runner
from app.extensions import db, limiter

# A down or unreachable Redis must not hold the answer up: one try, a short timeout, no retries.
REDIS_HEALTH_TIMEOUT = 0.3

HEALTH = Schema(
    "Health",
    choice("status", ("ok", "down"), required=True),
    choice("database", ("ok", "down"), required=True),
    choice("queue", ("ok", "inline", "down"), required=True,
           description="inline: no Redis configured, jobs run in the web process."),
    Field("search", required=True, max_length=20),
)


def database_status() -> str:
    """"ok" when the database answers a trivial query, "down" otherwise (never raises)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "down"


def queue_status() -> str:
    """"inline" without REDIS_URL, "ok" when Redis answers a PING quickly, "down" otherwise."""
    if runner.is_inline:
        return "inline"
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = Redis.from_url(runner.redis_url, socket_timeout=REDIS_HEALTH_TIMEOUT,
                            socket_connect_timeout=REDIS_HEALTH_TIMEOUT, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
        return "ok"
    except Exception:  # any Redis failure means the queue is down; the answer says so
        return "down"
    finally:
        client.close()


def search_status() -> str:
    """What the search feature reports through app.extensions["search_health"], "ok" if it is silent."""
    checker = current_app.extensions.get("search_health")
    return checker() if checker else "ok"


@api_route("/healthz", ["GET"], summary=_l("Whether the database, job queue and search answer"),
           response=HEALTH, blueprint=bp, tags=["meta"],
           responses={503: _l("The database does not answer.")})
@limiter.exempt
def healthz():
    statuses = {"database": database_status(), "queue": queue_status(), "search": search_status()}
    healthy = statuses["database"] == "ok"
    body = {"status": "ok" if healthy else "down", **statuses}
    return body, 200 if healthy else 503

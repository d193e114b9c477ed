"""GET /healthz: whether the database, the job queue and the search index answer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify

from app.core import bp
from app.core.jobs import runner
from app.extensions import db, limiter


def database_status() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "down"


def queue_status() -> str:
    if runner.is_inline:
        return "inline"
    try:
        runner.connection().ping()
        return "ok"
    except Exception:  # any Redis failure means the queue is down; the answer says so
        return "down"


def search_status() -> str:
    checker = current_app.extensions.get("search_health")
    return checker() if checker else "ok"


@bp.get("/healthz")
@limiter.exempt
def healthz():
    statuses = {"database": database_status(), "queue": queue_status(), "search": search_status()}
    healthy = statuses["database"] == "ok"
    body = {"status": "ok" if healthy else "down", **statuses}
    return jsonify(body), 200 if healthy else 503

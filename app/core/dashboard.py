"""rq-dashboard, mounted at /admin/jobs only when Redis is configured, for coordinators only."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from app.core.errors import NotAllowed


def mount_rq_dashboard(app: Flask) -> None:
    import rq_dashboard

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    rq_dashboard.web.setup_rq_connection(app)

    @rq_dashboard.blueprint.before_request
    def coordinators_only():
        if not current_user.is_authenticated or not current_user.is_coordinator:
            raise NotAllowed()

    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/admin/jobs")

"""rq-dashboard, mounted at /admin/jobs only when Redis is configured, for coordinators only."""

from __future__ import annotations

import inspect

from flask import Flask, request

from app.core.accounts.current import signed_in_user
from app.core.errors import NotAllowed

# rq-dashboard's pages carry inline scripts and styles; only its own views get this looser policy.
DASHBOARD_CSP = {"default-src": "'self'", "script-src": ["'self'", "'unsafe-inline'"],
                 "style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:"],
                 "object-src": "'none'", "frame-ancestors": "'none'"}


def mount_rq_dashboard(app: Flask) -> None:
    """Serve rq-dashboard at /admin/jobs; anyone but a signed-in coordinator gets 403."""
    import rq_dashboard

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/admin/jobs")

    @app.before_request
    def coordinators_only_on_the_job_dashboard() -> None:
        if request.blueprint == "rq_dashboard" and not getattr(signed_in_user(), "is_coordinator", False):
            raise NotAllowed()

    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("rq_dashboard.") and inspect.isfunction(view):  # not its static files
            view.talisman_view_options = {"content_security_policy": DASHBOARD_CSP}

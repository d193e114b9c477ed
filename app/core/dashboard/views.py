"""The dashboard: each signed-in user's panels, chosen by role (app.core.dashboard.panels)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from app.core import bp
from app.core.accounts.current import signed_in_user
from app.core.dashboard import panels as dashboard_panels
from app.core.policy import signed_in_required
from app.core.templating import nav_link

nav_link("core.dashboard", _l("My dashboard"), order=10)


@bp.get("/dashboard")
@signed_in_required
def dashboard() -> str:
    panels = dashboard_panels.render_panels(signed_in_user())
    return render_template("core/dashboard/dashboard.html", panels=panels)

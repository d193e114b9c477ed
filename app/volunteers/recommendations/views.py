"""Views: the volunteer's recommended projects, as a dashboard panel and as a page of their own."""

from __future__ import annotations

from flask import render_template

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.models import User
from app.core.policy import roles_required
from app.core.templating import current_locale
from app.volunteers import bp
from app.volunteers.recommendations.queries import load_profile, recommendations_for

PANEL_SIZE = 3
PAGE_SIZE = 20



@dashboard_panel("volunteer", order=20)
def recommendations_panel(user: User) -> PanelResult:
    """The three open requests that suit the volunteer best, with why; or what to do to get some."""
    recommended = recommendations_for(user, current_locale(), limit=PANEL_SIZE + 1)
    return "volunteers/recommendations/_recommendations_panel.html", {
        "recommended": recommended[:PANEL_SIZE], "has_more": len(recommended) > PANEL_SIZE,
        "has_profile": bool(recommended) or load_profile(user) is not None}


@bp.get("/recommendations")
@roles_required("volunteer")
def recommended_projects() -> str:
    user = signed_in_user()
    recommended = recommendations_for(user, current_locale(), limit=PAGE_SIZE)
    has_profile = bool(recommended) or load_profile(user) is not None
    return render_template("volunteers/recommendations/recommendations.html", recommended=recommended,
                           has_profile=has_profile)

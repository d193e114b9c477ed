"""Progress pages: the request page's progress panel, posting and answering check-ins, needs attention."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.forms import submit_form
from app.core.models import User
from app.core.policy import can, roles_required, signed_in_required
from app.core.templating import nav_link
from app.requests.models import HelpRequest
from app.requests.pages.views import request_page_panel
from app.requests.policy import visible_request_or_404
from app.volunteers import bp
from app.volunteers.milestones.forms import MilestoneDoneForm, MilestoneForm
from app.volunteers.milestones.queries import progress_of
from app.volunteers.progress import queries, services
from app.volunteers.progress.forms import CheckInForm, NudgeForm, ReplyForm

PROGRESS_STATUSES = ("in_progress", "in_review", "delivered")
STATUS_NAMES = {"on_track": _l("On track"), "at_risk": _l("At risk"), "blocked": _l("Blocked")}

nav_link("volunteers.needs_attention", _l("Needs attention"), roles=("coordinator",), order=40)


@bp.app_template_global()
def checkin_status_name(status: str) -> str:
    """On track, at risk or blocked, in the page's language."""
    return str(STATUS_NAMES.get(status, status))


def _back(help_request: HelpRequest, anchor: str = "progress") -> Response:
    return redirect(url_for("requests.view_request", request_id=help_request.id, _anchor=anchor))


def _first_message(error: Invalid | Conflict) -> str:
    return next(iter(getattr(error, "fields", {}).values()), error.message)


@request_page_panel(order=20)
def progress_panel(viewer: User | None, help_request: HelpRequest) -> PanelResult:
    """Milestones with a progress bar (overdue ones marked), the latest check-ins and their answers."""
    progress = progress_of(help_request, utcnow().date())
    if help_request.status not in PROGRESS_STATUSES and not progress.milestones:
        return None
    signed_in = viewer is not None
    insider = signed_in and can(viewer, "checkin.see_private", help_request)
    return "volunteers/progress/_progress_panel.html", {
        "help_request": help_request, "progress": progress,
        "checkins": queries.recent_checkins(help_request),
        "insider": insider, "can_reply": insider,
        "can_post": signed_in and help_request.status in services.CHECKIN_REQUEST_STATUSES
        and can(viewer, "checkin.create", help_request),
        "can_plan": signed_in and can(viewer, "milestone.manage", help_request),
        "schedule": queries.schedule_of(help_request) if help_request.status == "in_progress" else None,
        "milestone_form": MilestoneForm(), "done_form": MilestoneDoneForm(), "reply_form": ReplyForm()}


@bp.route("/requests/<int:request_id>/checkins/new", methods=["GET", "POST"])
@signed_in_required
def post_checkin(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    form = CheckInForm()
    if request.method == "GET" and not can(user, "checkin.create", help_request):
        flash(_("Only the request's accepted team members post check-ins."), "error")
        return _back(help_request)
    submission = submit_form(form, lambda: services.post_checkin(help_request, user, **form.values()))
    if submission.is_done:
        flash(_("Check-in posted. The organisation can read it on the request page."), "success")
        return _back(help_request)
    return render_template("volunteers/progress/checkin_form.html", form=form, help_request=help_request,
                           schedule=queries.schedule_of(help_request)), submission.status


@bp.post("/checkins/<int:checkin_id>/replies")
@signed_in_required
def reply_to_checkin(checkin_id: int) -> Response:
    user = signed_in_user()
    checkin = queries.get_checkin(checkin_id, user)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()), [_("Write an answer.")])[0], "error")
    else:
        try:
            services.reply_to_checkin(checkin, user, form.body.data)
        except Invalid as error:
            flash(_first_message(error), "error")
        else:
            flash(_("Answer posted."), "success")
    return _back(checkin.help_request, f"checkin-{checkin.id}")


# --- coordinators ---------------------------------------------------------------------------------

@bp.get("/coordinator/needs-attention")
@roles_required("coordinator")
def needs_attention() -> str:
    projects = queries.needs_attention(signed_in_user())
    return render_template(
        "volunteers/progress/needs_attention.html", projects=projects, nudge_form=NudgeForm(),
        staff_of=queries.staff_contacts)


@bp.post("/requests/<int:request_id>/nudge")
@roles_required("coordinator")
def nudge_team(request_id: int) -> Response:
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    form = NudgeForm()
    if form.validate_on_submit():
        try:
            told = services.nudge_team(help_request, user, form.note.data)
        except (Invalid, Conflict) as error:
            flash(_first_message(error), "error")
        else:
            flash(_("The team of “%(title)s” was e-mailed (%(count)d people).", title=help_request.title,
                    count=told), "success")
    return redirect(url_for("volunteers.needs_attention"))


@dashboard_panel("coordinator", order=30)
def needs_attention_panel(user: User) -> PanelResult:
    """How many projects are stalled or overdue, with the most urgent few."""
    projects = queries.needs_attention(user)
    return "volunteers/progress/needs_attention_panel.html", {
        "projects": projects[:3], "total": len(projects),
        "stalled": sum(1 for p in projects if p.help_request.is_stalled)}

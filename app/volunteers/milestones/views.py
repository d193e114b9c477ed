"""Milestone actions from the request page's progress panel: plan one, tick one off."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.errors import Conflict, Invalid
from app.core.policy import signed_in_required
from app.requests.policy import visible_request_or_404
from app.volunteers import bp
from app.volunteers.milestones import queries, services
from app.volunteers.milestones.forms import MilestoneDoneForm, MilestoneForm


def _back(request_id: int) -> Response:
    return redirect(url_for("requests.view_request", request_id=request_id, _anchor="progress"))


@bp.post("/requests/<int:request_id>/milestones")
@signed_in_required
def add_milestone(request_id: int) -> Response:
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()), [_("Name the milestone.")])[0], "error")
        return _back(request_id)
    try:
        services.add_milestone(help_request, user, title=form.title.data, due_on=form.due_on.data)
    except (Invalid, Conflict) as error:
        flash(next(iter(getattr(error, "fields", {}).values()), error.message), "error")
    else:
        flash(_("Milestone added."), "success")
    return _back(request_id)


@bp.post("/milestones/<int:milestone_id>/done")
@signed_in_required
def complete_milestone(milestone_id: int) -> Response:
    user = signed_in_user()
    milestone = queries.get_milestone(milestone_id, user)
    if MilestoneDoneForm().validate_on_submit():
        services.mark_milestone(milestone, user, done=True)
        flash(_("Milestone done: “%(title)s”.", title=milestone.title), "success")
    return _back(milestone.request_id)

"""Delivery pages: the hand-over form, the organisation's answer, and the request page's Delivery panel."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult
from app.core.forms import submit_form
from app.core.models import User
from app.core.policy import can, require, signed_in_required
from app.requests.models import HelpRequest
from app.requests.pages.views import request_page_panel
from app.requests.policy import visible_request_or_404
from app.volunteers import bp
from app.volunteers.delivery import queries, services
from app.volunteers.delivery.forms import AcceptDeliveryForm, ChangesForm, DeliveryForm

PANEL_STATUSES = ("in_progress", "in_review", "delivered")


def _request_page(help_request: HelpRequest) -> Response:
    return redirect(url_for("requests.view_request", request_id=help_request.id, _anchor="delivery"))


@request_page_panel(order=40)
def delivery_panel(viewer: User | None, help_request: HelpRequest) -> PanelResult:
    """The hand-over: a link to deliver for the team, the answer forms for staff, the delivered work."""
    if help_request.status not in PANEL_STATUSES:
        return None
    can_deliver = help_request.status == "in_progress" and can(viewer, "request.deliver", help_request)
    can_answer = help_request.status == "in_review" and can(viewer, "request.answer_delivery", help_request)
    sees_notes = can(viewer, "request.read_handover", help_request)
    # While the team works again, earlier deliveries and the changes asked are for the people involved.
    shows_deliveries = sees_notes or help_request.status != "in_progress"
    deliveries = queries.deliveries_of(help_request) if shows_deliveries else []
    if not deliveries and not can_deliver:
        return None
    return "volunteers/delivery/delivery_panel.html", {
        "help_request": help_request, "deliveries": deliveries, "can_deliver": can_deliver,
        "can_answer": can_answer, "sees_notes": sees_notes, "accept_form": AcceptDeliveryForm(),
        "changes_form": ChangesForm()}


@bp.route("/requests/<int:request_id>/deliver", methods=["GET", "POST"])
@signed_in_required
def submit_delivery(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    require(user, "request.deliver", help_request)  # the form is only for the team
    form = DeliveryForm()
    submission = submit_form(form, lambda: services.submit_delivery(
        help_request, user, repository_url=form.repository_url.data, demo_url=form.demo_url.data,
        handover_notes=form.handover_notes.data))
    if submission.is_done:
        flash(_("The delivery is submitted. The organisation will accept it or ask for changes."), "success")
        return _request_page(help_request)
    return render_template(
        "volunteers/delivery/deliver.html", form=form, help_request=help_request), submission.status


@bp.post("/requests/<int:request_id>/delivery/accept")
@signed_in_required
def accept_delivery(request_id: int) -> Response:
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    form = AcceptDeliveryForm()
    if form.validate_on_submit():
        services.accept_delivery(help_request, user)
        flash(_("The delivery is accepted and the project is delivered. Thank the team with a review."),
              "success")
    return _request_page(help_request)


@bp.route("/requests/<int:request_id>/delivery/changes", methods=["GET", "POST"])
@signed_in_required
def request_delivery_changes(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    require(user, "request.answer_delivery", help_request)  # the form is only for staff
    form = ChangesForm()
    submission = submit_form(form, lambda: services.request_changes(
        help_request, user, form.body.data))
    if submission.is_done:
        flash(_("The team is told what to change; the project is back in progress."), "success")
        return _request_page(help_request)
    page = render_template("volunteers/delivery/delivery_changes.html", form=form, help_request=help_request)
    return page, submission.status

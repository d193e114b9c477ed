"""Registration pages: register, rank, cancel, the engineer's check-in code, the coordinator's check-in."""

from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.errors import Conflict, Invalid, NotFound
from app.core.forms import submit_form
from app.core.policy import roles_required
from app.volunteers import bp
from app.volunteers.events.forms import (
    CheckInForm,
    RegistrationActionForm,
    ranking_form,
)
from app.volunteers.events.policy import visible_event_or_404
from app.volunteers.events.queries import featured_projects, manage_summary
from app.volunteers.events.registrations import queries, services
from app.volunteers.events.views import event_page, managed_event, project_choices, to_event


@bp.post("/events/<int:event_id>/registration")
@roles_required("volunteer")
def register_for_event(event_id: int):
    user = signed_in_user()
    event = visible_event_or_404(user, event_id)
    form = ranking_form(project_choices(featured_projects(event)))
    submission = submit_form(form, lambda: services.register(event, user, form.preferences()))
    if not submission.is_done:
        return event_page(event, user, form, submission.status)
    registration = submission.result
    if registration.status == "waitlisted":
        position = queries.my_registration(event, user).waitlist_position
        flash(_("The event is full, so you are on the waiting list, number %(num)d. We will tell you "
                "when a place frees up.", num=position), "warning")
    else:
        flash(_("You are registered. Show your check-in code at the door."), "success")
    return to_event(event)


@bp.post("/events/<int:event_id>/ranking")
@roles_required("volunteer")
def change_event_ranking(event_id: int):
    user = signed_in_user()
    event = visible_event_or_404(user, event_id)
    form = ranking_form(project_choices(featured_projects(event)))
    submission = submit_form(form, lambda: services.change_preferences(event, user, form.preferences()))
    if not submission.is_done:
        return event_page(event, user, form, submission.status)
    flash(_("Your ranking is saved."), "success")
    return to_event(event)


@bp.post("/events/<int:event_id>/cancel")
@roles_required("volunteer")
def cancel_event_registration(event_id: int) -> Response:
    user = signed_in_user()
    event = visible_event_or_404(user, event_id)
    form = RegistrationActionForm()
    if form.validate_on_submit():
        try:
            services.cancel_registration(event, user)
        except (Invalid, Conflict) as error:
            flash(error.message, "error")
        else:
            flash(_("Your registration is cancelled. Your place goes to the next person waiting."), "success")
    return to_event(event)


@bp.get("/events/<int:event_id>/my-code")
@roles_required("volunteer")
def show_check_in_code(event_id: int) -> str:
    user = signed_in_user()
    event = visible_event_or_404(user, event_id)
    mine = queries.my_registration(event, user)
    if mine is None or not mine.registration.check_in_code:
        raise NotFound(_("You have no registration for this event, so there is no check-in code."))
    return render_template("volunteers/events/registrations/my_check_in_code.html", event=event, mine=mine,
                           qr_image=check_in_qr(mine.registration.check_in_code))


def check_in_qr(code: str) -> Markup:
    """The check-in code as an inline SVG QR image (no script, no inline style: it passes our CSP)."""
    # A full QR symbol: for short data segno.make picks a Micro QR, which phone cameras don't read.
    symbol = segno.make_qr(code, error="m")
    svg = symbol.svg_inline(omitsize=True, border=4, light="#fff", svgclass="qr-image")
    # segno's own SVG of a code we made: nothing a user typed reaches it unescaped.
    labelled = f'<svg role="img" aria-label="{escape(code)}" shape-rendering="crispEdges" '
    return Markup(svg.replace("<svg ", labelled, 1))  # noqa: S704


@bp.route("/events/<int:event_id>/check-in", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_check_in(event_id: int):
    user, event = managed_event(event_id)
    form = CheckInForm()
    words = (request.args.get("q") or "").strip()[:100]
    submission = submit_form(form, lambda: services.check_in(
        event, user, user_id=int(form.user_id.data) if (form.user_id.data or "").isdigit() else None,
        check_in_code=(form.check_in_code.data or "").strip() or None))
    if submission.is_done:
        registration = submission.result
        if registration.status == "waitlisted":
            flash(_("%(name)s is checked in, but every place is taken: they stay on the waiting list and "
                    "are not matched until a place frees.", name=registration.volunteer.name), "warning")
        else:
            flash(_("%(name)s is checked in.", name=registration.volunteer.name), "success")
        return redirect(url_for("volunteers.manage_check_in", event_id=event.id, q=words or None))
    return render_template("volunteers/events/registrations/checkin.html", event=event, form=form,
                           words=words, rows=queries.checkin_list(event, words),
                           summary=manage_summary(event)), submission.status

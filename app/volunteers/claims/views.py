"""Claim pages: claiming a seat, a claim and its answers, commitments, My projects, the Team panel."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.errors import Conflict, Invalid
from app.core.forms import submit_form
from app.core.models import User
from app.core.policy import can, require, roles_required, signed_in_required
from app.core.templating import nav_link
from app.core.urls import safe_next
from app.requests.models import HelpRequest
from app.requests.organizations.contact import reveal_request_contact
from app.requests.pages.views import request_page_panel
from app.requests.policy import PUBLIC_STATUSES, visible_request_or_404
from app.volunteers import bp
from app.volunteers.claims import queries, services
from app.volunteers.claims.forms import ClaimForm, ConcludeForm, DecisionForm, LeaveForm, RenewForm
from app.volunteers.claims.status import CLAIMABLE_REQUEST_STATUSES, claim_status_label
from app.volunteers.models import Claim

nav_link("volunteers.my_projects", _l("My projects"), roles=("volunteer",), order=30)


@bp.app_template_global()
def claim_status_name(status: str) -> str:
    """The translated name of a claim status, for badges."""
    return claim_status_label(status)


@bp.app_template_global()
def claim_role_name(role: str) -> str:
    """Lead or member, in the page's language."""
    return _("Lead") if role == "lead" else _("Member")


@bp.app_template_global()
def volunteer_profile_url(user: User) -> str | None:
    """The volunteer's public profile page, once the profiles part of this feature serves it."""
    if "volunteers.show_profile" not in current_app.view_functions:
        return None
    return url_for("volunteers.show_profile", user_id=user.id)


@bp.app_template_global()
def commitment_text(claim: Claim) -> str:
    """Hours a week and how long (until when, once accepted), in the page's or e-mail's language."""
    hours = ngettext("%(num)d hour a week", "%(num)d hours a week", claim.hours_per_week)
    if claim.ends_on is not None:
        period = ngettext("%(num)d month, until %(date)s", "%(num)d months, until %(date)s",
                          claim.commitment_months, date=format_date(claim.ends_on, "medium"))
    else:
        period = ngettext("for %(num)d month", "for %(num)d months", claim.commitment_months)
    return _("%(hours)s · %(period)s", hours=hours, period=period)


def _back_to(claim: Claim) -> Response:
    """Back where the form was posted from (a path on this site), or to the claim's page."""
    return redirect(safe_next(request.form.get("next"), url_for("volunteers.show_claim", claim_id=claim.id)))


# --- the request page's Team panel ----------------------------------------------------------------

@request_page_panel(order=10)
def team_panel(viewer: User | None, help_request: HelpRequest) -> PanelResult:
    """The team, the claims waiting for staff, and the viewer's own claim or a form to claim a seat."""
    if help_request.status not in PUBLIC_STATUSES:
        return None
    team = queries.team_of(help_request)
    own_claim = next((c for c in team.members + team.pending if viewer and c.volunteer_id == viewer.id), None)
    can_decide = can(viewer, "request.see_claims", help_request)
    may_claim = (own_claim is None and help_request.status in CLAIMABLE_REQUEST_STATUSES
                 and (viewer is None or viewer.is_volunteer))
    return "volunteers/claims/_team_panel.html", {
        "help_request": help_request, "team": team, "own_claim": own_claim, "can_decide": can_decide,
        "sees_commitments": can_decide or (own_claim is not None and own_claim.status == "accepted"),
        "can_release": viewer is not None and viewer.is_coordinator,
        "claim_form": ClaimForm() if may_claim and viewer is not None else None,
        "invite_sign_in": may_claim and viewer is None, "decision_form": DecisionForm(),
        "expires_on": queries.expires_on, "next_path": request.path}


# --- claiming -------------------------------------------------------------------------------------

@bp.route("/requests/<int:request_id>/claim", methods=["GET", "POST"])
@roles_required("volunteer")
def claim_seat(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    if request.method == "GET":
        existing = queries.live_claim_of(user, help_request)
        if existing is not None:
            return redirect(url_for("volunteers.show_claim", claim_id=existing.id))
    form = ClaimForm()
    submission = submit_form(form, lambda: services.create_claim(help_request, user, **form.values()))
    if submission.is_done:
        claim = submission.result
        if claim.status == "accepted":
            flash(_("You are on the team. The organisation’s contact is on this page now."), "success")
        else:
            flash(_("Your claim is sent. The organisation answers within a week; we will e-mail you."),
                  "success")
        return redirect(url_for("volunteers.show_claim", claim_id=claim.id))
    return render_template("volunteers/claims/claim_seat.html", form=form, help_request=help_request,
                           is_open=help_request.status in CLAIMABLE_REQUEST_STATUSES), submission.status


@bp.get("/claims/<int:claim_id>")
@signed_in_required
def show_claim(claim_id: int) -> str:
    user = signed_in_user()
    claim = queries.get_claim(claim_id, user)
    is_volunteer = claim.volunteer_id == user.id
    show_contact = (is_volunteer and claim.status == "accepted"
                    and reveal_request_contact(user, claim.help_request, via="claim_page"))
    return render_template(
        "volunteers/claims/claim_detail.html", claim=claim, help_request=claim.help_request,
        organization=claim.help_request.organization, is_volunteer=is_volunteer, show_contact=show_contact,
        can_decide=claim.status == "pending" and can(user, "claim.decide", claim),
        can_withdraw=claim.is_live and is_volunteer,
        can_release=claim.status == "accepted" and can(user, "claim.release", claim),
        can_commit=claim.status == "accepted" and can(user, "claim.commit", claim),
        expires_on=queries.expires_on(claim), decision_form=DecisionForm(), leave_form=LeaveForm())


def _answer(claim_id: int, form_class: type, act: Callable[[Claim, User, str | None], Claim],
            done: Callable[[Claim], str]) -> Response:
    """Run one answer to a claim (accept, decline, withdraw, release) and go back with its outcome."""
    user = signed_in_user()
    claim = queries.get_claim(claim_id, user)
    form = form_class()
    if form.validate_on_submit():
        try:
            act(claim, user, form.note.data)
        except (Invalid, Conflict) as error:
            flash(next(iter(getattr(error, "fields", {}).values()), error.message), "error")
        else:
            flash(done(claim), "success")
    return _back_to(claim)


@bp.post("/claims/<int:claim_id>/accept")
@signed_in_required
def accept_claim(claim_id: int) -> Response:
    return _answer(claim_id, DecisionForm, services.accept_claim,
                   lambda claim: _("%(name)s is on the team now.", name=claim.volunteer.name))


@bp.post("/claims/<int:claim_id>/decline")
@signed_in_required
def decline_claim(claim_id: int) -> Response:
    return _answer(claim_id, DecisionForm, services.decline_claim,
                   lambda claim: _("Claim declined. %(name)s will be told, with your note.",
                                   name=claim.volunteer.name))


@bp.post("/claims/<int:claim_id>/withdraw")
@signed_in_required
def withdraw_claim(claim_id: int) -> Response:
    return _answer(claim_id, LeaveForm, services.withdraw_claim,
                   lambda claim: _("Withdrawn. The organisation will be told."))


@bp.post("/claims/<int:claim_id>/release")
@signed_in_required
def release_claim(claim_id: int) -> Response:
    return _answer(claim_id, LeaveForm, services.release_claim,
                   lambda claim: _("The seat of %(name)s is free again.", name=claim.volunteer.name))


# --- commitments ---------------------------------------------------------------------------------

@bp.route("/claims/<int:claim_id>/renew", methods=["GET", "POST"])
@signed_in_required
def renew_claim(claim_id: int):
    user = signed_in_user()
    claim = queries.get_claim(claim_id, user)
    require(user, "claim.commit", claim)  # staff see the claim, only its volunteer renews
    form = RenewForm(commitment_months=claim.commitment_months) if request.method == "GET" else RenewForm()
    submission = submit_form(form, lambda: services.renew_claim(
        claim, user, form.commitment_months.data))
    if submission.is_done:
        flash(_("Thank you: your commitment now runs until %(date)s.", date=_day(claim)), "success")
        return redirect(url_for("volunteers.show_claim", claim_id=claim.id))
    return render_template("volunteers/claims/claim_renew.html", form=form, claim=claim,
                           help_request=claim.help_request), submission.status


@bp.route("/claims/<int:claim_id>/conclude", methods=["GET", "POST"])
@signed_in_required
def conclude_claim(claim_id: int):
    user = signed_in_user()
    claim = queries.get_claim(claim_id, user)
    require(user, "claim.commit", claim)  # staff see the claim, only its volunteer concludes
    form = ConcludeForm()
    submission = submit_form(form, lambda: services.conclude_claim(claim, user, form.exit_note.data))
    if submission.is_done:
        flash(_("Your commitment is concluded. Thank you for the hours you gave: they stay on "
                "your profile."), "success")
        return redirect(url_for("volunteers.my_projects"))
    return render_template("volunteers/claims/claim_conclude.html", form=form, claim=claim,
                           help_request=claim.help_request), submission.status


def _day(claim: Claim) -> str:
    return format_date(claim.ends_on, "long") if claim.ends_on else ""


# --- My projects ---------------------------------------------------------------------------------

@bp.get("/my-projects")
@roles_required("volunteer")
def my_projects() -> str:
    return render_template("volunteers/claims/my_projects.html",
                           projects=queries.my_projects(signed_in_user()), expires_on=queries.expires_on)


@dashboard_panel("volunteer", order=30)
def my_projects_panel(user: User) -> PanelResult:
    """The volunteer's active projects with their next check-in, and claims waiting for an answer."""
    return "volunteers/claims/my_projects_panel.html", {"projects": queries.my_projects(user)}


@dashboard_panel("nonprofit", order=25)
def waiting_claims_panel(user: User) -> PanelResult:
    """Claims on the organisation's requests that wait for an answer (shown only when there are some)."""
    claims, total = queries.waiting_for_staff(user)
    if not total:
        return None
    return "volunteers/claims/_team_waiting_panel.html", {"claims": claims, "total": total,
                                                    "expires_on": queries.expires_on}

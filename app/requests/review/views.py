"""Coordinator review pages: intake queue, review, spec editor, versions and diffs, thread, decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.forms import render_form, submit_form
from app.core.models import Skill, User
from app.core.policy import can, roles_required, signed_in_required
from app.core.taxonomy import load_categories
from app.core.templating import current_locale, nav_link
from app.core.urls import safe_next
from app.extensions import db
from app.requests import bp
from app.requests.intake import attachments
from app.requests.models import HelpRequest
from app.requests.policy import visible_request_or_404
from app.requests.review import queries, services, thread
from app.requests.review.forms import MessageForm, RejectForm, SendBackForm, SpecForm
from app.requests.review.spec_text import SECTION_LABELS, canonical_content

QUEUE_PAGE_SIZE = 25
DIFF_LAYOUTS = ("side-by-side", "inline")

nav_link("requests.intake_queue", _l("Intake queue"), roles=("coordinator",), order=25)


@dashboard_panel("coordinator", order=15)
def intake_queue_panel(user: User) -> PanelResult:
    """How many requests wait in intake, and for how long the oldest has."""
    waiting_count, oldest = queries.intake_waiting()
    return "requests/review/_intake_queue_panel.html", {"waiting_count": waiting_count, "oldest": oldest,
                                                  "now": utcnow()}


@bp.get("/intake")
@roles_required("coordinator")
def intake_queue() -> str:
    queue = queries.intake_queue(signed_in_user(), page=request.args.get("page", 1, type=int),
                                 per_page=QUEUE_PAGE_SIZE)
    return render_template("requests/review/intake_queue.html", queue=queue, now=utcnow())


def _render_review(help_request: HelpRequest, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The review page; a decision that failed comes back with its form (422) or its reason (409)."""
    forms.setdefault("send_back_form", SendBackForm(formdata=None))
    forms.setdefault("reject_form", RejectForm(formdata=None))
    forms.setdefault("message_form", MessageForm(
        formdata=None, next=url_for("requests.review_request", request_id=help_request.id)))
    content = services.spec_content(help_request)
    return render_template(
        "requests/review/review_request.html", help_request=help_request, spec=help_request.current_spec,
        content=content, skills=services.skills_named(content["skills"]), section_labels=SECTION_LABELS,
        attachments=attachments.list_attachments(help_request),
        messages=thread.thread_messages(help_request), **forms), status


@bp.get("/requests/<int:request_id>/review")
@roles_required("coordinator")
def review_request(request_id: int) -> tuple[str, int]:
    user = signed_in_user()
    help_request = services.reviewable_request(request_id, user)
    thread.mark_thread_read(help_request, user)
    return _render_review(help_request)


@bp.post("/requests/<int:request_id>/publish")
@roles_required("coordinator")
def publish_request(request_id: int) -> Response | tuple[str, int]:
    user = signed_in_user()
    help_request = services.reviewable_request(request_id, user)
    try:
        services.publish_request(help_request, user)
    except Conflict as error:
        return _render_review(help_request, 409, decision_error=error.message)
    flash(_("Published: volunteers can now find “%(title)s” and claim a seat.", title=help_request.title),
          "success")
    return redirect(url_for("requests.review_request", request_id=request_id))


def _decide(request_id: int, form_key: str, form_class: type[FlaskForm], text_field: str,
            decide: Callable[[HelpRequest, User, str | None], HelpRequest],
            done: Callable[[HelpRequest], str]) -> Response | tuple[str, int]:
    """Send back or reject: the form's text goes to `decide`; the request then leaves the review page."""
    user = signed_in_user()
    help_request = services.reviewable_request(request_id, user)
    form = form_class()
    try:
        submission = submit_form(form, lambda: decide(help_request, user, form[text_field].data),
                                 on_form=(Invalid,))
    except Conflict as error:  # shown with the decision buttons, where the coordinator acted
        return _render_review(help_request, 409, decision_error=error.message, **{form_key: form})
    if submission.is_done:
        flash(done(help_request), "success")
        return redirect(url_for("requests.intake_queue"))
    if help_request.status != "intake":
        # The page shows the decision forms only in intake, so their errors would go unseen: a request
        # another coordinator already decided on answers with the conflict instead.
        return _render_review(help_request, 409, decision_error=Conflict().message)
    return _render_review(help_request, 422, **{form_key: form})


@bp.post("/requests/<int:request_id>/send-back")
@roles_required("coordinator")
def send_back_request(request_id: int) -> Response | tuple[str, int]:
    return _decide(request_id, "send_back_form", SendBackForm, "message", services.send_back_request,
                   lambda help_request: _("“%(title)s” is back with the nonprofit, with your questions.",
                                          title=help_request.title))


@bp.post("/requests/<int:request_id>/reject")
@roles_required("coordinator")
def reject_request(request_id: int) -> Response | tuple[str, int]:
    return _decide(request_id, "reject_form", RejectForm, "reason", services.reject_request,
                   lambda help_request: _("“%(title)s” is rejected; the nonprofit has your reason.",
                                          title=help_request.title))


def _skill_groups() -> list[dict[str, Any]]:
    """The taxonomy's skills by category, named in the page's language, for the spec editor."""
    zh = current_locale() == "zh_CN"
    names = {c["slug"]: c["name_zh"] if zh else c["name_en"] for c in load_categories()}
    groups: dict[str, list[Skill]] = {slug: [] for slug in names}
    for skill in db.session.scalars(sa.select(Skill).order_by(Skill.slug)):
        groups.setdefault(skill.category, []).append(skill)
    return [{"name": names.get(slug, slug), "skills": skills} for slug, skills in groups.items() if skills]


@bp.route("/requests/<int:request_id>/spec/edit", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_spec(request_id: int) -> Response | tuple[str, int]:
    user = signed_in_user()
    help_request = services.reviewable_request(request_id, user)
    services.check_spec_editable(help_request)
    form = SpecForm()
    if request.method == "GET":
        form.fill_from(services.spec_content(help_request), help_request.current_spec_version)
    submission = submit_form(form, lambda: services.save_spec(
        help_request, user, changes=form.spec_changes(), note=form.note.data,
        base_version=form.base_version_number()))
    if isinstance(submission.error, Conflict):  # saving again now knowingly replaces the newer version
        form.base_version.data = str(help_request.current_spec_version or "")
    if submission.is_done:
        saved = submission.result
        if saved is None:
            flash(_("Nothing changed, so no new version was saved."), "info")
        else:
            flash(_("Saved as version %(version)d.", version=saved.version), "success")
        return redirect(url_for("requests.review_request", request_id=request_id))
    page, status = render_form("requests/review/edit_spec.html", form, help_request=help_request,
                               skill_groups=_skill_groups(), selected_skills=set(form.skills.data or []))
    return page, submission.status if submission.error else status  # 409 for a stale or refused save


@bp.get("/requests/<int:request_id>/spec/versions")
def spec_versions(request_id: int) -> str:
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    return render_template("requests/review/spec_versions.html", help_request=help_request,
                           versions=queries.spec_versions(help_request),
                           can_review=can(user, "request.review", help_request))


@bp.get("/requests/<int:request_id>/spec/versions/<int:version>")
def show_spec_version(request_id: int, version: int) -> str:
    help_request = visible_request_or_404(signed_in_user(), request_id)
    spec = queries.spec_version(help_request, version)
    content = canonical_content(spec.content)
    return render_template("requests/review/show_spec_version.html", help_request=help_request, spec=spec,
                           content=content, skills=services.skills_named(content["skills"]),
                           section_labels=SECTION_LABELS)


@bp.get("/requests/<int:request_id>/spec/compare")
def compare_spec_versions(request_id: int) -> str:
    help_request = visible_request_or_404(signed_in_user(), request_id)
    current = help_request.current_spec_version
    if current is None:
        raise NotFound(_("This request has no spec yet."))
    new = request.args.get("new", current, type=int)
    old = request.args.get("old", max(new - 1, 1), type=int)
    layout = request.args.get("layout", DIFF_LAYOUTS[0])
    if layout not in DIFF_LAYOUTS:
        layout = DIFF_LAYOUTS[0]
    return render_template("requests/review/compare_spec_versions.html", help_request=help_request,
                           diff=queries.compare_versions(help_request, old, new), layout=layout,
                           layouts=DIFF_LAYOUTS, versions=queries.spec_versions(help_request))


def _render_thread(help_request: HelpRequest, form: MessageForm, status: int = 200) -> tuple[str, int]:
    return render_template("requests/review/request_thread.html", help_request=help_request, form=form,
                           messages=thread.thread_messages(help_request),
                           is_closed=help_request.status in thread.CLOSED_STATUSES), status


@bp.get("/requests/<int:request_id>/thread")
@signed_in_required
def request_thread(request_id: int) -> tuple[str, int]:
    user = signed_in_user()
    help_request = thread.discussable_request(request_id, user)
    thread.mark_thread_read(help_request, user)
    return _render_thread(help_request, MessageForm(formdata=None))


@bp.post("/requests/<int:request_id>/thread")
@signed_in_required
def post_message(request_id: int) -> Response | tuple[str, int]:
    user = signed_in_user()
    help_request = thread.discussable_request(request_id, user)
    form = MessageForm()
    submission = submit_form(form, lambda: thread.post_message(help_request, user, form.body.data),
                             on_form=(Invalid,))
    if submission.is_done:
        flash(_("Message sent."), "success")
        back = safe_next(form.next.data, url_for("requests.request_thread", request_id=request_id))
        return redirect(f"{back}#message-{submission.result.id}")
    return _render_thread(help_request, form, 422)

"""Views: the guided intake (one question per step, files, check, submit), withdraw, my requests."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.errors import Conflict, DomainError, Invalid, NotFound
from app.core.forms import render_form, submit_form
from app.core.models import User
from app.core.policy import require, roles_required
from app.core.templating import current_locale, nav_link
from app.extensions import csrf
from app.requests import bp
from app.requests.intake import attachments
from app.requests.intake import services as intake
from app.requests.intake.content import intake_content
from app.requests.intake.forms import (
    QUESTION_STEPS,
    STEP_LABELS,
    STEPS,
    AttachmentForm,
    NewRequestForm,
    StepForm,
    WithdrawForm,
    step_form,
)
from app.requests.models import HelpRequest
from app.requests.policy import is_member, visible_request_or_404

DASHBOARD_LIMIT = 5

nav_link("requests.my_requests", _l("My requests"), roles=("nonprofit",), order=20)


def request_page_url(help_request: HelpRequest) -> str:
    """Where a request lives past the draft: its page (or, until that page exists, its discussion)."""
    if "requests.view_request" in current_app.view_functions:
        return url_for("requests.view_request", request_id=help_request.id)
    return url_for("requests.request_thread", request_id=help_request.id)


def _step_context(help_request: HelpRequest, step: str) -> dict[str, Any]:
    """What every step page shows: where we are among the steps, and the neighbours."""
    index = STEPS.index(step)
    return {"help_request": help_request, "step": step, "steps": STEPS, "step_labels": STEP_LABELS,
            "step_number": index + 1, "step_count": len(STEPS),
            "previous_step": STEPS[index - 1] if index > 0 else None,
            "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None}


def _destination(help_request: HelpRequest, step: str) -> str:
    """Where the step's buttons lead: the next or previous step, any named step, or "My requests"."""
    go = request.form.get("go", "next")
    index = STEPS.index(step)
    if go == "later":
        flash(_("Saved. Pick up where you left off from “My requests” or your dashboard."), "success")
        return url_for("requests.my_requests")
    if go == "back" and index > 0:
        target = STEPS[index - 1]
    elif go in STEPS:
        target = go
    else:
        target = STEPS[min(index + 1, len(STEPS) - 1)]
    return url_for("requests.edit_draft", request_id=help_request.id, step=target)


def _show_step_errors(form: StepForm, error: DomainError) -> None:
    fields = dict(error.fields) if isinstance(error, Invalid) else {}
    if not fields:
        form.form_errors.append(error.message)
    for name, message in fields.items():
        field = form.error_field(name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


# --- a new request -------------------------------------------------------------------------------

@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required("nonprofit")
def new_request():
    user = signed_in_user()
    organizations = intake.member_organizations(user)
    question = intake.question("title")
    form = NewRequestForm(organizations)
    form.title.label.text = question.question[current_locale()]
    if organizations:
        submission = submit_form(form, lambda: intake.create_draft(
            form.chosen_organization(), by=user, title=form.title.data), on_form=(Invalid,))
        if submission.is_done:
            return redirect(url_for("requests.edit_draft", request_id=submission.result.id, step=STEPS[1]))
    return render_form(
        "requests/intake/new_request.html", form, organizations=organizations, question=question,
        step_labels=STEP_LABELS, step_count=len(STEPS))


# --- one question per step ----------------------------------------------------------------------

@bp.route("/requests/<int:request_id>/intake/<step>", methods=["GET", "POST"])
@roles_required("nonprofit", "coordinator")
def edit_draft(request_id: int, step: str):
    user = signed_in_user()
    if step not in STEPS:
        raise NotFound()
    help_request = visible_request_or_404(user, request_id)
    submitted_already = help_request.status != "draft" and is_member(user, help_request.organization_id)
    if request.method == "GET" and submitted_already:
        flash(_("This request has been submitted, so it can no longer be edited as a draft."), "info")
        return redirect(request_page_url(help_request))
    intake.editable_draft(help_request, user)
    if step == "attachments":
        return _attachments_step(help_request, AttachmentForm())
    if step == "review":
        return _review_step(help_request)
    question = intake.question(step)
    locale = current_locale()
    form = step_form(question, locale, help_request, submitted=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        try:
            intake.update_draft(help_request, by=user, **form.answers(locale))
        except Invalid as error:
            _show_step_errors(form, error)
        else:
            return redirect(_destination(help_request, step))
    example = question.example.get(locale) or question.example["en"]
    return render_form("requests/intake/intake_step.html", form, question=question, locale=locale,
                       question_text=question.question[locale], help_text=question.help[locale],
                       example=example, **_step_context(help_request, step))


def _attachments_step(help_request: HelpRequest, form: AttachmentForm, status: int = 200):
    files = attachments.list_attachments(help_request)
    page = render_template("requests/intake/intake_attachments.html", form=form, attachments=files,
                           accepted_types=attachments.accepted_types_sentence(),
                           limit=attachments.MAX_ATTACHMENTS_PER_REQUEST, **_step_context(help_request,
                                                                                          "attachments"))
    return page, status


def _review_step(help_request: HelpRequest, missing: dict[str, str] | None = None, status: int = 200):
    locale = current_locale()
    questions = {q.key: q for q in intake_content().questions}
    choices = {key: intake.split_choices(key, getattr(help_request, key))
               for key in ("rhythm", "constraints")}
    option_labels = {key: {value: label[locale] for value, label in questions[key].options}
                     for key in ("rhythm", "constraints")}
    page = render_template("requests/intake/intake_review.html", questions=questions,
                           question_steps=QUESTION_STEPS, choices=choices, option_labels=option_labels,
                           locale=locale,
                           missing=intake.missing_answers(help_request) if missing is None else missing,
                           attachments=attachments.list_attachments(help_request),
                           **_step_context(help_request, "review"))
    return page, status


@bp.post("/requests/<int:request_id>/submit")
@roles_required("nonprofit", "coordinator")
def submit_request(request_id: int) -> Any:
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    try:
        intake.submit_request(help_request, user)
    except Invalid as error:
        return _review_step(help_request, missing=error.fields, status=422)
    flash(_("Submitted. A coordinator will read your answers and the spec Codebridge drafted from them, "
            "and write to you here if anything is unclear."), "success")
    # The discussion is where intake happens next, so the nonprofit lands there.
    return redirect(url_for("requests.request_thread", request_id=help_request.id))


# --- files -----------------------------------------------------------------------------------------

@bp.post("/requests/<int:request_id>/attachments")
@roles_required("nonprofit", "coordinator")
@csrf.exempt  # the form's own CSRF check runs after the larger upload limit is set (see below)
def upload_attachment(request_id: int):
    user = signed_in_user()
    # Only upload routes take bodies over the app's 1 MiB; set before anything reads the form.
    request.max_content_length = attachments.upload_body_limit()
    help_request = visible_request_or_404(user, request_id)
    intake.editable_draft(help_request, user)
    try:
        form = AttachmentForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = AttachmentForm(formdata=None)
        form.file.errors = [attachments.TooLarge().message]
        return _attachments_step(help_request, form, 413)
    if submitted:
        try:
            attachment = attachments.save_attachment(form.file.data, uploaded_by=user,
                                                     help_request=help_request, purpose="intake")
        except Invalid as error:
            form.file.errors = list(error.fields.values()) or [error.message]
            return _attachments_step(help_request, form, error.status)
        except (Conflict, attachments.TooLarge) as error:
            form.file.errors = [error.message]
            return _attachments_step(help_request, form, error.status)
        flash(_("Attached %(name)s.", name=attachment.original_name), "success")
        return redirect(url_for("requests.edit_draft", request_id=help_request.id, step="attachments"))
    return _attachments_step(help_request, form, 422 if request.method == "POST" else 200)


@bp.post("/requests/<int:request_id>/attachments/<int:attachment_id>/delete")
@roles_required("nonprofit", "coordinator")
def delete_attachment(request_id: int, attachment_id: int) -> Response:
    user = signed_in_user()
    attachment = attachments.get_attachment(attachment_id, user)
    if attachment.request_id != request_id:
        raise NotFound()
    name = attachment.original_name
    attachments.delete_attachment(attachment, user)
    flash(_("Removed %(name)s.", name=name), "success")
    return redirect(url_for("requests.edit_draft", request_id=request_id, step="attachments"))


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int) -> Response:
    user = signed_in_user()
    return attachments.download_response(attachments.get_attachment(attachment_id, user), user)


# --- withdraw ------------------------------------------------------------------------------------

@bp.route("/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
@roles_required("nonprofit", "coordinator")
def withdraw_request(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    # The service refuses the POST; the page itself is only for those who may withdraw.
    require(user, "request.withdraw", help_request)
    form = WithdrawForm()
    submission = submit_form(form, lambda: intake.withdraw_request(
        help_request, user, reason=form.reason.data), on_form=(Invalid,))
    if submission.is_done:
        flash(_("“%(title)s” is withdrawn. It stays in your list, marked withdrawn.",
                title=help_request.title or _("Untitled request")), "success")
        if is_member(user, help_request.organization_id):
            return redirect(url_for("requests.my_requests"))
        return redirect(request_page_url(help_request))
    if help_request.status == "draft" and is_member(user, help_request.organization_id):
        cancel_url = url_for("requests.edit_draft", request_id=help_request.id, step="review")
    else:
        cancel_url = request_page_url(help_request)
    return render_form("requests/intake/withdraw_request.html", form, help_request=help_request,
                       cancel_url=cancel_url)


# --- my requests ---------------------------------------------------------------------------------

@bp.get("/requests/mine")
@roles_required("nonprofit")
def my_requests() -> str:
    user = signed_in_user()
    drafts, submitted = intake.organization_requests(user)
    has_organization = bool(drafts or submitted or intake.member_organizations(user))
    return render_template("requests/intake/my_requests.html", drafts=drafts, submitted=submitted,
                           has_organization=has_organization, resume_step=intake.resume_step,
                           request_page_url=request_page_url)


@dashboard_panel("nonprofit", order=20)
def my_requests_panel(user: User) -> PanelResult:
    """Drafts to pick up again and submitted requests with their status, or where to start."""
    drafts, submitted = intake.organization_requests(user, limit=DASHBOARD_LIMIT)
    return "requests/intake/_my_requests_panel.html", {"drafts": drafts, "submitted": submitted,
                                                "resume_step": intake.resume_step,
                                                "request_page_url": request_page_url}

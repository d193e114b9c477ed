"""Organisation pages: profile, create and edit, colleagues and invitations, verification and its queue."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.core.accounts.auth import start_session
from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.forms import render_form, show_service_errors, submit_form
from app.core.models import User
from app.core.policy import can, require, roles_required, signed_in_required
from app.core.templating import current_locale, nav_link
from app.extensions import csrf, db
from app.requests import bp
from app.requests.intake import attachments
from app.requests.models import VERIFICATION_STATES, HelpRequest
from app.requests.organizations import causes, invitations, queries, services, verification
from app.requests.organizations.contact import record_contact_view
from app.requests.organizations.forms import (
    InvitationForm,
    JoinWithNewAccountForm,
    OrganizationForm,
    VerificationDecisionForm,
    VerificationDocumentForm,
)

QUEUE_PAGE_SIZE = 20
VERIFICATION_STATE_NAMES = {"pending": _l("Waiting"), "verified": _l("Verified"), "rejected": _l("Rejected")}

nav_link("requests.verification_queue", _l("Verification queue"), roles=("coordinator",), order=20)


@bp.app_template_global()
def cause_label(slug: str) -> str:
    """The name of a cause area in the page's language."""
    return causes.cause_label(slug, current_locale())


@bp.app_template_global()
def verification_state_name(state: str) -> str:
    """The short translated name of a verification state (pending, verified, rejected)."""
    return str(VERIFICATION_STATE_NAMES.get(state, state))


@dashboard_panel("nonprofit", order=20)
def organizations_panel(user: User) -> PanelResult:
    """The nonprofit's organisations with their verification state, or where to create one."""
    return (
        "requests/organizations/_organization_panel.html",
        {"organizations": queries.organizations_of(user)}
    )


@dashboard_panel("coordinator", order=20)
def verification_panel(user: User) -> PanelResult:
    """How many organisations wait for a coordinator's verification."""
    return "requests/organizations/_verification_queue_panel.html", {
        "pending_count": verification.pending_count(),
    }


@bp.route("/organizations/new", methods=["GET", "POST"])
@roles_required("nonprofit")
def create_organization():
    form = OrganizationForm()
    submission = submit_form(form, lambda: services.create_organization(signed_in_user(), **form.profile()),
                             on_form=(Invalid,))
    if submission.is_done:
        organization = submission.result
        flash(_("%(name)s is registered. A coordinator will verify it; add your registration "
                "documents to speed that up.", name=organization.name), "success")
        return redirect(url_for("requests.organization_verification", organization_id=organization.id))
    return render_form("requests/organizations/create_organization.html", form)


def _request_page_url(help_request: HelpRequest) -> str | None:
    """The public page of a published request, once the request page exists (it lives in pages.py)."""
    if "requests.view_request" not in current_app.view_functions:
        return None
    return url_for("requests.view_request", request_id=help_request.id)


@bp.get("/organizations/<int:organization_id>")
def show_organization(organization_id: int) -> str:
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    help_requests = queries.published_requests(organization)
    show_contact = queries.may_see_contact(user, organization, help_requests)
    if show_contact:
        record_contact_view(user, organization, via="organization_page")
    return render_template(
        "requests/organizations/show_organization.html", organization=organization,
        help_requests=help_requests, request_page_url=_request_page_url,
        show_contact=show_contact,
        can_edit=can(user, "organization.edit", organization),
        is_staff=can(user, "organization.invite", organization))


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@signed_in_required
def edit_organization(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.edit", organization)
    form = OrganizationForm()
    if request.method == "GET":
        form.fill_from(organization)
    was_verified = organization.is_verified
    try:
        submission = submit_form(form, lambda: services.update_organization(
            organization, user, base_version=form.base_version_number(), **form.profile()),
            on_form=(Invalid,))
    except Conflict as error:
        if error.code != "stale_version":
            raise
        return _stale_edit_page(organization, form)
    if submission.is_done:
        if was_verified and not organization.is_verified:
            flash(_("Saved. Because the name or registration number changed, a coordinator "
                    "verifies the organisation again."), "warning")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(url_for("requests.show_organization", organization_id=organization.id))
    return render_form("requests/organizations/edit_organization.html", form, organization=organization)


def _stale_edit_page(organization, form: OrganizationForm) -> tuple[str, int]:
    """The edit form again (409) after someone else's save: their profile in the fields, what this
    editor typed beside it where it differs, and the new version, so saving again is a choice.
    """
    typed = form.typed_differences(organization)
    form.fill_from(organization)
    form.form_errors.append(_("Someone else saved this organisation since you opened it. Their changes "
                              "are shown below; apply yours again."))
    page = render_template("requests/organizations/edit_organization.html", form=form,
                           organization=organization, typed_differences=typed)
    return page, 409


# --- colleagues ----------------------------------------------------------------------------------

def _members_page(organization, form: InvitationForm, status: int = 200):
    return render_template(
        "requests/organizations/organization_members.html", organization=organization, form=form,
        memberships=queries.members_of(organization),
        invitations=invitations.open_invitations(organization),
        can_invite=can(signed_in_user(), "organization.invite", organization),
        expires_at=invitations.invitation_expires_at, invitation_days=invitations.INVITATION_DAYS), status


@bp.get("/organizations/<int:organization_id>/members")
@signed_in_required
def organization_members(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.edit", organization)
    return _members_page(organization, InvitationForm())


@bp.post("/organizations/<int:organization_id>/invitations")
@signed_in_required
def invite_member(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.invite", organization)
    form = InvitationForm()
    submission = submit_form(form, lambda: invitations.invite_member(
        organization, user, form.email.data, locale=user.locale))
    if submission.is_done:
        invitation, _token = submission.result
        flash(_("We e-mailed an invitation to %(email)s. The link works for %(days)d days.",
                email=invitation.email, days=invitations.INVITATION_DAYS), "success")
        return redirect(url_for("requests.organization_members", organization_id=organization.id))
    return _members_page(organization, form, 422)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """One page for every invitee: sign up here, sign in first, or (signed in) join with one click."""
    try:
        invitation = invitations.find_invitation(token)
    except NotFound as error:
        return render_template("requests/organizations/invitation_invalid.html", message=error.message), 404
    problem = invitations.invitation_problem(invitation)
    if problem is not None:
        return render_template("requests/organizations/invitation_invalid.html", message=problem.message), 410
    if signed_in_user() is not None:
        if request.method == "POST":
            return _join(token, invitation)
        return render_template("requests/organizations/accept_invitation.html", invitation=invitation,
                               form=None, is_invitee=invitations.is_invitee(signed_in_user(), invitation))
    form = JoinWithNewAccountForm()
    email_taken = False
    if request.method == "GET":
        form.locale.data = invitation.invited_by.locale if invitation.invited_by else "zh_CN"
    if form.validate_on_submit():
        try:
            user, _membership = invitations.join_with_new_account(
                token, name=form.name.data, password=form.password.data, locale=form.locale.data)
        except Invalid as error:
            show_service_errors(form, error)
        except Conflict as error:
            email_taken = error.code == "email_taken"
            form.form_errors.append(error.message)
        else:
            start_session(user)
            flash(_("Welcome to Codebridge, %(name)s. You are now a member of %(organization)s.",
                    name=user.name, organization=invitation.organization.name), "success")
            return redirect(url_for("requests.show_organization", organization_id=invitation.organization_id))
    return render_form("requests/organizations/accept_invitation.html", form, invitation=invitation,
                       email_taken=email_taken)


def _join(token: str, invitation) -> Response | tuple[str, int]:
    try:
        invitations.accept_invitation(token, signed_in_user())
    except NotAllowed as error:
        return render_template("requests/organizations/invitation_invalid.html", message=error.message), 403
    except Conflict as error:
        return render_template("requests/organizations/invitation_invalid.html", message=error.message), 410
    flash(_("You are now a member of %(organization)s.", organization=invitation.organization.name),
          "success")
    return redirect(url_for("requests.show_organization", organization_id=invitation.organization_id))


# --- verification --------------------------------------------------------------------------------

def _verification_page(organization, decision_form: VerificationDecisionForm | None = None,
                       document_form: VerificationDocumentForm | None = None, status: int = 200):
    user = signed_in_user()
    documents = verification.verification_documents([organization.id])[organization.id]
    is_coordinator = can(user, "organization.verify", organization)
    if is_coordinator and decision_form is None:
        decision_form = VerificationDecisionForm()
    return render_template(
        "requests/organizations/organization_verification.html", organization=organization,
        documents=documents,
        decision_form=decision_form if is_coordinator else None,
        document_form=document_form or VerificationDocumentForm(formdata=None),
        accepted_types=attachments.accepted_types_sentence(), max_documents=verification.MAX_DOCUMENTS,
        is_staff=can(user, "organization.invite", organization),
        memberships=queries.members_of(organization) if is_coordinator else []), status


@bp.get("/organizations/<int:organization_id>/verification")
@signed_in_required
def organization_verification(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.edit", organization)
    return _verification_page(organization)


@bp.post("/organizations/<int:organization_id>/verification/documents")
@signed_in_required
@csrf.exempt  # the form's own CSRF check runs after the larger upload limit is set (see below)
def upload_verification_document(organization_id: int):
    # Only upload routes take bodies over the app's 1 MiB; set before anything reads the form.
    user = signed_in_user()
    request.max_content_length = attachments.upload_body_limit()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.edit", organization)
    try:
        form = VerificationDocumentForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = VerificationDocumentForm(formdata=None)
        form.file.errors = [attachments.TooLarge().message]
        return _verification_page(organization, document_form=form, status=413)
    if not submitted:
        return _verification_page(organization, document_form=form, status=422)
    try:
        document = verification.add_verification_document(organization, user, form.file.data)
    except Invalid as error:
        form.file.errors = list(error.fields.values()) or [error.message]
        return _verification_page(organization, document_form=form, status=error.status)
    except (Conflict, attachments.TooLarge) as error:
        form.file.errors = [error.message]
        return _verification_page(organization, document_form=form, status=error.status)
    flash(_("Added %(name)s.", name=document.original_name), "success")
    return redirect(url_for("requests.organization_verification", organization_id=organization.id))


@bp.post("/organizations/<int:organization_id>/verification/documents/<int:attachment_id>/delete")
@signed_in_required
def delete_verification_document(organization_id: int, attachment_id: int) -> Response:
    user = signed_in_user()
    document = attachments.get_attachment(attachment_id, user)
    if document.organization_id != organization_id:
        raise NotFound()
    name = document.original_name
    attachments.delete_attachment(document, user)
    flash(_("Removed %(name)s.", name=name), "success")
    return redirect(url_for("requests.organization_verification", organization_id=organization_id))


@bp.post("/organizations/<int:organization_id>/verification/decision")
@roles_required("coordinator")
def decide_verification(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    form = VerificationDecisionForm()
    try:
        submission = submit_form(form, lambda: verification.decide_verification(
            organization, user, form.decision.data, form.note.data), on_form=(Invalid,))
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("requests.organization_verification", organization_id=organization.id))
    if submission.is_done:
        message = (_("%(name)s is verified. Its staff have been told by e-mail.", name=organization.name)
                   if organization.is_verified else
                   _("%(name)s is rejected for now. Its staff have your note by e-mail.",
                     name=organization.name))
        flash(message, "success")
        return redirect(url_for("requests.verification_queue"))
    return _verification_page(organization, decision_form=form, status=422)


@bp.post("/organizations/<int:organization_id>/verification/request")
@signed_in_required
def request_verification(organization_id: int) -> Response:
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    try:
        verification.request_verification_again(organization, user)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s is back in the verification queue. We will e-mail you the decision.",
                name=organization.name), "success")
    return redirect(url_for("requests.organization_verification", organization_id=organization.id))


@bp.get("/organizations/verification-queue")
@roles_required("coordinator")
def verification_queue() -> str:
    state = request.args.get("state", "pending")
    if state not in VERIFICATION_STATES:
        state = "pending"
    page = db.paginate(verification.verification_queue(state),
                       page=max(request.args.get("page", 1, type=int), 1),
                       per_page=QUEUE_PAGE_SIZE, error_out=False)
    documents = verification.verification_documents([organization.id for organization in page.items])
    return render_template("requests/organizations/verification_queue.html", page=page, state=state,
                           documents=documents, states=VERIFICATION_STATES)

"""API: help requests (create, read, update, submit, withdraw), timeline, attachments; search lists them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import boolean, choice, day, integer, moment, nested, string_list, text, title
from app.core.api.plumbing import SIGNED_IN, api_route, iso, paginate
from app.core.api.schema import TEXT_MAX, Field, Schema
from app.core.audit.api import ACTOR
from app.core.errors import NotFound
from app.extensions import db
from app.requests.intake import attachments
from app.requests.intake import services as intake
from app.requests.models import (
    CHECKIN_CADENCES,
    REQUEST_STATUSES,
    Attachment,
    HelpRequest,
    Organization,
    TimelineEntry,
)
from app.requests.organizations.api import ORGANIZATION, organization_json
from app.requests.organizations.contact import reveal_request_contact
from app.requests.pages.listings import ListedOrganization, RequestListing
from app.requests.policy import is_member, visible_request_or_404
from app.requests.review.spec_text import spec_json

TAGS = ("requests",)

# --- what the endpoints send and answer ----------------------------------------------------------

ANSWER_FIELDS = (
    title("title", description="One line saying what the nonprofit would like to have."),
    text("problem", description="What is hardest for them today."),
    text("current_process", description="How they do it now: paper, Excel, chat groups…"),
    text("users", description="Who would use it, and about how many."),
    text("data_kept", description="What information they keep."),
    string_list("must_do", max_length=TEXT_MAX, max_items=intake.MUST_DO_MAX_ITEMS,
                description="What it must be able to do, one item each."),
    text("rhythm", description="How often they want to hear from the team."),
    text("constraints", description="What the engineers must work within."),
    day("deadline", nullable=True, description="A date it must be ready by, after today; null for none."),
    choice("checkin_cadence", CHECKIN_CADENCES, description="How often the team posts check-ins."),
)
NEW_REQUEST = Schema("NewHelpRequest", integer("organization_id", minimum=1, required=True), *ANSWER_FIELDS,
                     description="A draft: every answer may come later, before submitting.")
DRAFT_CHANGES = Schema("HelpRequestPatch", *ANSWER_FIELDS, partial=True,
                       description="Only the answers sent change.")
WITHDRAWAL = Schema("Withdrawal", text("reason", description="Why, for the timeline (optional)."))

SPEC_FIELD = Field("spec", "object", nullable=True, schema=Schema(
    "RequestSpec", integer("version", required=True),
    description="The current spec version, shaped as GET /requests/{id}/spec answers; null before intake."))
ATTACHMENT = Schema(
    "Attachment", integer("id", required=True), Field("name", required=True),
    Field("content_type", required=True), integer("size_bytes", required=True),
    Field("purpose", required=True), moment("created_at", required=True),
    Field("url", required=True, description="Downloads the file (with the same bearer token)."))
REQUEST = Schema(
    "HelpRequest", integer("id", required=True), choice("status", REQUEST_STATUSES, required=True),
    nested("organization", ORGANIZATION, required=True,
           description="Its `contact` only for the organisation's staff, coordinators and accepted team "
                       "members."), *ANSWER_FIELDS, SPEC_FIELD,
    integer("team_size", required=True), integer("seats_taken", required=True),
    integer("seats_free", required=True), string_list("skills", description="Skill slugs of the spec."),
    integer("effort_hours", nullable=True), boolean("stalled", required=True),
    moment("created_at", required=True), moment("updated_at", required=True),
    moment("submitted_at", nullable=True), moment("published_at", nullable=True),
    moment("delivered_at", nullable=True), moment("withdrawn_at", nullable=True),
    Field("attachments", "array", items=Field("item", "object", schema=ATTACHMENT)))
REQUEST_ITEM = Schema(
    "HelpRequestListItem", integer("id", required=True), title("title", required=True),
    nested("organization", ORGANIZATION, required=True), string_list("skills", required=True),
    choice("status", REQUEST_STATUSES, required=True), integer("seats_free", required=True),
    Field("score", "number", nullable=True, description="Search relevance; null without a query."),
    Field("highlights", "object", schema=Schema("Highlights", description="Matched text per field.")))
TIMELINE_ENTRY = Schema(
    "TimelineEntry", moment("at", required=True),
    Field("kind", required=True, max_length=40,
          description="snake_case, e.g. status_changed, claim_accepted."),
    Field("actor", "object", schema=ACTOR, nullable=True), Field("summary", required=True, max_length=500),
    Field("detail", "object", schema=Schema("TimelineDetail", description="Kind-specific values.")))

NOT_VISIBLE = _l("No such request, or the caller may not see it (drafts are private).")


# --- serializers (reused by the search feature's list) -------------------------------------------

def request_organization(organization: Organization | ListedOrganization, *,
                         include_contact: bool) -> dict[str, Any]:
    """The organisation inside a request: its public profile, plus `contact` when the caller may see it.

    Decided by `request.see_contact` (staff, coordinators, accepted team members), never by the
    organisation's own rule, so the coordinator's verification note stays out.
    """
    out = organization_json(organization, private=False)
    if include_contact:
        out["contact"] = organization.contact
    return out


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment's description; its `url` downloads the file through the API."""
    return {"id": attachment.id, "name": attachment.original_name,
            "content_type": attachment.content_type, "size_bytes": attachment.size_bytes,
            "purpose": attachment.purpose, "created_at": iso(attachment.created_at),
            "url": url_for("api.download_request_attachment", request_id=attachment.request_id,
                           attachment_id=attachment.id)}


def request_list_item(help_request: HelpRequest | RequestListing, *, score: float | None = None,
                      highlights: dict[str, str] | None = None) -> dict[str, Any]:
    """One item of a request list (GET /requests); load a HelpRequest's organisation and skills eagerly."""
    return {"id": help_request.id, "title": help_request.title,
            "organization": request_organization(help_request.organization, include_contact=False),
            "skills": [skill.slug for skill in help_request.skills], "status": help_request.status,
            "seats_free": help_request.seats_free, "score": score, "highlights": highlights or {}}


def request_json(help_request: HelpRequest, viewer: Any) -> dict[str, Any]:
    """The whole request as `viewer` may see it (the caller has checked it is visible)."""
    spec = help_request.current_spec
    return {
        "id": help_request.id, "status": help_request.status,
        "organization": request_organization(
            help_request.organization,
            include_contact=reveal_request_contact(viewer, help_request, via="api")),
        "title": help_request.title, "problem": help_request.problem,
        "current_process": help_request.current_process, "users": help_request.users,
        "data_kept": help_request.data_kept, "must_do": list(help_request.must_do or []),
        "rhythm": help_request.rhythm, "constraints": help_request.constraints,
        "deadline": iso(help_request.deadline), "checkin_cadence": help_request.checkin_cadence,
        "spec": spec_json(spec) if spec is not None else None,
        "team_size": help_request.team_size, "seats_taken": help_request.seats_taken,
        "seats_free": help_request.seats_free, "skills": [skill.slug for skill in help_request.skills],
        "effort_hours": help_request.effort_hours, "stalled": help_request.is_stalled,
        "created_at": iso(help_request.created_at), "updated_at": iso(help_request.updated_at),
        "submitted_at": iso(help_request.submitted_at), "published_at": iso(help_request.published_at),
        "delivered_at": iso(help_request.delivered_at), "withdrawn_at": iso(help_request.withdrawn_at),
        "attachments": [attachment_json(a) for a in help_request.attachments],
    }


def timeline_entry_json(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline step: when, what kind, who, and a short English summary."""
    return {"at": iso(entry.at), "kind": entry.kind, "actor": user_summary(entry.actor),
            "summary": entry.summary, "detail": entry.detail or {}}


def sees_private_steps(viewer: Any, help_request: HelpRequest) -> bool:
    """The organisation's staff and coordinators also see the timeline's private steps."""
    return viewer is not None and (viewer.is_coordinator or is_member(viewer, help_request.organization_id))


# --- requests ------------------------------------------------------------------------------------

@api_route("/requests", ["POST"], summary=_l("Start a draft help request for your organisation"),
           auth=("nonprofit",), body=NEW_REQUEST, status=201, response=REQUEST, tags=TAGS,
           responses={403: _l("The caller is not staff of this organisation."),
                      422: _l("A field is invalid, or the organisation does not exist.")})
def create_request(body: dict[str, Any]):
    user = signed_in_user()
    organization = intake.organization_for(body.pop("organization_id"))
    help_request = intake.create_draft(organization, by=user, **body)
    return request_json(help_request, user), 201


@api_route("/requests/<int:request_id>", ["GET"], summary=_l("A help request, with its current spec"),
           response=REQUEST, tags=TAGS, responses={404: NOT_VISIBLE})
def read_request(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>", ["PATCH"], summary=_l("Change a draft's answers"),
           auth=SIGNED_IN, body=DRAFT_CHANGES, response=REQUEST, tags=TAGS,
           responses={403: _l("The caller is not staff of the organisation."), 404: NOT_VISIBLE,
                      409: _l("The request is no longer a draft.")})
def update_request(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = intake.update_draft(db.session.get(HelpRequest, request_id), by=user, **body)
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/submit", ["POST"],
           summary=_l("Submit a draft for intake; Codebridge drafts the spec"), auth=SIGNED_IN,
           response=REQUEST, tags=TAGS,
           responses={403: _l("The caller is not staff of the organisation."), 404: NOT_VISIBLE,
                      409: _l("The request is not a draft."),
                      422: _l("The title, problem or must-do list is still unanswered.")})
def submit_request(request_id: int):
    user = signed_in_user()
    help_request = intake.submit_request(db.session.get(HelpRequest, request_id), user)
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/withdraw", ["POST"], summary=_l("Withdraw a request"),
           auth=SIGNED_IN, body=WITHDRAWAL, response=REQUEST, tags=TAGS,
           responses={403: _l("Only the organisation's staff or a coordinator may."), 404: NOT_VISIBLE,
                      409: _l("The request is delivered, withdrawn or in review.")})
def withdraw_request(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = intake.withdraw_request(db.session.get(HelpRequest, request_id), user,
                                           reason=body.get("reason"))
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/timeline", ["GET"], summary=_l("A request's timeline, oldest first"),
           paginated=True, response=TIMELINE_ENTRY, tags=TAGS,
           description=_l("Public for open and later requests; drafts, intake and withdrawn requests "
                          "only for the organisation's staff and coordinators, who also see private steps."),
           responses={404: NOT_VISIBLE})
def read_timeline(request_id: int):
    viewer = signed_in_user()
    help_request = visible_request_or_404(viewer, request_id)
    statement = (sa.select(TimelineEntry).where(TimelineEntry.request_id == help_request.id)
                 .options(selectinload(TimelineEntry.actor))
                 .order_by(TimelineEntry.at, TimelineEntry.id))
    if not sees_private_steps(viewer, help_request):
        statement = statement.where(TimelineEntry.is_public.is_(True))
    return paginate(statement, timeline_entry_json)


# --- attachments ---------------------------------------------------------------------------------

@api_route("/requests/<int:request_id>/attachments", ["POST"], summary=_l("Attach a file to a request"),
           auth=SIGNED_IN, status=201, response=ATTACHMENT, tags=TAGS, upload="file",
           description=_l("Send multipart/form-data with the file in the field `file`. Accepted by content: "
                          "PNG, JPEG, GIF, WebP, PDF, XLSX, DOCX, XLS, DOC, UTF-8 CSV or text; at most "
                          "10 MiB; at most 10 files per request."),
           responses={403: _l("The caller is not staff of the organisation."), 404: NOT_VISIBLE,
                      409: _l("The request is closed or already has 10 attachments."),
                      413: _l("The file is over 10 MiB."),
                      422: _l("No file, an empty one, or a type we do not accept (`fields.file`).")})
def upload_request_attachment(request_id: int):
    user = signed_in_user()
    request.max_content_length = attachments.upload_body_limit()  # only this route takes big bodies
    help_request = visible_request_or_404(user, request_id)
    attachment = attachments.save_attachment(request.files.get("file"), uploaded_by=user,
                                             help_request=help_request, purpose="intake")
    return attachment_json(attachment), 201


@api_route("/requests/<int:request_id>/attachments", ["GET"], summary=_l("A request's attachments"),
           paginated=True, response=ATTACHMENT, tags=TAGS, responses={404: NOT_VISIBLE})
def list_request_attachments(request_id: int):
    help_request = visible_request_or_404(signed_in_user(), request_id)
    statement = (sa.select(Attachment).where(Attachment.request_id == help_request.id)
                 .order_by(Attachment.created_at, Attachment.id))
    return paginate(statement, attachment_json)


def _request_attachment(request_id: int, attachment_id: int) -> Attachment:
    attachment = attachments.get_attachment(attachment_id, signed_in_user())
    if attachment.request_id != request_id:
        raise NotFound()
    return attachment


@api_route("/requests/<int:request_id>/attachments/<int:attachment_id>", ["GET"],
           summary=_l("Download an attachment"), tags=TAGS, produces="*/*", responses={404: NOT_VISIBLE})
def download_request_attachment(request_id: int, attachment_id: int):
    attachment = _request_attachment(request_id, attachment_id)
    return attachments.download_response(attachment, signed_in_user())


@api_route("/requests/<int:request_id>/attachments/<int:attachment_id>", ["DELETE"],
           summary=_l("Remove an attachment"), auth=SIGNED_IN, status=204, tags=TAGS,
           responses={403: _l("The caller is not staff of the organisation."), 404: NOT_VISIBLE,
                      409: _l("The request is closed.")})
def delete_request_attachment(request_id: int, attachment_id: int):
    attachments.delete_attachment(_request_attachment(request_id, attachment_id), signed_in_user())
    return "", 204


"""API: help requests (create, read, update, submit, withdraw), their timeline and attachments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core.accounts.current import signed_in_user
from app.core.api.fields import integer, text
from app.core.api.plumbing import SIGNED_IN, api_route, paginate
from app.core.api.schema import Schema
from app.core.errors import NotFound
from app.extensions import db
from app.requests.intake import attachments
from app.requests.intake import services as intake
from app.requests.models import Attachment, HelpRequest, TimelineEntry
from app.requests.policy import visible_request_or_404
from app.requests.schemas import (
    ANSWER_FIELDS,
    ATTACHMENT,
    NOT_VISIBLE,
    REQUEST,
    TIMELINE_ENTRY,
    attachment_json,
    request_json,
    sees_private_steps,
    timeline_entry_json,
)

TAGS = ("requests",)

NEW_REQUEST = Schema("NewHelpRequest", integer("organization_id", minimum=1, required=True), *ANSWER_FIELDS,
                     description="A draft: every answer may come later, before submitting.")
DRAFT_CHANGES = Schema("HelpRequestPatch", *ANSWER_FIELDS, partial=True,
                       description="Only the answers sent change.")
WITHDRAWAL = Schema("Withdrawal", text("reason", description="Why, for the timeline (optional)."))


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


"""API: a request's spec (read, edit as a new version, version list), publish, send back, reject, thread."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import integer, moment, string_list, text
from app.core.api.plumbing import COORDINATOR, SIGNED_IN, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.errors import NotFound
from app.requests.models import RequestMessage, SpecVersion
from app.requests.policy import visible_request_or_404
from app.requests.review import services as review
from app.requests.review import thread
from app.requests.review.services import EFFORT_HOURS_MAX, NOTE_MAX, TEAM_SIZE_MAX
from app.requests.review.spec_text import spec_json
from app.requests.schemas import NOT_VISIBLE, REQUEST, request_json

ITEM_MAX = 2_000  # one list item: a user story, a criterion, a question

SECTION_FIELDS = (
    text("summary", description="Two or three sentences an engineer reads first."),
    text("background"),
    string_list("users_and_roles", max_length=ITEM_MAX),
    string_list("data_entities", max_length=ITEM_MAX),
    string_list("user_stories", max_length=ITEM_MAX),
    string_list("acceptance_criteria", max_length=ITEM_MAX),
    string_list("constraints", max_length=ITEM_MAX),
    string_list("skills", max_length=60, description="Skill slugs from the skills taxonomy."),
    integer("team_size", 1, TEAM_SIZE_MAX, description="Engineers needed; never below the seats taken."),
    integer("effort_hours", 1, EFFORT_HOURS_MAX, description="All engineers together, whole project."),
    text("effort_reasoning"),
    string_list("open_questions", max_length=ITEM_MAX),
)
SPEC = Schema("Spec", integer("version", required=True),
              *(replace(f, required=True, nullable=f.name == "effort_hours") for f in SECTION_FIELDS),
              description="The engineer-readable spec of a request, as its current version says.")
SPEC_UPDATE = Schema("SpecUpdate", *SECTION_FIELDS,
                     text("note", max_length=NOTE_MAX, description="Why it changed, for the history."),
                     integer("base_version", 1, description=(
                         "The spec version these changes were made on (the `version` you read). When "
                         "another save has made a newer version since, nothing is saved and the answer "
                         "is 409 `stale_version`: read the spec again, apply your changes to it and "
                         "save with its version. Without it the save applies to the current version.")),
                     description="Sections left out keep their current value. A save that changes "
                                 "something becomes the next version; an unchanged one saves nothing. "
                                 "Of two saves at the same moment, one wins and the other gets 409.")
SPEC_VERSION = Schema("SpecVersionSummary", integer("version", required=True),
                      Field("author", "object", schema=ACTOR, nullable=True,
                            description="The coordinator who saved it; null for Codebridge's draft."),
                      moment("created_at", required=True), Field("note", nullable=True))
MESSAGE = Schema("RequestMessage", integer("id", required=True), text("body", required=True),
                 Field("author", "object", schema=ACTOR, required=True), moment("created_at", required=True))
NEW_MESSAGE = Schema("NewRequestMessage", text("body", required=True, description="Plain text."))
SEND_BACK = Schema("SendBack", text("message", required=True,
                                    description="Questions for the nonprofit; posted in the thread."))
REJECTION = Schema("Rejection", text("reason", required=True,
                                     description="E-mailed to the nonprofit; kept on the private timeline."))

DECISION_CONFLICT = _l("The request is not in intake.")


def spec_version_json(spec: SpecVersion) -> dict[str, Any]:
    return {"version": spec.version, "author": user_summary(spec.author), "created_at": iso(spec.created_at),
            "note": spec.note}


def message_json(message: RequestMessage) -> dict[str, Any]:
    return {"id": message.id, "body": message.body, "author": user_summary(message.author),
            "created_at": iso(message.created_at)}


@api_route("/requests/<int:request_id>/spec", ["GET"], summary=_l("The current spec of a request"),
           response=SPEC, tags=["specs"],
           responses={404: _l("No such request, it has no spec yet, or the caller may not see it.")})
def get_spec(request_id: int):
    help_request = visible_request_or_404(signed_in_user(), request_id)
    spec = help_request.current_spec
    if spec is None:
        raise NotFound(_("This request has no spec yet: it is drafted when the request is submitted."))
    return spec_json(spec)


@api_route("/requests/<int:request_id>/spec", ["PUT"], summary=_l("Edit the spec as a new version"),
           description=_l("Coordinators only, while the request is in intake or open. Skills must come "
                          "from the taxonomy; the team may not shrink below the seats taken."),
           auth=COORDINATOR, body=SPEC_UPDATE, response=SPEC, tags=["specs"],
           responses={404: NOT_VISIBLE, 409: _l("Work has started (or the request is closed): code "
                                                 "spec_not_editable. Or the spec changed since base_version, "
                                                 "or another save happened at the same moment: code "
                                                 "stale_version; read the spec again, apply your changes "
                                                 "and save with its version.")})
def update_spec(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    note = body.pop("note", None)
    base_version = body.pop("base_version", None)
    review.save_spec(help_request, user, changes=body, note=note, base_version=base_version)
    return spec_json(help_request.current_spec)


@api_route("/requests/<int:request_id>/spec/versions", ["GET"], summary=_l("Every version of the spec"),
           response=SPEC_VERSION, paginated=True, tags=["specs"], responses={404: NOT_VISIBLE})
def list_spec_versions(request_id: int):
    help_request = visible_request_or_404(signed_in_user(), request_id)
    return paginate(sa.select(SpecVersion).where(SpecVersion.request_id == help_request.id)
                    .options(joinedload(SpecVersion.author)).order_by(SpecVersion.version), spec_version_json)


@api_route("/requests/<int:request_id>/publish", ["POST"], summary=_l("Publish a request (intake → open)"),
           auth=COORDINATOR, response=REQUEST, tags=["specs"],
           responses={404: NOT_VISIBLE, 409: _l("The request is not in intake, its organisation is not "
                                                 "verified yet, or it has no spec.")})
def publish_request(request_id: int):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    review.publish_request(help_request, user)
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/send-back", ["POST"],
           summary=_l("Send a request back to its nonprofit with questions (intake → draft)"),
           auth=COORDINATOR, body=SEND_BACK, response=REQUEST, tags=["specs"],
           responses={404: NOT_VISIBLE, 409: DECISION_CONFLICT})
def send_back_request(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    review.send_back_request(help_request, user, body["message"])
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/reject", ["POST"],
           summary=_l("Reject a request with a reason (intake → withdrawn)"),
           auth=COORDINATOR, body=REJECTION, response=REQUEST, tags=["specs"],
           responses={404: NOT_VISIBLE, 409: DECISION_CONFLICT})
def reject_request(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = visible_request_or_404(user, request_id)
    review.reject_request(help_request, user, body["reason"])
    return request_json(help_request, user)


@api_route("/requests/<int:request_id>/messages", ["GET"], summary=_l("The discussion of a request"),
           description=_l("Between the organisation's staff and coordinators. Reading it marks the "
                          "caller's notifications of its messages read."),
           auth=SIGNED_IN, response=MESSAGE, paginated=True, tags=["specs"],
           responses={403: _l("The caller may see the request but is not part of its discussion."),
                      404: NOT_VISIBLE})
def list_messages(request_id: int):
    user = signed_in_user()
    help_request = thread.discussable_request(request_id, user)
    page = paginate(sa.select(RequestMessage).where(RequestMessage.request_id == help_request.id)
                    .options(joinedload(RequestMessage.author))
                    .order_by(RequestMessage.created_at, RequestMessage.id), message_json)
    thread.mark_thread_read(help_request, user)
    return page


@api_route("/requests/<int:request_id>/messages", ["POST"], summary=_l("Write in a request's discussion"),
           description=_l("The other side gets a notification and an e-mail."),
           auth=SIGNED_IN, body=NEW_MESSAGE, response=MESSAGE, status=201, tags=["specs"],
           responses={403: _l("The caller may see the request but is not part of its discussion."),
                      404: NOT_VISIBLE, 409: _l("The request is closed: its discussion is read-only.")})
def post_message(request_id: int, body: dict[str, Any]):
    user = signed_in_user()
    help_request = thread.discussable_request(request_id, user)
    return message_json(thread.post_message(help_request, user, body["body"])), 201

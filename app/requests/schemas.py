"""A help request in the JSON API: its answer fields, the schemas it is sent in, and what builds them.

Shared by every subject's API (intake, review) and by the features that list requests (search,
recommendations), so no API module imports another.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.api.fields import boolean, choice, day, integer, moment, nested, string_list, text, title
from app.core.api.plumbing import iso
from app.core.api.schema import TEXT_MAX, Field, Schema
from app.core.audit.api import ACTOR
from app.requests.intake.services import MUST_DO_MAX_ITEMS
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
from app.requests.policy import is_member
from app.requests.review.spec_text import spec_json

ANSWER_FIELDS = (
    title("title", description="One line saying what the nonprofit would like to have."),
    text("problem", description="What is hardest for them today."),
    text("current_process", description="How they do it now: paper, Excel, chat groups…"),
    text("users", description="Who would use it, and about how many."),
    text("data_kept", description="What information they keep."),
    string_list("must_do", max_length=TEXT_MAX, max_items=MUST_DO_MAX_ITEMS,
                description="What it must be able to do, one item each."),
    text("rhythm", description="How often they want to hear from the team."),
    text("constraints", description="What the engineers must work within."),
    day("deadline", nullable=True, description="A date it must be ready by, after today; null for none."),
    choice("checkin_cadence", CHECKIN_CADENCES, description="How often the team posts check-ins."),
)
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

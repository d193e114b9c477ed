"""API: post and list a request's check-ins, and answer one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.api.fields import choice, integer, moment, text
from app.core.api.plumbing import SIGNED_IN, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.models import User
from app.core.policy import can
from app.requests.policy import visible_request_or_404
from app.volunteers.models import CHECKIN_STATUSES, CheckIn, CheckInReply
from app.volunteers.progress import queries, services

TAGS = ("progress",)

NEW_CHECKIN = Schema(
    "NewCheckIn",
    text("summary", required=True, description="What was done since the last check-in (public)."),
    text("next_steps", description="What comes next (team, staff and coordinators only)."),
    text("blockers", description="What is in the way (team, staff and coordinators only)."),
    Field("hours", "number", minimum=0, maximum=services.HOURS_MAX, default=0,
          description="Hours given since the last check-in."),
    choice("status", CHECKIN_STATUSES, default="on_track", description="on_track, at_risk or blocked."),
    integer("percent_complete", 0, 100, default=0, description="How far the work is, 0-100."),
)
NEW_REPLY = Schema("NewCheckInReply", text("body", required=True))
REPLY = Schema("CheckInReply", integer("id", required=True), integer("checkin_id", required=True),
               Field("author", "object", schema=ACTOR, required=True), text("body", required=True),
               moment("created_at", required=True))
HIDDEN = "null for callers outside the team, staff and coordinators."
CHECKIN = Schema(
    "CheckIn",
    integer("id", required=True), integer("request_id", required=True),
    Field("author", "object", schema=ACTOR, required=True), text("summary", required=True),
    text("next_steps", nullable=True, description=HIDDEN),
    text("blockers", nullable=True, description=HIDDEN),
    Field("hours", "number", required=True), choice("status", CHECKIN_STATUSES, required=True),
    integer("percent_complete", required=True), moment("created_at", required=True),
    Field("replies", "array", items=Field("reply", "object", schema=REPLY), required=True),
)


def reply_json(reply: CheckInReply) -> dict[str, Any]:
    """One answer in a check-in's thread."""
    return {"id": reply.id, "checkin_id": reply.checkin_id, "author": user_summary(reply.author),
            "body": reply.body, "created_at": iso(reply.created_at)}


def user_summary(user: User) -> dict[str, Any]:
    """How a check-in's author appears (no e-mail address)."""
    return {"id": user.id, "name": user.name, "role": user.role}


def checkin_json(checkin: CheckIn, *, private: bool) -> dict[str, Any]:
    """A check-in; `private` shows next steps and blockers (the team, staff and coordinators)."""
    return {
        "id": checkin.id, "request_id": checkin.request_id, "author": user_summary(checkin.author),
        "summary": checkin.summary, "next_steps": checkin.next_steps if private else None,
        "blockers": checkin.blockers if private else None, "hours": checkin.hours,
        "status": checkin.status, "percent_complete": checkin.percent_complete,
        "created_at": iso(checkin.created_at), "replies": [reply_json(r) for r in checkin.replies],
    }


@api_route("/requests/<int:request_id>/checkins", ["POST"], summary=_l("Post a check-in"),
           auth=SIGNED_IN, body=NEW_CHECKIN, status=201, response=CHECKIN, tags=TAGS,
           responses={403: _l("Only the request's accepted team members."),
                      404: _l("No such request, or not public."),
                      409: _l("The request is not in progress (`request_not_in_progress`).")})
def create_checkin(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    checkin = services.post_checkin(visible_request_or_404(me, request_id), me, **body)
    return checkin_json(checkin, private=True), 201


@api_route("/requests/<int:request_id>/checkins", ["GET"], summary=_l("A request's check-ins, newest first"),
           paginated=True, response=CHECKIN, tags=TAGS,
           responses={404: _l("No such request, or not public.")})
def list_checkins(request_id: int):
    help_request = visible_request_or_404(signed_in_user(), request_id)
    private = can(signed_in_user(), "checkin.see_private", help_request)
    return paginate(queries.checkins_query(help_request),
                    lambda checkin: checkin_json(checkin, private=private))


@api_route("/checkins/<int:checkin_id>/replies", ["POST"], summary=_l("Answer a check-in"),
           auth=SIGNED_IN, body=NEW_REPLY, status=201, response=REPLY, tags=TAGS,
           responses={403: _l("Only the organisation's staff, the team and coordinators."),
                      404: _l("No such check-in, or not public.")})
def create_checkin_reply(checkin_id: int, body: dict[str, Any]):
    me = signed_in_user()
    reply = services.reply_to_checkin(queries.get_checkin(checkin_id, me), me, body["body"])
    return reply_json(reply), 201

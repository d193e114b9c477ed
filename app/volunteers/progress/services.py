"""Check-ins: the team reports progress, the nonprofit answers; every check-in goes on the timeline.

A check-in's summary is public on the timeline; its blockers and next steps are seen only by the
team, the organisation's staff and coordinators. Posting one records when the team last spoke
(`last_checkin_at`) and takes a stalled request off the "needs attention" list. Reading check-ins
and schedules lives in `app.volunteers.progress.queries`.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text, clean_text_into
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed
from app.core.i18n import N_
from app.core.jobs.services import enqueue
from app.core.mail import send_email
from app.core.models import Notification, User
from app.core.policy import can
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.policy import is_member
from app.requests.timeline.services import add_entry
from app.volunteers.models import CHECKIN_STATUSES, CheckIn, CheckInReply
from app.volunteers.progress.queries import accepted_team

# A team reports while it works, and may still answer while the delivery is being reviewed.
CHECKIN_REQUEST_STATUSES = ("in_progress", "in_review")
HOURS_MAX = 500.0  # hours since the last check-in; more than this is a typo
NOTICE_JOB = "app.volunteers.progress.jobs.send_checkin_notice"


def _clean_fields(summary: object, next_steps: object, blockers: object, hours: object,
                  status: object, percent_complete: object) -> dict[str, object]:
    """The check-in's fields, cleaned; every bad one named in one Invalid."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    for name, value, required in (("summary", summary, True), ("next_steps", next_steps, False),
                                  ("blockers", blockers, False)):
        text = clean_text_into(errors, value, name, max_length=TEXT_MAX,
                               required=_("This field is required.") if required else None)
        if text is not None:
            cleaned[name] = text
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= HOURS_MAX:
        errors["hours"] = _("Enter the hours given since the last check-in, from 0 to %(max)d.",
                            max=int(HOURS_MAX))
    else:
        cleaned["hours"] = float(hours)
    if status not in CHECKIN_STATUSES:
        errors["status"] = _("Choose on track, at risk or blocked.")
    else:
        cleaned["status"] = status
    if isinstance(percent_complete, bool) or not isinstance(percent_complete, int) \
            or not 0 <= percent_complete <= 100:
        errors["percent_complete"] = _("Enter a whole number from 0 to 100.")
    else:
        cleaned["percent_complete"] = percent_complete
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def post_checkin(help_request: HelpRequest, author: User, *, summary: str, next_steps: str = "",
                 blockers: str = "", hours: float = 0, status: str = "on_track",
                 percent_complete: int = 0, now: datetime | None = None) -> CheckIn:
    """Record a team member's check-in, put it on the timeline and clear a stall; commits.

    The organisation's staff are told by e-mail and in-app (a job queued with the commit).

    Raises NotAllowed (not an accepted team member), Conflict `request_not_in_progress` (the
    request is not being worked on), Invalid naming each bad field.
    """
    if not can(author, "checkin.create", help_request):
        raise NotAllowed(_("Only the request's accepted team members post check-ins."))
    if help_request.status not in CHECKIN_REQUEST_STATUSES:
        raise Conflict(_("Check-ins are posted while the request is in progress."),
                       code="request_not_in_progress")
    fields = _clean_fields(summary, next_steps, blockers, hours, status, percent_complete)
    now = now or utcnow()
    checkin = CheckIn(help_request=help_request, author=author, created_at=now, **fields)
    db.session.add(checkin)
    db.session.flush()
    add_entry(help_request, "checkin", actor=author, summary=str(fields["summary"])[:500],
              detail={"checkin_id": checkin.id, "status": fields["status"],
                      "percent_complete": fields["percent_complete"]})
    help_request.last_checkin_at = now
    if help_request.is_stalled:
        help_request.is_stalled = False
        help_request.stalled_at = None
        add_entry(help_request, "unstalled", actor=author, summary="Back on track after a new check-in.")
    audit.record("checkin.posted", checkin, actor=author, request_id=help_request.id,
                 status=fields["status"])
    enqueue(NOTICE_JOB, checkin.id)
    db.session.commit()
    return checkin


def reply_to_checkin(checkin: CheckIn, author: User, body: str) -> CheckInReply:
    """Add an answer to a check-in's thread; an answer from the organisation goes on the timeline; commits.

    Raises NotAllowed (not the organisation's staff, the team or a coordinator) and Invalid
    naming `body`.
    """
    help_request = checkin.help_request
    if not can(author, "checkin.reply", help_request):
        raise NotAllowed(_("Only the organisation's staff, the team and coordinators answer check-ins."))
    text = clean_text(body, "body", max_length=TEXT_MAX, required=_("This field is required."))
    reply = CheckInReply(checkin=checkin, author=author, body=text, created_at=utcnow())
    db.session.add(reply)
    db.session.flush()
    if is_member(author, help_request.organization_id):
        add_entry(help_request, "checkin_reply", actor=author, summary="The nonprofit answered a check-in.",
                  detail={"checkin_id": checkin.id})
    audit.record("checkin.replied", reply, actor=author, checkin_id=checkin.id)
    db.session.commit()
    return reply


def nudge_team(help_request: HelpRequest, by: User, note: str | None = None) -> int:
    """A coordinator e-mails the team for news (on the timeline); commits; returns how many were told.

    Raises NotAllowed (not a coordinator), Conflict `request_not_in_progress`, Invalid naming `note`.
    """
    if not can(by, "request.needs_attention", help_request):
        raise NotAllowed()
    if help_request.status != "in_progress":
        raise Conflict(_("Only teams of requests in progress are nudged."), code="request_not_in_progress")
    text = clean_text(note, "note", max_length=TEXT_MAX)
    link = url_for("requests.view_request", request_id=help_request.id)
    told = 0
    for member in accepted_team(help_request):
        if member.is_blocked:
            continue
        send_email(member, "checkins", N_("News, please: “%(title)s”"),
                   "progress/stalled_nudge",
                   subject_params={"title": help_request.title}, help_request=help_request, note=text,
                   request_url=url_for("requests.view_request", request_id=help_request.id, _external=True))
        db.session.add(Notification(user_id=member.id, kind="stalled_nudge", link=link,
                                    params={"request_id": help_request.id, "title": help_request.title}))
        told += 1
    add_entry(help_request, "stalled_nudge", actor=by, summary="A coordinator nudged the team.")
    audit.record("request.nudged", help_request, actor=by, told=told)
    db.session.commit()
    return told

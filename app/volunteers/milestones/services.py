"""Milestones: dated steps the team or the nonprofit plans, ticked off when done, and the progress bar."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from app.core.api.schema import TITLE_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed
from app.core.models import User
from app.core.policy import can
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.timeline.services import add_entry
from app.volunteers.models import Milestone

PLANNING_STATUSES = ("open", "in_progress", "in_review")


def add_milestone(help_request: HelpRequest, by: User, *, title: str,
                  due_on: date | None = None) -> Milestone:
    """Plan a milestone and put it on the timeline; commits.

    Raises NotAllowed (not the team, staff or a coordinator), Conflict `request_not_in_progress`
    (draft, intake, delivered or withdrawn) and Invalid naming `title` or `due_on`.
    """
    if not can(by, "milestone.manage", help_request):
        raise NotAllowed(_("Only the team, the organisation's staff and coordinators plan milestones."))
    if help_request.status not in PLANNING_STATUSES:
        raise Conflict(_("Milestones are planned while the request is open or in progress."),
                       code="request_not_in_progress")
    clean_title = clean_text(title, "title", max_length=TITLE_MAX, required=_("This field is required."))
    if due_on is not None and not isinstance(due_on, date):
        raise Invalid("due_on", _("Enter a date as YYYY-MM-DD."))
    milestone = Milestone(help_request=help_request, title=clean_title, due_on=due_on,
                          created_by_id=by.id, created_at=utcnow())
    db.session.add(milestone)
    db.session.flush()
    add_entry(help_request, "milestone_added", actor=by, summary=clean_title,
              detail={"milestone_id": milestone.id, "due_on": due_on.isoformat() if due_on else None})
    audit.record("milestone.added", milestone, actor=by, request_id=help_request.id)
    db.session.commit()
    return milestone


def mark_milestone(milestone: Milestone, by: User, *, done: bool, now: datetime | None = None) -> Milestone:
    """Tick a milestone off (timeline entry) or open it again; doing what is already so changes nothing.

    Commits. Raises NotAllowed (not the team, staff or a coordinator).
    """
    help_request = milestone.help_request
    if not can(by, "milestone.manage", help_request):
        raise NotAllowed(_("Only the team, the organisation's staff and coordinators tick off milestones."))
    if done == milestone.is_done:
        return milestone
    milestone.done_at = (now or utcnow()) if done else None
    if done:
        add_entry(help_request, "milestone_done", actor=by, summary=milestone.title,
                  detail={"milestone_id": milestone.id})
    audit.record("milestone.done" if done else "milestone.reopened", milestone, actor=by,
                 request_id=help_request.id)
    db.session.commit()
    return milestone

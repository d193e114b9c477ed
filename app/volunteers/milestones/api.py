"""API: plan a request's milestones, list them, and tick one off."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.api.fields import boolean, day, integer, moment, title
from app.core.api.plumbing import SIGNED_IN, api_route, iso, page_args, page_envelope
from app.core.api.schema import Schema
from app.core.db import utcnow
from app.requests.policy import visible_request_or_404
from app.volunteers.milestones import queries, services
from app.volunteers.models import Milestone

TAGS = ("progress",)
NEW_MILESTONE = Schema("NewMilestone", title("title", required=True),
                       day("due_on", nullable=True, description="When it should be done (YYYY-MM-DD)."))
MILESTONE_CHANGE = Schema("MilestoneChange", boolean("done", required=True))
MILESTONE = Schema(
    "Milestone", integer("id", required=True), integer("request_id", required=True),
    title("title", required=True), day("due_on", nullable=True), boolean("done", required=True),
    moment("done_at", nullable=True), boolean("overdue", required=True),
)


def milestone_json(milestone: Milestone) -> dict[str, Any]:
    """A milestone; `overdue` means past its date and not done (by the UTC calendar)."""
    overdue = (not milestone.is_done and milestone.due_on is not None
               and milestone.due_on < utcnow().date())
    return {"id": milestone.id, "request_id": milestone.request_id, "title": milestone.title,
            "due_on": iso(milestone.due_on), "done": milestone.is_done, "done_at": iso(milestone.done_at),
            "overdue": overdue}


@api_route("/requests/<int:request_id>/milestones", ["POST"], summary=_l("Plan a milestone"),
           auth=SIGNED_IN, body=NEW_MILESTONE, status=201, response=MILESTONE, tags=TAGS,
           responses={403: _l("Only the team, the organisation's staff and coordinators."),
                      404: _l("No such request, or not public."),
                      409: _l("The request is not open or in progress (`request_not_in_progress`).")})
def create_milestone(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    milestone = services.add_milestone(visible_request_or_404(me, request_id), me, title=body["title"],
                                       due_on=body.get("due_on"))
    return milestone_json(milestone), 201


@api_route("/requests/<int:request_id>/milestones", ["GET"], summary=_l("A request's milestones by date"),
           response=MILESTONE, paginated=True, tags=TAGS,
           responses={404: _l("No such request, or not public.")})
def list_milestones(request_id: int):
    page, per_page = page_args()
    help_request = visible_request_or_404(signed_in_user(), request_id)
    milestones = queries.progress_of(help_request, utcnow().date()).milestones
    window = milestones[(page - 1) * per_page: page * per_page]
    return page_envelope([milestone_json(m) for m in window], len(milestones), page, per_page)


@api_route("/milestones/<int:milestone_id>", ["PATCH"], summary=_l("Tick a milestone off, or open it again"),
           auth=SIGNED_IN, body=MILESTONE_CHANGE, response=MILESTONE, tags=TAGS,
           responses={403: _l("Only the team, the organisation's staff and coordinators."),
                      404: _l("No such milestone, or not public.")})
def update_milestone(milestone_id: int, body: dict[str, Any]):
    me = signed_in_user()
    milestone = services.mark_milestone(queries.get_milestone(milestone_id, me), me, done=body["done"])
    return milestone_json(milestone)

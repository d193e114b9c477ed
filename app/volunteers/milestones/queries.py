"""Reading milestones: a request's milestones with the progress bar's figures, and one milestone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.errors import NotFound
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.policy import can_view_request
from app.volunteers.models import Milestone


@dataclass(frozen=True)
class Progress:
    """A request's milestones in date order, how many are done and which are overdue."""

    milestones: list[Milestone]
    done_count: int
    overdue_ids: frozenset[int]

    @property
    def total(self) -> int:
        return len(self.milestones)

    @property
    def percent(self) -> int:
        """Share of milestones done, rounded down (0 without milestones)."""
        return self.done_count * 100 // self.total if self.milestones else 0


def progress_of(help_request: HelpRequest, today: date) -> Progress:
    """The request's milestones (undated last) with the done count and the overdue ones as of `today`."""
    milestones = list(db.session.scalars(
        sa.select(Milestone).where(Milestone.request_id == help_request.id)
        .order_by(Milestone.due_on.is_(None), Milestone.due_on, Milestone.id)))
    overdue = frozenset(m.id for m in milestones
                        if not m.is_done and m.due_on is not None and m.due_on < today)
    return Progress(milestones, sum(1 for m in milestones if m.is_done), overdue)


def get_milestone(milestone_id: int, viewer: User | None) -> Milestone:
    """The milestone, if the viewer may see its request; raises NotFound otherwise."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or not can_view_request(viewer, milestone.help_request):
        raise NotFound()
    return milestone

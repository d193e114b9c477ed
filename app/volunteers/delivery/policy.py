"""Who may hand the work over, answer a delivery and read the hand-over notes, and who was on a team.

The rules register with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.core.models import User
from app.core.policy import rule
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.policy import is_member, is_team_member
from app.volunteers.models import Claim

# Claims whose volunteers were on the team that delivered (completed on acceptance).
TEAM_CLAIM_STATUSES = ("accepted", "completed")


@rule("request.deliver")
def can_submit_delivery(user: User, help_request: HelpRequest) -> bool:
    """Accepted team members hand the work over."""
    return is_team_member(user, help_request)


@rule("request.answer_delivery")
def can_answer_delivery(user: User, help_request: HelpRequest) -> bool:
    """The organisation's staff accept the delivery or ask for changes."""
    return is_member(user, help_request.organization_id)



def was_on_team(user: User | None, help_request: HelpRequest) -> bool:
    """Whether the user's claim on the request was accepted (and possibly completed since)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        Claim.request_id == help_request.id, Claim.volunteer_id == user.id,
        Claim.status.in_(TEAM_CLAIM_STATUSES)))) or False


@rule("request.read_handover")
def can_read_handover(user: User, help_request: HelpRequest) -> bool:
    """Hand-over notes and the answers to them hold hosting and key-custody details: they are for
    coordinators, the organisation's staff and the team, past or present."""
    return (user.is_coordinator or is_member(user, help_request.organization_id)
            or was_on_team(user, help_request))

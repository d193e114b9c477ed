"""Who may plan milestones and tick them off.

The rule registers with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up).
"""

from __future__ import annotations

from app.core.models import User
from app.core.policy import rule
from app.requests.models import HelpRequest
from app.requests.policy import is_member
from app.volunteers.claims.policy import has_accepted_claim


@rule("milestone.manage")
def can_manage_milestones(user: User, help_request: HelpRequest) -> bool:
    """The team, the organisation's staff and coordinators plan and tick off milestones."""
    return (user.is_coordinator or is_member(user, help_request.organization_id)
            or has_accepted_claim(user, help_request))

"""Who may post check-ins, read their private parts, answer them, and watch stalled projects.

The rules register with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up).
"""

from __future__ import annotations

from app.core.models import User
from app.core.policy import rule
from app.requests.models import HelpRequest
from app.requests.policy import is_member
from app.volunteers.claims.policy import has_accepted_claim


@rule("checkin.create")
def can_post_checkin(user: User, help_request: HelpRequest) -> bool:
    """Only accepted team members report progress."""
    return has_accepted_claim(user, help_request)


@rule("checkin.see_private")
def can_see_private_parts(user: User, help_request: HelpRequest) -> bool:
    """Blockers and next steps: the team, the organisation's staff and coordinators."""
    return (user.is_coordinator or is_member(user, help_request.organization_id)
            or has_accepted_claim(user, help_request))


@rule("request.needs_attention")
def can_watch_projects(user: User, help_request: HelpRequest | None = None) -> bool:
    """Coordinators watch stalled projects, nudge teams and release silent members."""
    return user.is_coordinator


@rule("checkin.reply")
def can_reply(user: User, help_request: HelpRequest) -> bool:
    """The organisation's staff answer check-ins; the team and coordinators may join the thread."""
    return can_see_private_parts(user, help_request)

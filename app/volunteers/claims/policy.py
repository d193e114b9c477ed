"""Who may claim, see, decide, withdraw, release, renew and conclude claims, and who is on a team.

The rules register with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up), and `has_accepted_claim` answers
`app.requests.policy.is_team_member`, since app.requests can't import this feature.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.core.models import User
from app.core.policy import rule
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.policy import is_member, team_member_checks
from app.volunteers.models import Claim


@rule("claim.create")
def can_claim(user: User, help_request: HelpRequest) -> bool:
    """Volunteer engineers claim seats; staff and coordinators don't."""
    return user.is_volunteer


@rule("claim.view")
def can_view_claim(user: User, claim: Claim) -> bool:
    """The volunteer, the organisation's staff and coordinators see a claim; nobody else."""
    return (claim.volunteer_id == user.id or user.is_coordinator
            or is_member(user, claim.help_request.organization_id))


@rule("claim.decide")
def can_decide_claim(user: User, claim: Claim) -> bool:
    """Staff of the organisation or a coordinator accept and decline, never on their own claim."""
    if claim.volunteer_id == user.id:
        return False
    return user.is_coordinator or is_member(user, claim.help_request.organization_id)


@rule("claim.withdraw")
def can_withdraw_claim(user: User, claim: Claim) -> bool:
    """Only the volunteer withdraws their claim (or leaves the team)."""
    return claim.volunteer_id == user.id


@rule("claim.place")
def can_place_volunteer(user: User, help_request: HelpRequest) -> bool:
    """Coordinators place a volunteer on a team directly (a matching event's confirmed match)."""
    return user.is_coordinator


@rule("claim.release")
def can_release_claim(user: User, claim: Claim) -> bool:
    """Coordinators release a seat, say when a volunteer went quiet."""
    return user.is_coordinator


@rule("claim.commit")
def can_renew_or_conclude(user: User, claim: Claim) -> bool:
    """Only the volunteer renews or concludes their commitment."""
    return claim.volunteer_id == user.id


@rule("request.see_claims")
def can_see_request_claims(user: User, help_request: HelpRequest) -> bool:
    """The organisation's staff and coordinators see every claim on a request."""
    return user.is_coordinator or is_member(user, help_request.organization_id)


def has_accepted_claim(user: User, help_request: HelpRequest) -> bool:
    """Whether `user` holds an accepted seat on the request (one query on an indexed pair)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Claim.request_id == help_request.id, Claim.volunteer_id == user.id, Claim.status == "accepted"))))


# app.requests can't import this feature: it asks its registered checks who is on a team.
if has_accepted_claim not in team_member_checks:
    team_member_checks.append(has_accepted_claim)

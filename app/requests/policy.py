"""Who may see and change help requests, the rules every subject of the feature shares; who is staff.

They stay at the feature's top because intake, review, pages, organisations and the volunteers
feature all ask them. The organisation's own rules live in `app.requests.organizations.policy`.
Services call these; views never check roles.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app.core.errors import NotFound
from app.core.models import User
from app.core.policy import rule
from app.extensions import db
from app.requests.models import HelpRequest, Membership, Organization

PUBLIC_STATUSES = frozenset({"open", "in_progress", "in_review", "delivered"})

# Features that know about teams (volunteers) register a check here, since app.requests must not
# import them: `team_member_checks.append(lambda user, help_request: ...)`.
team_member_checks: list[Callable[[User, HelpRequest], bool]] = []


def is_signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: User | None, organization: Organization | int | None) -> bool:
    """Whether the user is staff of the organisation (one indexed query)."""
    if not is_signed_in(user) or organization is None:
        return False
    org_id = organization if isinstance(organization, int) else organization.id
    return db.session.scalar(sa.select(sa.exists().where(
        Membership.organization_id == org_id, Membership.user_id == user.id))) or False


def is_team_member(user: User | None, help_request: HelpRequest) -> bool:
    """Whether the user holds an accepted seat on the request (answered by the volunteers feature)."""
    return is_signed_in(user) and any(check(user, help_request) for check in team_member_checks)


@rule("request.create")
def can_create_request(user: User, organization: Organization) -> bool:
    return user.is_nonprofit and is_member(user, organization)


def can_view_request(user: User | None, help_request: HelpRequest) -> bool:
    """Open and later requests are public; drafts, intake and withdrawn ones only to staff, coordinators."""
    if help_request.status in PUBLIC_STATUSES:
        return True
    if not is_signed_in(user):
        return False
    return user.is_coordinator or is_member(user, help_request.organization_id)


@rule("request.view")
def _can_view_request_rule(user: User, help_request: HelpRequest) -> bool:
    return can_view_request(user, help_request)


@rule("request.edit_draft")
def can_edit_draft(user: User, help_request: HelpRequest) -> bool:
    return help_request.status == "draft" and is_member(user, help_request.organization_id)


@rule("request.submit")
def can_submit(user: User, help_request: HelpRequest) -> bool:
    return is_member(user, help_request.organization_id)


@rule("request.withdraw")
def can_withdraw(user: User, help_request: HelpRequest) -> bool:
    return user.is_coordinator or is_member(user, help_request.organization_id)


@rule("request.review")
def can_review_intake(user: User, help_request: HelpRequest) -> bool:
    """Coordinators run intake: edit the spec, publish, send back, reject."""
    return user.is_coordinator


@rule("request.discuss")
def can_discuss(user: User, help_request: HelpRequest) -> bool:
    """The intake thread is between the organisation's staff and coordinators."""
    return user.is_coordinator or is_member(user, help_request.organization_id)


@rule("request.see_contact")
def can_see_request_contact(user: User, help_request: HelpRequest) -> bool:
    return (user.is_coordinator or is_member(user, help_request.organization_id)
            or is_team_member(user, help_request))


def visible_request_or_404(user: User | None, request_id: int) -> HelpRequest:
    """The request with this id if the user may see it; NotFound otherwise."""
    return visible_or_404(user, db.session.get(HelpRequest, request_id))


def visible_or_404(user: User | None, help_request: HelpRequest | None) -> HelpRequest:
    """The request if the user may see it; NotFound otherwise (never reveal that a draft exists)."""
    if help_request is None or not can_view_request(user, help_request):
        raise NotFound()
    return help_request

"""Reading organisations: a visible profile, who sees its contact, its staff, its requests, lists."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core.errors import NotAllowed, NotFound
from app.core.models import ROLES, User
from app.core.policy import can, require_role
from app.extensions import db
from app.requests import policy
from app.requests.models import HelpRequest, Membership, Organization
from app.requests.organizations.policy import can_view_organization


def organization_staff(organization_id: int, *, include_blocked: bool = False) -> list[User]:
    """The organisation's staff in the order they joined Codebridge (by user id).

    Only those who can still sign in, unless `include_blocked` (a coordinator's contact list).
    """
    statement = (sa.select(User).join(Membership, Membership.user_id == User.id)
                 .where(Membership.organization_id == organization_id).order_by(User.id))
    if not include_blocked:
        statement = statement.where(User.is_blocked.is_(False))
    return list(db.session.scalars(statement))


def get_visible(organization_id: int, viewer: User | None) -> Organization:
    """The organisation if `viewer` may see its profile; NotFound otherwise (a rejected one is hidden)."""
    organization = db.session.get(Organization, organization_id)
    if organization is None or not can_view_organization(viewer, organization):
        raise NotFound()
    return organization


def may_see_contact(viewer: User | None, organization: Organization,
                    help_requests: list[HelpRequest]) -> bool:
    """Whether `viewer` may see the private contact: staff and coordinators (the policy rule), and
    volunteers accepted on one of `help_requests` (the organisation's, as the page lists them).
    """
    if can(viewer, "organization.see_contact", organization):
        return True
    return any(policy.is_team_member(viewer, help_request) for help_request in help_requests
               if help_request.organization_id == organization.id)


def organizations_of(user: User) -> list[Organization]:
    """The organisations `user` is staff of, by name (one query)."""
    return list(db.session.scalars(
        sa.select(Organization).join(Membership).where(Membership.user_id == user.id)
        .order_by(Organization.name, Organization.id)))


def published_requests(organization: Organization) -> list[HelpRequest]:
    """The organisation's requests that are open or later, newest first, in one query."""
    return list(db.session.scalars(
        sa.select(HelpRequest)
        .where(HelpRequest.organization_id == organization.id,
               HelpRequest.status.in_(policy.PUBLIC_STATUSES))
        .order_by(HelpRequest.published_at.desc(), HelpRequest.id.desc())))


def members_query(organization: Organization) -> sa.Select:
    """The organisation's staff with their accounts loaded, owners first (for paging)."""
    return (sa.select(Membership).where(Membership.organization_id == organization.id)
            .options(selectinload(Membership.user))
            .order_by(Membership.role.desc(), Membership.created_at, Membership.id))


def members_of(organization: Organization) -> list[Membership]:
    """The organisation's staff with their accounts, owners first."""
    return list(db.session.scalars(members_query(organization)))


def organizations_for(viewer: User | None, *, verification: str | None = None,
                      mine: bool = False) -> sa.Select:
    """Organisations a list may show `viewer`, by name: verified ones for everyone, any state for
    coordinators, and with `mine` the viewer's own in every state.

    Raises NotAllowed when someone other than a coordinator asks for a state besides verified,
    and Unauthenticated for `mine` without a signed-in user.
    """
    statement = sa.select(Organization).order_by(Organization.name, Organization.id)
    if mine:
        require_role(viewer, *ROLES)
        statement = statement.join(Membership).where(Membership.user_id == viewer.id)
    elif not (policy.is_signed_in(viewer) and viewer.is_coordinator):
        if verification not in (None, "verified"):
            raise NotAllowed(_("Only coordinators can list organisations that are not verified."))
        verification = "verified"
    if verification:
        statement = statement.where(Organization.verification == verification)
    return statement

"""Who may see, edit, verify and invite to an organisation, and see its private contact.

The rules register with `app.core.policy`'s `can()` registry when this module is imported (the
feature's package imports it at start-up). Staff membership itself (`is_member`) is answered by
`app.requests.policy`, which the help-request rules share.
"""

from __future__ import annotations

from app.core.models import User
from app.core.policy import rule
from app.requests.models import Organization
from app.requests.policy import is_member, is_signed_in


@rule("organization.edit")
def can_edit_organization(user: User, organization: Organization) -> bool:
    return user.is_coordinator or is_member(user, organization)


@rule("organization.verify")
def can_verify_organization(user: User, organization: Organization) -> bool:
    return user.is_coordinator


@rule("organization.invite")
def can_invite_to_organization(user: User, organization: Organization) -> bool:
    """Staff bring in their colleagues; coordinators don't add people to someone else's team."""
    return is_member(user, organization)


@rule("organization.request_verification")
def can_request_verification(user: User, organization: Organization) -> bool:
    return is_member(user, organization)


def can_view_organization(user: User | None, organization: Organization) -> bool:
    """Pending and verified profiles are public; a rejected one only to its staff and coordinators."""
    if organization.verification != "rejected":
        return True
    return is_signed_in(user) and (user.is_coordinator or is_member(user, organization))


@rule("organization.see_contact")
def can_see_organization_contact(user: User, organization: Organization) -> bool:
    return user.is_coordinator or is_member(user, organization)

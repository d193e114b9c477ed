"""The organisation's private contact: shown only by the policy's rule, and every showing recorded."""

from __future__ import annotations

from app.core.audit import services as audit
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest, Organization
from app.requests.policy import can_see_request_contact, is_signed_in


def record_contact_view(viewer: User, organization: Organization, *, via: str,
                        help_request: HelpRequest | None = None) -> None:
    """Record a `contact.viewed` audit event: `viewer` was shown the organisation's contact; commits.

    `via` names where (request_page, organization_page, claim_page, api). The commit keeps the
    objects the caller already loaded (nothing was changed but the audit row), so the page that
    goes on to render them does not read them again.
    """
    detail = {"via": via}
    if help_request is not None:
        detail["request_id"] = help_request.id
    audit.record("contact.viewed", organization, actor=viewer, **detail)
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def reveal_request_contact(viewer: User | None, help_request: HelpRequest, *, via: str) -> bool:
    """Whether `viewer` may see the contact of the request's organisation (staff, coordinators and
    accepted team members); when they may, the showing is recorded (see record_contact_view)."""
    if not is_signed_in(viewer) or not can_see_request_contact(viewer, help_request):
        return False
    record_contact_view(viewer, help_request.organization, via=via, help_request=help_request)
    return True

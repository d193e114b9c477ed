"""Verifying organisations: supporting documents, the coordinators' queue, decisions, asking again."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from app.core.audit import services as audit
from app.core.cleaning import clean_text_into
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.requests.intake import attachments
from app.requests.models import Attachment, Membership, Organization
from app.requests.organizations.queries import members_of
from app.requests.organizations.services import announce_listing_change

DECISIONS = ("verified", "rejected")
MAX_DOCUMENTS = 10


def verification_documents(organization_ids: list[int]) -> dict[int, list[Attachment]]:
    """The verification documents of these organisations, oldest first, keyed by organisation (one query)."""
    documents: dict[int, list[Attachment]] = {org_id: [] for org_id in organization_ids}
    if organization_ids:
        rows = db.session.scalars(
            sa.select(Attachment)
            .where(Attachment.organization_id.in_(organization_ids), Attachment.purpose == "verification")
            .order_by(Attachment.created_at, Attachment.id))
        for document in rows:
            documents[document.organization_id].append(document)
    return documents


def add_verification_document(organization: Organization, user: User,
                              file_storage: FileStorage | None) -> Attachment:
    """Store a supporting document (registration certificate, letter) for the organisation; commit.

    Checked and stored by the shared attachments service (type by content, size limit, audit).
    Raises NotAllowed unless `user` is staff or a coordinator, Conflict when the organisation
    already has MAX_DOCUMENTS, and whatever save_attachment raises (Invalid `file`, TooLarge).
    """
    require(user, "organization.edit", organization)
    count = db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
        Attachment.organization_id == organization.id, Attachment.purpose == "verification")) or 0
    if count >= MAX_DOCUMENTS:
        raise Conflict(_("The organisation already has %(n)d documents, the most it can hold. Remove one "
                         "before adding another.", n=MAX_DOCUMENTS), code="too_many_documents")
    return attachments.save_attachment(file_storage, uploaded_by=user, organization=organization,
                                       purpose="verification")


def verification_queue(state: str = "pending") -> sa.Select:
    """Organisations in a verification state with their staff loaded, oldest first (for paging)."""
    return (sa.select(Organization).where(Organization.verification == state)
            .options(selectinload(Organization.memberships).selectinload(Membership.user))
            .order_by(Organization.created_at, Organization.id))


def pending_count() -> int:
    """How many organisations wait for a coordinator's decision (one COUNT on an indexed column)."""
    return db.session.scalar(sa.select(sa.func.count(Organization.id))
                             .where(Organization.verification == "pending")) or 0


def decide_verification(organization: Organization, coordinator: User, decision: str,
                        note: str | None = None) -> Organization:
    """Verify or reject the organisation with a note its staff see, e-mail them and commit.

    Raises NotAllowed unless `coordinator` is one, Invalid for an unknown decision or a rejection
    without a note (the nonprofit must learn what to fix), and Conflict when the organisation
    already has that state. A verified organisation can be rejected later (verification revoked).
    Records `organization.verified` or `organization.rejected` in the audit trail.
    """
    require(coordinator, "organization.verify", organization)
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = _("Choose verified or rejected.")
    note = clean_text_into(errors, note, "note", max_length=20_000) or None
    if decision == "rejected" and not note and "note" not in errors:
        errors["note"] = _("Tell the nonprofit why, and what to send or change to be verified.")
    if errors:
        raise Invalid(fields=errors)
    if organization.verification == decision:
        message = (_("This organisation is already verified.") if decision == "verified"
                   else _("This organisation is already rejected. It returns to the queue when its staff "
                          "ask for verification again."))
        raise Conflict(message, code="verification_unchanged")
    previous = organization.verification
    organization.verification = decision
    organization.verification_note = note
    organization.verified_at = utcnow() if decision == "verified" else None
    organization.verified_by_id = coordinator.id
    audit.record(f"organization.{decision}", organization, actor=coordinator, previous=previous,
                 note=note)
    announce_listing_change(organization, ["verification"], coordinator)
    subject = (N_("%(organization)s is verified on Codebridge") if decision == "verified"
               else N_("%(organization)s is not verified yet: what to do next"))
    for membership in members_of(organization):
        send_email(membership.user, "organization_verification", subject,
                   f"organizations/organization_{decision}",
                   subject_params={"organization": organization.name}, organization=organization,
                   note=note)
    db.session.commit()
    return organization


def request_verification_again(organization: Organization, user: User) -> Organization:
    """Put a rejected organisation back in the verification queue; commit.

    For its staff after they changed the profile or added documents. Raises NotAllowed unless
    `user` is staff, and Conflict unless the organisation was rejected.
    """
    require(user, "organization.request_verification", organization)
    if organization.verification != "rejected":
        raise Conflict(_("Only a rejected organisation can ask again: this one is %(state)s.",
                         state=verification_label(organization.verification)),
                       code="verification_not_rejected")
    organization.verification = "pending"
    audit.record("organization.verification_requested", organization, actor=user)
    announce_listing_change(organization, ["verification"], user)
    db.session.commit()
    return organization


def verification_label(state: str) -> str:
    """The translated name of a verification state."""
    labels = {"pending": _("waiting for verification"), "verified": _("verified"),
              "rejected": _("not verified")}
    return labels.get(state, state)

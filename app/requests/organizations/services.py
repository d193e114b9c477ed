"""Organisation services: profiles, cause areas, colleagues' invitations and verification."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import FileStorage

from app.core.accounts import services as accounts
from app.core.audit import services as audit
from app.core.cleaning import clean_text_into, phone_problem
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import ROLES, User
from app.core.policy import can, require, require_role
from app.core.web_addresses import web_address
from app.extensions import db
from app.requests import policy, signals
from app.requests.intake import attachments
from app.requests.models import (
    Attachment,
    HelpRequest,
    Membership,
    Organization,
    OrganizationInvitation,
)
from app.requests.organizations.policy import can_view_organization

CAUSES_FILE = Path("requests") / "causes.json"
INVITATION_DAYS = 14
INVITATIONS_PER_DAY = 20  # per organisation: enough for a team, too few to spam from our mail server
DECISIONS = ("verified", "rejected")
MAX_DOCUMENTS = 10
# Column widths of Organization; a longer value would fail only on PostgreSQL, so check them here.
LIMITS = {"name": 200, "description": 20_000, "region": 100, "website": 255, "registration_number": 60,
          "contact_name": 120, "contact_phone": 40, "contact_email": 254}
PROFILE_FIELDS = ("name", "description", "cause_areas", "region", "website", "registration_number",
                  "contact_name", "contact_phone", "contact_email")
REQUIRED_FIELDS = ("name", "description", "region")
# Who the organisation is, as a coordinator checked it: changing these by its own staff asks again.
IDENTITY_FIELDS = ("name", "registration_number")
# What a request's listing shows of its organisation (search results, facets, the verified filter).
LISTING_FIELDS = ("name", "region", "cause_areas", "verification")


# --- cause areas (data in requests/causes.json) --------------------------------------------------

@dataclass(frozen=True)
class Cause:
    """One cause area: a stored slug and its names in both languages."""

    slug: str
    en: str
    zh: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


def causes() -> tuple[Cause, ...]:
    """The cause areas, in the order of CONTENT_DIR/requests/causes.json (read once per process)."""
    return _read_causes(str(Path(current_app.config["CONTENT_DIR"]) / CAUSES_FILE))


@lru_cache(maxsize=4)
def _read_causes(path: str) -> tuple[Cause, ...]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Cause(entry["slug"], entry["en"], entry["zh"]) for entry in document["causes"])


def cause_label(slug: str, locale: str) -> str:
    """The name of a cause area in `locale` ('en' or 'zh_CN'); an unknown slug is shown as it is."""
    for cause in causes():
        if cause.slug == slug:
            return cause.label(locale)
    return slug


def _clean_causes(values: Any) -> tuple[list[str], str | None]:
    """Known slugs in the order given (names in either language are accepted), or an error sentence."""
    if not isinstance(values, list | tuple):
        return [], _("Choose at least one cause area.")
    by_word = {}
    for cause in causes():
        for word in (cause.slug, cause.en, cause.zh):
            by_word[word.casefold()] = cause.slug
    cleaned: list[str] = []
    for value in values:
        slug = by_word.get(str(value).strip().casefold())
        if slug is None:
            return [], _("“%(value)s” is not one of our cause areas. Choose from: %(choices)s.",
                         value=str(value)[:60], choices=", ".join(c.slug for c in causes()))
        if slug not in cleaned:
            cleaned.append(slug)
    if not cleaned:
        return [], _("Choose at least one cause area.")
    return cleaned, None


# --- profile validation -------------------------------------------------------------------------

def _clean_website(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    address = web_address(value)
    if address is None:
        return None, _("Enter a web address like https://example.org.")
    return address, None


def _clean_email(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    try:
        return validate_email(value, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return None, _("Enter a valid e-mail address, like name@example.org.")


def _clean_phone(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    problem = phone_problem(value)
    return (None, problem) if problem else (value, None)


def clean_profile(values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check and normalise profile fields; with `partial`, only the fields given are checked.

    Returns the cleaned values (optional fields left empty become None). Raises Invalid naming
    every bad field at once.
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        if partial and name not in values:
            continue
        raw = values.get(name)
        if name == "cause_areas":
            cleaned[name], error = _clean_causes(raw or [])
            if error:
                errors[name] = error
            continue
        text = clean_text_into(errors, raw, name, max_length=LIMITS[name])
        if text is None:
            continue
        if name in REQUIRED_FIELDS:
            if not text:
                errors[name] = _required_message(name)
            cleaned[name] = text
            continue
        checker = {"website": _clean_website, "contact_email": _clean_email,
                   "contact_phone": _clean_phone}.get(name)
        value, error = checker(text) if checker else (text or None, None)
        if error:
            errors[name] = error
        cleaned[name] = value
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _required_message(name: str) -> str:
    return {
        "name": _("Enter your organisation's name."),
        "description": _("Tell volunteers what your organisation does, where, and whom it serves."),
        "region": _("Enter the city or province where you work, or “online”."),
    }[name]


# --- profiles ------------------------------------------------------------------------------------

def create_organization(creator: User, **fields: Any) -> Organization:
    """Create an organisation profile, pending verification, with `creator` as its owner; commit.

    Only nonprofit staff create organisations (NotAllowed otherwise). Raises Invalid naming every
    bad field. Records `organization.created` in the audit trail.
    """
    require_role(creator, "nonprofit")
    values = clean_profile(fields)
    organization = Organization(verification="pending", **values)
    organization.memberships.append(Membership(user=creator, role="owner"))
    db.session.add(organization)
    db.session.flush()
    audit.record("organization.created", organization, actor=creator, name=organization.name)
    db.session.commit()
    return organization


def update_organization(organization: Organization, editor: User, *, base_version: int | None = None,
                        **fields: Any) -> Organization:
    """Change the fields given (others stay as they are) and commit, auditing which ones changed.

    Members and coordinators may edit (NotAllowed otherwise). When the organisation's own staff
    change the name or registration number of a verified organisation, it goes back to pending:
    the badge vouches for who the organisation is. A save that changes something moves `version`
    on by one. Raises Conflict `stale_version`, saving nothing, when `base_version` (the version
    the editor started from) is no longer current or another save landed since `organization`
    was loaded: of two racing saves exactly one succeeds. Raises Invalid naming every bad field.
    """
    require(editor, "organization.edit", organization)
    if base_version is not None and base_version != organization.version:
        raise _stale_organization()
    values = clean_profile(fields, partial=True)
    changed = sorted(name for name, value in values.items() if getattr(organization, name) != value)
    if not changed:
        return organization
    _claim_next_version(organization)
    for name in changed:
        setattr(organization, name, values[name])
    detail: dict[str, Any] = {"fields": changed, "version": organization.version}
    listing_changes = list(changed)
    if (organization.is_verified and not editor.is_coordinator
            and any(name in IDENTITY_FIELDS for name in changed)):
        organization.verification = "pending"
        organization.verification_note = None
        organization.verified_at = None
        organization.verified_by_id = None
        detail["verification"] = "pending"
        listing_changes.append("verification")
    audit.record("organization.updated", organization, actor=editor, **detail)
    _announce_listing_change(organization, listing_changes, editor)
    db.session.commit()
    return organization


def _stale_organization() -> Conflict:
    return Conflict(_("Someone else saved this organisation since you loaded it. Load it again, apply "
                      "your changes to what they saved, then save again."), code="stale_version")


def _claim_next_version(organization: Organization) -> None:
    """Move the organisation's version on by one, if it is still the version it was loaded with.

    A compare-and-set before anything of the save is flushed: on PostgreSQL a racing save waits for
    the first one's row lock and then matches nothing; on SQLite it waits for the first writer and
    then reads its commit. A refusal rolls back and raises Conflict `stale_version`.
    """
    loaded = organization.version
    claimed = db.session.execute(
        sa.update(Organization).where(Organization.id == organization.id, Organization.version == loaded)
        .values(version=loaded + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()  # the organisation reloads with the other save's values
        raise _stale_organization()
    set_committed_value(organization, "version", loaded + 1)


def _announce_listing_change(organization: Organization, changed: list[str], by: User) -> None:
    """Send `organization_updated` when a change shows in the organisation's request listings."""
    fields = sorted(name for name in changed if name in LISTING_FIELDS)
    if fields:
        signals.organization_updated.send(current_app._get_current_object(), organization=organization,
                                          fields=fields, by=by)


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


# --- invitations ---------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_expires_at(invitation: OrganizationInvitation) -> datetime:
    """When the invitation stops working."""
    return invitation.created_at + timedelta(days=INVITATION_DAYS)


def invite_member(organization: Organization, inviter: User, email: str, *,
                  locale: str | None = None) -> tuple[OrganizationInvitation, str]:
    """Invite an e-mail address to join the organisation and e-mail it a link; commit.

    Returns the invitation and its token (the token itself is never stored, only its SHA-256).
    An earlier unused invitation to the same address is replaced. The e-mail goes out in
    `locale` (the inviter's language by default). Raises NotAllowed unless `inviter` is staff,
    Invalid('email') for a bad address or one that is already a member, and Conflict after
    INVITATIONS_PER_DAY invitations from one organisation in a day.
    """
    require(inviter, "organization.invite", organization)
    try:
        address = accounts.normalise_email(email)
    except Invalid:
        raise Invalid("email", _("Enter your colleague's e-mail address, like name@example.org.")) from None
    already = db.session.scalar(sa.select(sa.exists().where(
        Membership.organization_id == organization.id, Membership.user_id == User.id,
        User.email == address)))
    if already:
        raise Invalid("email", _("%(email)s is already a member of this organisation.", email=address))
    sent_today = db.session.scalar(sa.select(sa.func.count(OrganizationInvitation.id)).where(
        OrganizationInvitation.organization_id == organization.id,
        OrganizationInvitation.created_at > utcnow() - timedelta(days=1))) or 0
    if sent_today >= INVITATIONS_PER_DAY:
        raise Conflict(_("This organisation has sent %(n)d invitations today. Try again tomorrow.",
                         n=INVITATIONS_PER_DAY), code="too_many_invitations")
    db.session.execute(sa.delete(OrganizationInvitation).where(
        OrganizationInvitation.organization_id == organization.id,
        OrganizationInvitation.email == address, OrganizationInvitation.accepted_at.is_(None)))
    token = secrets.token_urlsafe(32)
    invitation = OrganizationInvitation(organization=organization, email=address,
                                        token_hash=_token_hash(token), invited_by_id=inviter.id,
                                        created_at=utcnow())
    db.session.add(invitation)
    db.session.flush()
    send_email(address, "organization_invitation",
               N_("%(inviter)s invited you to join %(organization)s on Codebridge"),
               "organizations/organization_invitation", locale=locale or inviter.locale,
               subject_params={"inviter": inviter.name, "organization": organization.name},
               organization=organization, inviter=inviter, token=token, days=INVITATION_DAYS)
    audit.record("organization.member_invited", organization, actor=inviter, email=address)
    db.session.commit()
    return invitation, token


def open_invitations(organization: Organization) -> list[OrganizationInvitation]:
    """Invitations not yet accepted and not expired, newest first (one query)."""
    return list(db.session.scalars(
        sa.select(OrganizationInvitation)
        .where(OrganizationInvitation.organization_id == organization.id,
               OrganizationInvitation.accepted_at.is_(None),
               OrganizationInvitation.created_at > utcnow() - timedelta(days=INVITATION_DAYS))
        .options(selectinload(OrganizationInvitation.invited_by))
        .order_by(OrganizationInvitation.created_at.desc(), OrganizationInvitation.id.desc())))


def find_invitation(token: str) -> OrganizationInvitation:
    """The invitation this link token belongs to, used or not; NotFound for an unknown token."""
    invitation = None
    if token and len(token) <= 100:
        invitation = db.session.scalar(sa.select(OrganizationInvitation).where(
            OrganizationInvitation.token_hash == _token_hash(token)))
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Check that you copied the whole link, "
                         "or ask your colleague to invite you again."), code="invitation_not_found")
    return invitation


def invitation_problem(invitation: OrganizationInvitation) -> Conflict | None:
    """Why the invitation can no longer be accepted (already used, or expired), or None."""
    if invitation.accepted_at is not None:
        return Conflict(_("This invitation has already been used. If you joined, the organisation is "
                          "on your dashboard; otherwise ask your colleague to invite you again."),
                        code="invitation_used")
    if utcnow() >= invitation_expires_at(invitation):
        return Conflict(_("This invitation expired %(days)d days after it was sent. Ask your colleague "
                          "to invite you again.", days=INVITATION_DAYS), code="invitation_expired")
    return None


def is_invitee(user: User, invitation: OrganizationInvitation) -> bool:
    """Whether the account's e-mail address is the invited one (the token was mailed only there)."""
    return user.email.lower() == invitation.email.lower()


def accept_invitation(token: str, user: User) -> Membership:
    """Make `user` a member of the invitation's organisation and use the invitation up; commit.

    Raises NotFound for an unknown token, Conflict (codes `invitation_used`, `invitation_expired`)
    when it can no longer be used, and NotAllowed unless `user` is nonprofit staff whose account
    has the invited e-mail address (`invitation_for_another_address`): a forwarded or leaked link
    joins nobody else. Two people accepting the same link at once: exactly one succeeds. A user
    who is already a member just uses the invitation up.
    """
    invitation = find_invitation(token)
    problem = invitation_problem(invitation)
    if problem is not None:
        raise problem
    if not user.is_nonprofit:
        raise NotAllowed(_("Only nonprofit staff accounts can join an organisation. Sign out, then sign "
                           "in or sign up with a nonprofit staff account."), code="not_nonprofit_staff")
    if not is_invitee(user, invitation):
        raise NotAllowed(_("This invitation was sent to %(email)s, and you are signed in with another "
                           "address. Sign out, then sign in or sign up with %(email)s to join.",
                           email=invitation.email), code="invitation_for_another_address")
    now = utcnow()
    # A conditional update, so a link accepted twice at the same moment is used only once.
    used = db.session.execute(
        sa.update(OrganizationInvitation)
        .where(OrganizationInvitation.id == invitation.id, OrganizationInvitation.accepted_at.is_(None))
        .values(accepted_at=now))
    if used.rowcount != 1:
        db.session.rollback()
        raise invitation_problem(db.session.get(OrganizationInvitation, invitation.id)) or Conflict()
    membership = db.session.scalar(sa.select(Membership).where(
        Membership.organization_id == invitation.organization_id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(organization_id=invitation.organization_id, user_id=user.id, role="member")
        db.session.add(membership)
        db.session.flush()
        audit.record("organization.member_joined", target_type="organizations",
                     target_id=invitation.organization_id, actor=user, invitation_id=invitation.id)
    db.session.commit()
    return membership


def join_with_new_account(token: str, *, name: str, password: str, locale: str) -> tuple[User, Membership]:
    """Create a nonprofit staff account for the invited address and accept the invitation.

    Checks the invitation before creating anything (NotFound / Conflict as in accept_invitation).
    Raises Invalid for a bad name or password and Conflict (`email_taken`) when the address
    already has an account. Commits twice: the account (through accounts.create_user), then the
    membership; should the second fail, the person can sign in and open the link again.
    """
    invitation = find_invitation(token)
    problem = invitation_problem(invitation)
    if problem is not None:
        raise problem
    user = accounts.create_user(email=invitation.email, password=password, name=name,
                                role="nonprofit", locale=locale)
    return user, accept_invitation(token, user)


# --- verification --------------------------------------------------------------------------------

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
    _announce_listing_change(organization, ["verification"], coordinator)
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
    _announce_listing_change(organization, ["verification"], user)
    db.session.commit()
    return organization


def verification_label(state: str) -> str:
    """The translated name of a verification state."""
    labels = {"pending": _("waiting for verification"), "verified": _("verified"),
              "rejected": _("not verified")}
    return labels.get(state, state)

"""Colleagues' invitations: invite by e-mail, check a link, accept it or join with a new account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core.accounts import services as accounts
from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.requests.models import Membership, Organization, OrganizationInvitation

INVITATION_DAYS = 14
INVITATIONS_PER_DAY = 20  # per organisation: enough for a team, too few to spam from our mail server


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

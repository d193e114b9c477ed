"""Claim jobs: notices (e-mail and in-app) and the response-window duties run by `flask jobs tick`.

Duties are idempotent: what they sent is stamped on the claim with a conditional UPDATE
(`reminded_at`, `renewal_asked_at`) or is a status move (expiry), so a second tick, or two
ticks at once, send nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.jobs.services import enqueue, periodic
from app.core.mail import send_email
from app.core.models import Notification
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.organizations.queries import organization_staff
from app.volunteers.claims.queries import expires_on
from app.volunteers.claims.services import NOTICE_JOB, expire_claim
from app.volunteers.claims.status import ASK_RENEWAL_BEFORE, EXPIRE_PENDING_AFTER, REMIND_PENDING_AFTER
from app.volunteers.models import Claim

log = logging.getLogger(__name__)

DUTY_BATCH = 200  # claims handled per tick and duty; the next tick takes the rest


@dataclass(frozen=True)
class Notice:
    """Who hears about a claim event, with which e-mail (templates/email/<template>) and subject."""

    audience: str  # "staff" (the organisation's) or "volunteer"
    template: str
    subject: str


NOTICES = {
    "received": Notice("staff", "claim_received", N_("A volunteer asks to join “%(title)s”")),
    "joined": Notice("staff", "claim_joined", N_("A volunteer joined the team of “%(title)s”")),
    "accepted": Notice("volunteer", "claim_accepted", N_("You are on the team of “%(title)s”")),
    "declined": Notice("volunteer", "claim_declined", N_("Your claim on “%(title)s” was declined")),
    "withdrawn": Notice("staff", "claim_withdrawn", N_("A volunteer withdrew from “%(title)s”")),
    "released": Notice("volunteer", "claim_released", N_("Your seat on “%(title)s” was released")),
    "expired": Notice("volunteer", "claim_expired",
                      N_("Sorry: your claim on “%(title)s” expired without an answer")),
    "reminder": Notice("staff", "claim_reminder",
                       N_("A volunteer is waiting for your answer on “%(title)s”")),
    "renewal": Notice("volunteer", "claim_renewal",
                      N_("Your commitment to “%(title)s” ends soon: renew or conclude")),
    "completed": Notice("staff", "claim_completed",
                        N_("A volunteer concluded their commitment to “%(title)s”")),
    "request_closed": Notice("volunteer", "claim_request_closed",
                             N_("“%(title)s” is closed, so your claim on it ended")),
}


def send_claim_notice(claim_id: int, event: str) -> int:
    """Job: tell the people concerned about a claim event, by e-mail (kind `claims`) and in-app.

    The organisation's staff hear of claims received, joined, withdrawn, completed and of the
    reminder; the volunteer of accepted, declined, released, expired and the renewal question.
    Each recipient gets a `claim_<event>` notification linking to the claim, and an e-mail in
    their language unless they turned claim e-mails off. Commits once; returns how many were told
    (0 for a claim that no longer exists). Raises KeyError for an unknown event.
    """
    notice = NOTICES[event]
    claim = db.session.scalar(
        sa.select(Claim).where(Claim.id == claim_id)
        .options(joinedload(Claim.help_request).joinedload(HelpRequest.organization),
                 joinedload(Claim.volunteer), joinedload(Claim.decided_by)))
    if claim is None:
        return 0
    help_request = claim.help_request
    recipients = ([claim.volunteer] if notice.audience == "volunteer"
                  else organization_staff(help_request.organization_id))
    link = url_for("volunteers.show_claim", claim_id=claim.id)
    for recipient in recipients:
        if recipient.is_blocked:
            continue
        send_email(recipient, "claims", notice.subject, f"claims/{notice.template}",
                   subject_params={"title": help_request.title}, claim=claim, help_request=help_request,
                   volunteer=claim.volunteer, expires_on=expires_on(claim),
                   claim_url=url_for("volunteers.show_claim", claim_id=claim.id, _external=True))
        db.session.add(Notification(user_id=recipient.id, kind=f"claim_{event}", link=link, params={
            "request_id": help_request.id, "title": help_request.title, "claim_id": claim.id,
            "volunteer": claim.volunteer.name}))
    db.session.commit()
    return len(recipients)


# --- response windows -----------------------------------------------------------------------------

@periodic("claims.remind_pending")
def remind_pending_claims(now: datetime | None = None) -> int:
    """Duty: remind the organisation of claims waiting longer than 2 days, once per claim.

    Returns how many reminders were queued.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(Claim.id).where(Claim.status == "pending", Claim.reminded_at.is_(None),
                                  Claim.created_at <= now - REMIND_PENDING_AFTER,
                                  Claim.created_at > now - EXPIRE_PENDING_AFTER)
        .order_by(Claim.id).limit(DUTY_BATCH)))
    return _stamp_and_notify(due, Claim.reminded_at, "reminder", now, Claim.status == "pending")


@periodic("claims.expire_pending")
def expire_pending_claims(now: datetime | None = None) -> int:
    """Duty: expire claims nobody answered within 7 days, with an apology to the volunteer.

    A claim answered meanwhile is left alone. Returns how many expired.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(Claim).where(Claim.status == "pending", Claim.created_at <= now - EXPIRE_PENDING_AFTER)
        .options(joinedload(Claim.help_request)).order_by(Claim.id).limit(DUTY_BATCH)))
    expired = 0
    for claim in due:
        try:
            expire_claim(claim, now=now)
        except Conflict:
            continue  # answered between our read and the expiry: nothing to do
        expired += 1
    return expired


@periodic("claims.ask_renewal")
def ask_renewals(now: datetime | None = None) -> int:
    """Duty: ask volunteers whose commitment ends within 7 days to renew or conclude, once per period.

    Renewing clears the stamp, so the question comes again before the new end. Returns how many
    were asked.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(Claim.id).where(Claim.status == "accepted", Claim.renewal_asked_at.is_(None),
                                  Claim.ends_on.is_not(None),
                                  Claim.ends_on <= (now + ASK_RENEWAL_BEFORE).date())
        .order_by(Claim.id).limit(DUTY_BATCH)))
    return _stamp_and_notify(due, Claim.renewal_asked_at, "renewal", now, Claim.status == "accepted")


def _stamp_and_notify(claim_ids: list[int], stamp: InstrumentedAttribute, event: str,
                      now: datetime, still: sa.ColumnElement[bool]) -> int:
    """Stamp each claim (only if unstamped and `still` holds) and queue its notice in the same commit."""
    sent = 0
    for claim_id in claim_ids:
        stamped = db.session.execute(
            sa.update(Claim).where(Claim.id == claim_id, stamp.is_(None), still)
            .values({stamp.key: now}).execution_options(synchronize_session=False)).rowcount
        if stamped:
            enqueue(NOTICE_JOB, claim_id, event)
            sent += 1
        db.session.commit()
    return sent

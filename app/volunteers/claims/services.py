"""Claiming seats: claim, accept, decline, withdraw, release, renew and conclude, with their limits.

Every status move goes through `app.volunteers.claims.status.transition` (seats, request status,
timeline, audit); this module requires the rules of `app.volunteers.claims.policy`, checks the
input and the volunteer's limits, queues the notices and commits once per call. Reading helpers
for pages and the API live in `app.volunteers.claims.queries`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid, NotAllowed
from app.core.i18n import N_
from app.core.jobs.services import enqueue
from app.core.models import User
from app.core.policy import can, require
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.timeline.services import add_entry
from app.volunteers.claims import status as claim_status
from app.volunteers.claims.status import CLAIMABLE_REQUEST_STATUSES, commitment_end
from app.volunteers.models import (
    CLAIM_ROLES,
    COMMITMENT_MONTHS,
    LIVE_CLAIM_STATUSES,
    Claim,
    VolunteerProfile,
)

NOTICE_JOB = "app.volunteers.claims.jobs.send_claim_notice"
HOURS_MIN, HOURS_MAX = 1, 40
DEFAULT_COMMITMENT_MONTHS = 3


# --- checks -------------------------------------------------------------------------------------

def _claim_fields(role: str, hours_per_week: object, message: str | None,
                  commitment_months: object) -> dict:
    """The new claim's values, or Invalid naming every field that is wrong."""
    errors: dict[str, str] = {}
    if role not in CLAIM_ROLES:
        errors["role"] = _("Choose lead or member.")
    if (isinstance(hours_per_week, bool) or not isinstance(hours_per_week, int)
            or not HOURS_MIN <= hours_per_week <= HOURS_MAX):
        errors["hours_per_week"] = _("Enter the hours a week you commit, from %(min)d to %(max)d.",
                                     min=HOURS_MIN, max=HOURS_MAX)
    if commitment_months not in COMMITMENT_MONTHS:
        errors["commitment_months"] = _("Choose a commitment of 1, 3, 6 or 12 months.")
    try:
        text = clean_text(message, "message", max_length=TEXT_MAX)
    except Invalid as error:
        errors.update(error.fields)
        text = ""
    if errors:
        raise Invalid(fields=errors)
    return {"role": role, "hours_per_week": hours_per_week, "message": text,
            "commitment_months": commitment_months}


def _check_volunteer_limits(volunteer: User, claim: Claim) -> None:
    """Refuse a claim past the live-claim limit (Conflict) or the profile's hours (Invalid).

    Runs after the claim's INSERT: on SQLite that INSERT holds the database's write lock; on
    PostgreSQL the volunteer's account row is locked FOR NO KEY UPDATE (which the claim's own
    foreign-key lock doesn't block), so one volunteer's claims are counted one at a time.
    """
    db.session.execute(sa.select(User.id).where(User.id == volunteer.id).with_for_update(key_share=True))
    count, hours = db.session.execute(
        sa.select(sa.func.count(Claim.id), sa.func.coalesce(sa.func.sum(Claim.hours_per_week), 0))
        .where(Claim.volunteer_id == volunteer.id, Claim.status.in_(LIVE_CLAIM_STATUSES),
               Claim.id != claim.id)).one()
    limit = current_app.config["LIVE_CLAIM_LIMIT"]
    if count >= limit:
        raise Conflict(ngettext(
            "You already hold %(num)d live claim (waiting or accepted), the most one volunteer can "
            "hold at once. Withdraw it or finish that project before claiming another.",
            "You already hold %(num)d live claims (waiting or accepted), the most one volunteer can "
            "hold at once. Withdraw one or finish a project before claiming another.", limit),
            code="live_claim_limit", limit=limit)
    profile = db.session.get(VolunteerProfile, volunteer.id)
    # Without a profile there are no stated hours to hold the claim to.
    if profile is None or hours + claim.hours_per_week <= profile.hours_per_week:
        return
    left = max(profile.hours_per_week - hours, 0)
    if left == 0:
        message = _("Your profile offers %(offered)d hours a week and your other claims already take "
                    "them all. Withdraw a claim, or raise your hours on your profile first.",
                    offered=profile.hours_per_week)
    else:
        message = _("Your profile offers %(offered)d hours a week and your other claims take "
                    "%(taken)d, so you can commit at most %(left)d more. Choose fewer hours, or raise "
                    "your hours on your profile.", offered=profile.hours_per_week, taken=hours, left=left)
    raise Invalid("hours_per_week", message)


# --- claiming ------------------------------------------------------------------------------------

def _add_claim(help_request: HelpRequest, volunteer: User, fields: dict, *, actor: User) -> Claim:
    """Insert a waiting claim with its checks, timeline entry and audit event; does not commit.

    The checks every claim passes, whoever makes it: the request takes claims, one live claim per
    volunteer and request (the partial unique index), the live-claim limit and the profile's hours.
    Raises Conflict (`request_not_open`, `already_claimed`, `live_claim_limit`) and Invalid
    (`hours_per_week`); the caller rolls back.
    """
    if help_request.status not in CLAIMABLE_REQUEST_STATUSES:
        raise Conflict(claim_status.not_claimable_reason(help_request.status), code="request_not_open")
    claim = Claim(help_request=help_request, volunteer=volunteer, status="pending", **fields)
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # before the message: translating it reads the signed-in user
        raise Conflict(_("You already have a claim on this request, waiting or accepted. Find it "
                         "under My projects."), code="already_claimed") from None
    _check_volunteer_limits(volunteer, claim)
    add_entry(help_request, "claim_submitted", actor=actor,
              summary="A volunteer asked to join the team.",
              detail={"claim_id": claim.id, "role": claim.role, "volunteer_id": volunteer.id})
    audit.record("claim.submitted", claim, actor=actor, request_id=help_request.id,
                 role=claim.role, hours_per_week=claim.hours_per_week,
                 commitment_months=claim.commitment_months)
    return claim


def create_claim(help_request: HelpRequest, volunteer: User, *, hours_per_week: int,
                 role: str = "member", message: str | None = "",
                 commitment_months: int = DEFAULT_COMMITMENT_MONTHS) -> Claim:
    """Claim a seat on an open or in-progress request; on an auto-accept request it is accepted at once.

    Guarantees at most one live claim per volunteer and request (the database's partial unique
    index), no more than LIVE_CLAIM_LIMIT live claims per volunteer, no more hours than their
    profile offers, and never more accepted claims than seats. Adds a `claim_submitted` timeline
    entry (and `claim_accepted` when accepted), audit events, notices to the organisation's staff
    (received, or joined) and to the volunteer when accepted; commits. Raises NotAllowed (not a
    volunteer), Invalid naming the field (role, hours_per_week, commitment_months, message, or
    hours past the profile's), and Conflict: `request_not_open`, `already_claimed`,
    `live_claim_limit`, `no_seat_free`.
    """
    require(volunteer, "claim.create", help_request)
    fields = _claim_fields(role, hours_per_week, message, commitment_months)
    try:
        claim = _add_claim(help_request, volunteer, fields, actor=volunteer)
        if help_request.auto_accept:
            claim_status.transition(claim, "accepted", by=None)  # Codebridge accepts, not a person
            enqueue(NOTICE_JOB, claim.id, "accepted")
        enqueue(NOTICE_JOB, claim.id, "joined" if claim.status == "accepted" else "received")
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return claim


def seat_volunteer(help_request: HelpRequest, volunteer: User, by: User, *, role: str,
                   hours_per_week: int, message: str | None = "",
                   commitment_months: int = DEFAULT_COMMITMENT_MONTHS) -> Claim:
    """A coordinator places a volunteer on the team: a claim made and accepted at once; does NOT commit.

    For callers that add their own rows to the same transaction (a matching event's confirmed
    match) and then commit, or roll back on any DomainError. The claim passes the checks of
    create_claim (the same code) and takes its seat through the claim status machine, so seats
    never run over when an ordinary claim races it. The organisation's staff are told a volunteer
    joined; telling the volunteer is the caller's (it knows why they were placed). Raises
    NotAllowed (`by` is not a coordinator, or `volunteer` is not a volunteer), Invalid naming the
    field (as create_claim), and Conflict: `request_not_open`, `already_claimed`,
    `live_claim_limit`, `no_seat_free`.
    """
    require(by, "claim.place", help_request)
    if not can(volunteer, "claim.create", help_request):
        raise NotAllowed(_("Only volunteer engineers can be placed on a team."))
    fields = _claim_fields(role, hours_per_week, message, commitment_months)
    claim = _add_claim(help_request, volunteer, fields, actor=by)
    claim_status.transition(claim, "accepted", by=by)
    enqueue(NOTICE_JOB, claim.id, "joined")
    return claim


def place_volunteer(help_request: HelpRequest, volunteer: User, by: User, *, role: str,
                    hours_per_week: int, message: str | None = "") -> Claim:
    """seat_volunteer, committed: the volunteer is on the team (claim accepted) and is told; commits.

    Raises as seat_volunteer; nothing is kept after a refusal.
    """
    try:
        claim = seat_volunteer(help_request, volunteer, by, role=role, hours_per_week=hours_per_week,
                               message=message)
        enqueue(NOTICE_JOB, claim.id, "accepted")
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return claim


def _move(claim: Claim, to: str, by: User | None, *, note: str | None = None,
          notice: str | None = None, now: datetime | None = None) -> Claim:
    """Run one transition (an empty note is none), queue its notice and commit; roll back and
    re-raise on any refusal."""
    try:
        claim_status.transition(claim, to, by=by, note=note or None, now=now)
        if notice:
            enqueue(NOTICE_JOB, claim.id, notice)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return claim


def accept_claim(claim: Claim, by: User, note: str | None = None) -> Claim:
    """Accept a waiting claim: the volunteer takes a seat and hears about it; commits.

    Raises NotAllowed (not the organisation's staff or a coordinator, or the volunteer's own
    claim), Invalid naming `note`, and Conflict when the claim is no longer waiting, the request
    no longer takes claims, or every seat is taken (`no_seat_free`).
    """
    require(by, "claim.decide", claim)
    return _move(claim, "accepted", by, note=clean_text(note, "note", max_length=TEXT_MAX), notice="accepted")


def decline_claim(claim: Claim, by: User, note: str | None = None) -> Claim:
    """Decline a waiting claim, with an optional note the volunteer reads; commits.

    Raises NotAllowed (as accept_claim), Invalid naming `note`, Conflict when it is not waiting.
    """
    require(by, "claim.decide", claim)
    return _move(claim, "declined", by, note=clean_text(note, "note", max_length=TEXT_MAX), notice="declined")


def withdraw_claim(claim: Claim, by: User, note: str | None = None) -> Claim:
    """The volunteer withdraws a waiting claim or leaves the team (the seat frees); commits.

    The organisation's staff are told. Raises NotAllowed (not the volunteer), Invalid naming
    `note`, and Conflict when the claim is closed already.
    """
    require(by, "claim.withdraw", claim)
    note = clean_text(note, "note", max_length=TEXT_MAX)
    return _move(claim, "withdrawn", by, note=note, notice="withdrawn")


def release_claim(claim: Claim, by: User, note: str | None = None) -> Claim:
    """A coordinator releases an accepted seat (the seat frees, the volunteer is told); commits.

    Raises NotAllowed (not a coordinator), Invalid naming `note`, Conflict when not accepted.
    """
    require(by, "claim.release", claim)
    return _move(claim, "released", by, note=clean_text(note, "note", max_length=TEXT_MAX), notice="released")


def conclude_claim(claim: Claim, by: User, exit_note: str | None) -> Claim:
    """The volunteer ends their commitment gracefully: the claim is completed and the seat frees.

    `exit_note` answers the exit question and is required. Hours reported in check-ins stay on
    the volunteer's profile. The organisation's staff are told; commits. Raises NotAllowed (not
    the volunteer), Invalid naming `exit_note`, Conflict when the claim is not accepted.
    """
    require(by, "claim.commit", claim)
    note = clean_text(exit_note, "exit_note", max_length=TEXT_MAX, required=_(
        "Tell the team in a sentence or two how you leave the work, so whoever follows can pick it up."))
    return _move(claim, "completed", by, note=note, notice="completed")


def renew_claim(claim: Claim, by: User, commitment_months: int | None = None) -> Claim:
    """The volunteer commits for another period (by default the same length as before); commits.

    The new period runs from the later of today and the current end. Adds a `claim_renewed`
    timeline entry and audit event, and lets the renewal reminder fire again before the new end.
    Raises NotAllowed (not the volunteer), Invalid naming `commitment_months`, and Conflict when
    the claim is not accepted.
    """
    require(by, "claim.commit", claim)
    months = claim.commitment_months if commitment_months is None else commitment_months
    if months not in COMMITMENT_MONTHS:
        raise Invalid("commitment_months", _("Choose a commitment of 1, 3, 6 or 12 months."))
    today = utcnow().date()
    ends_on = commitment_end(max(claim.ends_on or today, today), months)
    try:
        renewed = db.session.execute(
            sa.update(Claim).where(Claim.id == claim.id, Claim.status == "accepted")
            .values(ends_on=ends_on, commitment_months=months, renewal_asked_at=None)).rowcount
        if renewed != 1:
            db.session.refresh(claim)
            raise Conflict(_("Only an accepted seat can be renewed; this claim is “%(status)s”.",
                             status=claim_status.claim_status_label(claim.status)),
                           code="invalid_claim_transition")
        add_entry(claim.help_request, "claim_renewed", actor=by,
                  summary="A volunteer renewed their commitment.",
                  detail={"claim_id": claim.id, "role": claim.role, "volunteer_id": claim.volunteer_id,
                          "months": months})
        audit.record("claim.renewed", claim, actor=by, request_id=claim.request_id, months=months,
                     ends_on=ends_on.isoformat())
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return claim


def expire_claim(claim: Claim, now: datetime | None = None) -> Claim:
    """Codebridge closes a claim left unanswered too long, with an apology to the volunteer; commits.

    Raises Conflict when the claim was answered meanwhile (the caller skips it).
    """
    return _move(claim, "expired", None, notice="expired", now=now)


# Why a request left `open` for good, as the sentence stored on its claims that ended with it.
REQUEST_CLOSED_NOTES = {
    "delivered": N_("This project was delivered, so it takes no new team members and your claim ended."),
    "withdrawn": N_("The organisation withdrew this request, so your claim ended."),
}


def end_pending_claims(help_request: HelpRequest, reason: str) -> int:
    """End the request's waiting claims because the request closed for good; does not commit.

    Called inside the transaction that moves the request to `delivered` or `withdrawn` (through the
    `request_status_changed` signal), so the volunteers' hours are free at once instead of a week
    later. Each waiting claim is declined by Codebridge (no decider) with a note, in the
    volunteer's language, saying why, and the volunteer gets the `request_closed` notice. A claim
    answered meanwhile is left as it is. Returns how many ended.
    """
    note = REQUEST_CLOSED_NOTES[reason]
    pending = list(db.session.scalars(
        sa.select(Claim).where(Claim.request_id == help_request.id, Claim.status == "pending")
        .options(joinedload(Claim.volunteer)).order_by(Claim.id)))
    ended = 0
    for claim in pending:
        with force_locale(claim.volunteer.locale):
            text = gettext(note)
        try:
            claim_status.transition(claim, "declined", by=None, note=text)
        except Conflict:
            continue  # answered between our read and now (the UPDATE changed nothing)
        enqueue(NOTICE_JOB, claim.id, "request_closed")
        ended += 1
    return ended

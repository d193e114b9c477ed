"""The claim status machine: the one place that changes Claim.status, and with it the request's seats.

pending → accepted | declined | withdrawn | expired; accepted → withdrawn | released | completed.
Every move is a compare-and-set on the claim row, and entering or leaving `accepted` moves the
request's seat counter with a conditional UPDATE in the same transaction, so accepted claims never
exceed the team size whatever runs at the same time: with racers released together by a barrier, a
read-check-insert overbooked the last free seat in every trial on SQLite and PostgreSQL, and the
conditional UPDATE never has (tests/volunteers/claims/test_concurrency.py).
Who may trigger a move is decided in app.volunteers.claims.policy and required by the calling service;
this module knows which moves exist.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.models import User
from app.extensions import db
from app.requests import status as request_status
from app.requests.models import HelpRequest, TimelineEntry
from app.requests.signals import request_seats_changed
from app.requests.timeline.services import add_entry
from app.volunteers.models import CLAIM_STATUSES, Claim
from app.volunteers.progress.cadence import add_periods

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"accepted", "declined", "withdrawn", "expired"}),
    "accepted": frozenset({"withdrawn", "released", "completed"}),
    "declined": frozenset(),
    "withdrawn": frozenset(),
    "released": frozenset(),
    "completed": frozenset(),
    "expired": frozenset(),
}
FINAL_STATUSES = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
# Requests whose seats can be claimed and accepted.
CLAIMABLE_REQUEST_STATUSES = frozenset({"open", "in_progress"})
# A team that handed its work over stays on the record: completing its claims keeps the seats.
TEAM_KEPT_STATUSES = frozenset({"in_review", "delivered"})
# Response windows: nobody waits forever for an answer, and nobody's commitment ends unnoticed.
REMIND_PENDING_AFTER = timedelta(days=2)  # the organisation is reminded of a waiting claim
EXPIRE_PENDING_AFTER = timedelta(days=7)  # the claim expires, with an apology to the volunteer
ASK_RENEWAL_BEFORE = timedelta(days=7)  # the volunteer is asked to renew or conclude

# Timeline kinds (all contain "claim", per the API contract) and their stored English summaries;
# pages translate by kind, the API shows the summary.
TIMELINE = {
    "accepted": ("claim_accepted", "A volunteer joined the team."),
    "declined": ("claim_declined", "A request to join the team was declined."),
    "withdrawn": ("claim_withdrawn", "A volunteer withdrew from the team."),
    "released": ("claim_released", "A coordinator released a seat on the team."),
    "expired": ("claim_expired", "A request to join the team expired without an answer."),
    "completed": ("claim_completed", "A volunteer completed their commitment."),
}


def can_transition(current: str, to: str) -> bool:
    """Whether the table allows moving a claim from `current` to `to`."""
    return to in TRANSITIONS.get(current, frozenset())


def commitment_end(start: date, months: int) -> date:
    """The day a commitment of `months` months begun on `start` ends (month ends clamp, as cadences do)."""
    return add_periods(start, "monthly", months)


def transition(claim: Claim, to: str, *, by: User | None, note: str | None = None,
               now: datetime | None = None) -> TimelineEntry:
    """Move `claim` to `to`, with its seat, the request's status, timeline and audit trail.

    The claim row changes only if it still has the status this session read (compare-and-set).
    Entering `accepted` takes a seat with `seats_taken = seats_taken + 1 WHERE seats_taken <
    team_size` and starts the commitment (ends_on); leaving it frees the seat (`seats_taken > 0`),
    except when a handed-over team's claims complete. The first seat taken moves an open request to
    in_progress; the last accepted claim leaving an in_progress request opens it again. `note` is
    the decider's note (accept, decline, release) or the volunteer's exit note (withdraw,
    complete). `by` None means Codebridge itself (auto-accept, expiry). Adds a `claim_<status>`
    timeline entry and a `claim.<status>` audit event and announces seat changes
    (request_seats_changed); does not commit. Raises Conflict, with a sentence saying why, when the
    move is not in the table, the claim changed meanwhile, the request no longer takes claims or no
    seat is free; the caller must then roll back.
    """
    current = claim.status
    if not can_transition(current, to):
        raise Conflict(forbidden_reason(current, to), code="invalid_claim_transition",
                       current=current, requested=to)
    now = now or utcnow()
    help_request = claim.help_request
    changed = db.session.execute(
        sa.update(Claim).where(Claim.id == claim.id, Claim.status == current)
        .values(**_stamps(claim, to, by, note, now))
    ).rowcount
    if changed != 1:
        db.session.refresh(claim)
        raise Conflict(_("Someone else answered this claim a moment ago: it is now “%(status)s”. "
                         "Reload the page to see it.", status=claim_status_label(claim.status)),
                       code="claim_changed")
    kind, summary = TIMELINE[to]
    detail = {"claim_id": claim.id, "role": claim.role, "volunteer_id": claim.volunteer_id}
    entry = add_entry(help_request, kind, actor=by, summary=summary, detail=detail)
    audit.record(f"claim.{to}", claim, actor=by, request_id=help_request.id, **{"from": current, "to": to},
                 **({"note": note} if note else {}))
    # The seat moves after the claim's own entry, so the timeline reads "joined", then "work started".
    if to == "accepted":
        _take_seat(help_request, by)
    elif current == "accepted" and not (to == "completed" and help_request.status in TEAM_KEPT_STATUSES):
        _free_seat(help_request, by)
    else:
        return entry
    request_seats_changed.send(current_app._get_current_object(), help_request=help_request, by=by)
    return entry


def _stamps(claim: Claim, to: str, by: User | None, note: str | None, now: datetime) -> dict:
    """The columns a move sets besides `status`."""
    values: dict = {"status": to}
    decider_id = by.id if by is not None and by.is_authenticated else None
    if to in ("accepted", "declined", "released"):
        values.update(decided_at=now, decided_by_id=decider_id, decision_note=note or None)
    if to == "accepted":
        values.update(accepted_at=now, ends_on=commitment_end(now.date(), claim.commitment_months),
                      renewal_asked_at=None)
    else:
        values["closed_at"] = now
    if to in ("withdrawn", "completed") and note:
        values["exit_note"] = note
    return values


def _take_seat(help_request: HelpRequest, by: User | None) -> None:
    """Take one seat, or raise Conflict; an open request starts work with its first seat taken."""
    taken = db.session.execute(
        sa.update(HelpRequest)
        .where(HelpRequest.id == help_request.id, HelpRequest.seats_taken < HelpRequest.team_size,
               HelpRequest.status.in_(CLAIMABLE_REQUEST_STATUSES))
        .values(seats_taken=HelpRequest.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    # The UPDATE holds the request's row (PostgreSQL) or the database (SQLite) until commit, so
    # what we read now is what every concurrent claim waits behind.
    db.session.refresh(help_request)
    if taken != 1:
        if help_request.status not in CLAIMABLE_REQUEST_STATUSES:
            raise Conflict(not_claimable_reason(help_request.status), code="request_not_open")
        raise Conflict(_("Every seat on this team is taken: %(size)d of %(size)d. Nobody was "
                         "added; watch the request in case a seat frees up.",
                         size=help_request.team_size), code="no_seat_free")
    if help_request.status == "open":
        request_status.transition(help_request, "in_progress", by=by)


def _free_seat(help_request: HelpRequest, by: User | None) -> None:
    """Free one seat; an in_progress request left without accepted claims is open again."""
    db.session.execute(
        sa.update(HelpRequest).where(HelpRequest.id == help_request.id, HelpRequest.seats_taken > 0)
        .values(seats_taken=HelpRequest.seats_taken - 1).execution_options(synchronize_session=False))
    db.session.refresh(help_request)
    if help_request.status == "in_progress":
        still_accepted = db.session.scalar(sa.select(sa.exists().where(
            Claim.request_id == help_request.id, Claim.status == "accepted")))
        if not still_accepted:
            request_status.transition(help_request, "open", by=by)


STATUS_LABELS = {
    "pending": _l("Waiting for an answer"),
    "accepted": _l("On the team"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "released": _l("Released"),
    "completed": _l("Completed"),
    "expired": _l("Expired"),
}


def claim_status_label(status: str) -> str:
    """The translated label of a claim status; unknown values are shown as they are."""
    return str(STATUS_LABELS.get(status, status))


def not_claimable_reason(request_status_value: str) -> str:
    """A translated sentence saying why a request in this status takes no claims."""
    if request_status_value in ("draft", "intake"):
        return _("This request is not published yet, so its seats can't be claimed.")
    if request_status_value == "withdrawn":
        return _("This request was withdrawn, so its seats can't be claimed.")
    return _("This project has handed its work over (in review or delivered), so it takes no new "
             "team members.")


def forbidden_reason(current: str, to: str) -> str:
    """A translated sentence saying why a claim in `current` can't move to `to`."""
    if to not in CLAIM_STATUSES:
        return _("“%(status)s” is not a claim status.", status=to)
    if current == to:
        return _("The claim is already “%(status)s”.", status=claim_status_label(current))
    if current in FINAL_STATUSES:
        return _("This claim is closed (“%(status)s”) and can't change any more. A new claim can be "
                 "made while the request is open.", status=claim_status_label(current))
    reasons = {
        "pending": _("A claim never goes back to waiting for an answer."),
        "accepted": _("Only a claim waiting for an answer can be accepted."),
        "declined": _("Only a claim waiting for an answer can be declined; release an accepted seat "
                      "instead."),
        "released": _("Only an accepted seat can be released; decline a claim that is waiting."),
        "completed": _("Only an accepted seat can be concluded."),
        "expired": _("Only a claim waiting for an answer can expire."),
        "withdrawn": _("This claim can't be withdrawn."),
    }
    return reasons[to]

"""Matching at an event: run the engine, move and lock people on the board, confirm matches into claims.

The rules of `app.volunteers.events.services` hold here: a run stores its result with a compare-and-set
on `MatchingEvent.version`, and confirmed matches take their seats through
`app.volunteers.claims.services.seat_volunteer`, under the same conditional seat UPDATE as any claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid, NotFound
from app.core.jobs.services import enqueue
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.requests.models import HelpRequest, Membership
from app.volunteers.claims import services as claims
from app.volunteers.events import status as event_status
from app.volunteers.events.board import matching, queries, scoring
from app.volunteers.events.services import NOTICE_JOB, committed, featured_ids, lock_event, transition
from app.volunteers.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    EventMatch,
    EventRegistration,
    MatchingEvent,
    VolunteerProfile,
)

PLACED_HOURS_MAX = 40


# Statuses in which the coordinator may run the engine, move people and confirm.
MATCHABLE_STATUSES = event_status.LIVE_STATUSES


@dataclass
class ConfirmResult:
    """What confirm_matches did: the matches that became accepted claims, and the pairs refused.

    Each conflict is (user_id, request_id, the sentence saying why and what to do next).
    """

    confirmed: list[EventMatch] = field(default_factory=list)
    conflicts: list[tuple[int, int, str]] = field(default_factory=list)


def _require_matchable(event: MatchingEvent) -> None:
    if event.status not in MATCHABLE_STATUSES:
        raise Conflict(_("Matching runs while the event is published and not yet ended."),
                       code="event_not_live")


def _check_locked(pairs: list[tuple[int, int]], candidates: Sequence[scoring.Candidate],
                  projects: Sequence[scoring.Project]) -> None:
    """Raise Invalid naming `locked` unless every pair is a checked-in engineer on a seat they may take."""
    by_user = {c.user_id: c for c in candidates}
    project_ids = {p.request_id for p in projects}
    for user_id, request_id in pairs:
        candidate = by_user.get(user_id)
        if candidate is None:
            raise Invalid("locked", _("Engineer %(user)d is not checked in at this event, so they can't be "
                                      "locked to a project.", user=user_id))
        if request_id not in project_ids:
            raise Invalid("locked", _("Request %(request)d is not a featured project with free seats.",
                                      request=request_id))
        if request_id in candidate.excluded:
            raise Invalid("locked", _("Engineer %(user)d can't join request %(request)d: they are on it "
                                      "already, or staff of its organisation.",
                                      user=user_id, request=request_id))
    if len({u for u, _r in pairs}) != len(pairs):
        raise Invalid("locked", _("Lock each engineer to one project only."))


def run_matching(event: MatchingEvent, by: User, locked: Sequence[tuple[int, int]] = ()) -> list[EventMatch]:
    """Propose who goes where for the checked-in engineers and the featured requests' free seats; commits.

    All or nothing, in one transaction: unconfirmed proposals are replaced by the engine's (the
    pairs in `locked`, and proposals locked on the board, are kept as locked proposals), confirmed
    matches stay, `matching_notes` says why engineers stayed unmatched and seats free, and the
    event moves to `matching`. The result is stored with a compare-and-set on the event's version:
    of two runs started at once, the first to commit stores its result and the other gets Conflict
    `matching_in_progress` (its work is dropped; the board shows the winner's proposals). Returns
    every match of the event, by request and engineer. Raises NotAllowed (not a coordinator),
    Invalid naming `locked` (an engineer not checked in, a request not featured or full, a blocked
    pair, an engineer locked twice), and Conflict `event_not_live` for a draft or an ended event.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    read_version = event.version
    confirmed_users = set(db.session.scalars(sa.select(EventMatch.volunteer_id).where(
        EventMatch.event_id == event.id, EventMatch.confirmed_at.is_not(None))))
    kept = dict(db.session.execute(
        sa.select(EventMatch.volunteer_id, EventMatch.request_id).where(
            EventMatch.event_id == event.id, EventMatch.confirmed_at.is_(None), EventMatch.locked.is_(True))
    ).all())
    given_pairs = _as_pairs(locked)
    given = dict(given_pairs)
    pairs = list({**kept, **given}.items())
    candidates, projects = queries.matching_input(event, pairs)
    candidates = [c for c in candidates if c.user_id not in confirmed_users]
    _check_locked(given_pairs, candidates, projects)
    # Board locks whose engineer or seat went away meanwhile are dropped, not refused.
    valid = {c.user_id: c for c in candidates}
    project_ids = {p.request_id for p in projects}
    pairs = [(u, r) for u, r in pairs if u in valid and r in project_ids and r not in valid[u].excluded]
    proposal = matching.propose(candidates, projects, pairs)
    now = utcnow()
    try:
        stored = db.session.execute(
            sa.update(MatchingEvent)
            .where(MatchingEvent.id == event.id, MatchingEvent.version == read_version,
                   MatchingEvent.status.in_(MATCHABLE_STATUSES))
            .values(version=read_version + 1).execution_options(synchronize_session=False)).rowcount
        if stored != 1:
            raise Conflict(_("Another matching run finished a moment ago and its proposals are stored. "
                             "Reload the board to see them, then run again if you need to."),
                           code="matching_in_progress")
        db.session.execute(sa.delete(EventMatch).where(EventMatch.event_id == event.id,
                                                       EventMatch.confirmed_at.is_(None)))
        rows = [{"event_id": event.id, "volunteer_id": p.user_id, "request_id": p.request_id, "role": p.role,
                 "score": float(p.score), "reasons": [dict(r) for r in p.reasons], "locked": bool(p.locked)}
                for p in proposal.placements]
        if rows:
            db.session.execute(sa.insert(EventMatch), rows)
        db.session.refresh(event)
        if event.status != "matching":
            transition(event, "matching", by)
        event.matched_at = now
        event.matching_notes = {
            "unmatched": {str(u): [dict(r) for r in why] for u, why in proposal.unmatched.items()},
            "short": {str(r): [dict(x) for x in why] for r, why in proposal.short.items()},
        }
        audit.record("event.matched", event, actor=by, proposals=len(rows), locked=len(pairs),
                     unmatched=len(proposal.unmatched), short=len(proposal.short), version=read_version + 1)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return _event_matches(event)


def _as_pairs(locked: Any) -> list[tuple[int, int]]:
    """`locked` as (user_id, request_id) pairs; dicts {user_id, request_id} are accepted too."""
    pairs = []
    for pair in locked or ():
        if isinstance(pair, dict):
            pair = (pair.get("user_id"), pair.get("request_id"))
        try:
            user_id, request_id = pair
            if isinstance(user_id, bool) or isinstance(request_id, bool):
                raise TypeError
            pairs.append((int(user_id), int(request_id)))
        except (TypeError, ValueError):
            raise Invalid("locked", _("Give each locked match as a user id and a request id.")) from None
    return pairs


def _event_matches(event: MatchingEvent) -> list[EventMatch]:
    return list(db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id)
                                   .order_by(EventMatch.request_id, EventMatch.volunteer_id)))


def _is_excluded(user_id: int, help_request: HelpRequest) -> bool:
    """Whether the engineer may not join the request: a live claim on it, or staff of its organisation."""
    return bool(db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Claim.request_id == help_request.id, Claim.volunteer_id == user_id,
                          Claim.status.in_(LIVE_CLAIM_STATUSES)),
        sa.exists().where(Membership.organization_id == help_request.organization_id,
                          Membership.user_id == user_id)))))


def move_match(event: MatchingEvent, by: User, user_id: int, request_id: int | None) -> EventMatch | None:
    """The board's "move a person": the engineer's proposal becomes a locked one on `request_id`
    (None takes them off every project); commits.

    The moved proposal has no engine score (0) and the reason `locked` (the coordinator chose it). Raises
    NotAllowed (not a coordinator), Invalid naming `user_id` (not checked in) or `request_id` (not
    featured, or they may not join it), and Conflict: `event_not_live`, `match_confirmed` (their
    match is a claim already), `no_seat_free` (every free seat of the request has a proposal: move
    someone off first).
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    attending = db.session.scalar(sa.select(sa.exists().where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user_id,
        EventRegistration.status == "registered", EventRegistration.attended_at.is_not(None))))
    if not attending:
        raise Invalid("user_id", _("This engineer is not checked in at the event."))
    help_request = None
    if request_id is not None:
        if request_id not in featured_ids(event):
            raise Invalid("request_id", _("This request is not featured at the event."))
        help_request = db.session.get(HelpRequest, request_id)
        if _is_excluded(user_id, help_request):
            raise Invalid("request_id", _("This engineer can't join this project: they are on it already, "
                                          "or staff of its organisation."))

    def work() -> EventMatch | None:
        lock_event(event)
        match = db.session.scalar(sa.select(EventMatch).where(EventMatch.event_id == event.id,
                                                              EventMatch.volunteer_id == user_id))
        if match is not None and match.confirmed_at is not None:
            raise Conflict(_("This match is confirmed: the engineer is on the team. Release the seat "
                             "from the request's team first."), code="match_confirmed")
        if help_request is None:
            if match is not None:
                db.session.delete(match)
            audit.record("event.match_moved", event, actor=by, user_id=user_id, request_id=None)
            return None
        if match is not None and match.request_id == help_request.id:
            match.locked = True
            return match
        db.session.refresh(help_request)
        proposed = db.session.scalar(sa.select(sa.func.count(EventMatch.id)).where(
            EventMatch.event_id == event.id, EventMatch.request_id == help_request.id,
            EventMatch.confirmed_at.is_(None))) or 0
        if proposed >= help_request.team_size - help_request.seats_taken:
            raise Conflict(_("Every free seat on “%(title)s” has a proposal already. Move someone off it "
                             "first.", title=help_request.title), code="no_seat_free")
        has_lead = db.session.scalar(sa.select(sa.or_(
            sa.exists().where(Claim.request_id == help_request.id, Claim.status == "accepted",
                              Claim.role == "lead"),
            sa.exists().where(EventMatch.event_id == event.id, EventMatch.request_id == help_request.id,
                              EventMatch.role == "lead"))))
        if match is None:
            match = EventMatch(event_id=event.id, volunteer_id=user_id)
            db.session.add(match)
        match.request_id = help_request.id
        match.role = "member" if has_lead else "lead"
        match.score = 0.0
        match.reasons = [{"code": "locked"}]
        match.locked = True
        db.session.flush()
        audit.record("event.match_moved", event, actor=by, user_id=user_id, request_id=help_request.id)
        return match

    return committed(work)


def set_locked(event: MatchingEvent, by: User, user_id: int, locked: bool) -> EventMatch:
    """Lock an engineer's proposal (kept by the next run) or unlock it; commits.

    Raises NotAllowed (not a coordinator), NotFound (no proposal for them), Conflict `event_not_live`.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    match = db.session.scalar(sa.select(EventMatch).where(EventMatch.event_id == event.id,
                                                          EventMatch.volunteer_id == user_id))
    if match is None:
        raise NotFound(_("This engineer has no proposal at the event."))

    def work() -> EventMatch:
        match.locked = bool(locked)
        audit.record("event.match_locked" if locked else "event.match_unlocked", event, actor=by,
                     user_id=user_id, request_id=match.request_id)
        return match

    return committed(work)


def _placed_hours(volunteer_id: int) -> int:
    """The weekly hours a placed engineer commits: what their profile has free, at most 40, at least 1."""
    offered = db.session.scalar(sa.select(VolunteerProfile.hours_per_week)
                                .where(VolunteerProfile.user_id == volunteer_id)) or 0
    taken = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Claim.hours_per_week), 0)).where(
        Claim.volunteer_id == volunteer_id, Claim.status.in_(LIVE_CLAIM_STATUSES))) or 0
    return max(1, min(offered - taken, PLACED_HOURS_MAX))


def confirm_matches(event: MatchingEvent, by: User,
                    pairs: Sequence[tuple[int, int]] | None = None) -> ConfirmResult:
    """Turn proposals into accepted claims (None: every unconfirmed proposal); each pair commits alone.

    Each pair goes through `app.volunteers.claims.services.seat_volunteer` (the same seat rules
    as any claim: a seat taken meanwhile by an ordinary claim refuses the pair, never overbooks).
    A confirmed match gets its claim and `confirmed_at`, and the engineer a notice naming the
    project. A pair refused (no_seat_free, request_not_open, already_claimed, live_claim_limit, the
    profile's hours, or no such proposal) is in `conflicts` with the sentence saying why; the
    others stand. Pairs confirmed already are returned as confirmed. The event moves to `confirmed`
    when at least one match is confirmed. Raises NotAllowed (not a coordinator), Invalid naming
    `proposals` (not pairs of ids) and Conflict `event_not_live`.
    """
    require(by, "event.manage", event)
    _require_matchable(event)
    try:
        wanted = None if pairs is None else _as_pairs(pairs)
    except Invalid:
        raise Invalid("proposals", _("Give each match as a user id and a request id.")) from None
    event_id, by_id = event.id, by.id
    proposals = {(m.volunteer_id, m.request_id): m.id for m in _event_matches(event)
                 if wanted is not None or m.confirmed_at is None}
    result = ConfirmResult()
    for user_id, request_id in (wanted if wanted is not None else list(proposals)):
        match_id = proposals.get((user_id, request_id))
        if match_id is None:
            result.conflicts.append((user_id, request_id, _(
                "This engineer is not proposed for this project any more. Reload the board.")))
            continue
        try:
            result.confirmed.append(_confirm_one(match_id, by_id))
        except DomainError as error:
            db.session.rollback()
            result.conflicts.append((user_id, request_id, error.message))
    if result.confirmed:
        event = db.session.get(MatchingEvent, event_id)
        if event.status != "confirmed":
            try:
                transition(event, "confirmed", db.session.get(User, by_id))
                event.confirmed_at = utcnow()
                db.session.commit()
            except Conflict:
                db.session.rollback()  # closed or moved meanwhile: the claims stand all the same
    return result


def _confirm_one(match_id: int, by_id: int) -> EventMatch:
    """Confirm one proposal in its own transaction; an already confirmed one is returned as it is."""
    match = db.session.get(EventMatch, match_id)
    if match.confirmed_at is not None:
        return match
    by = db.session.get(User, by_id)
    claim = claims.seat_volunteer(
        match.help_request, match.volunteer, by, role=match.role,
        hours_per_week=_placed_hours(match.volunteer_id),
        message=_("Placed at the matching event “%(name)s”.", name=match.event.name))
    confirmed = db.session.execute(
        sa.update(EventMatch).where(EventMatch.id == match.id, EventMatch.confirmed_at.is_(None))
        .values(claim_id=claim.id, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if confirmed != 1:
        raise Conflict(_("This match was confirmed a moment ago by someone else."), code="match_confirmed")
    audit.record("event.match_confirmed", match, actor=by, event_id=match.event_id,
                 user_id=match.volunteer_id, request_id=match.request_id, claim_id=claim.id)
    enqueue(NOTICE_JOB, "match_confirmed", match.id, queue="mail")
    db.session.commit()
    db.session.refresh(match)
    return match

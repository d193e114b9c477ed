"""Races on the board, released together by a barrier, on the suite's database (SQLite, or PostgreSQL with
TEST_DATABASE_URL): two matching runs, and a confirmation against an ordinary claim for the last seat."""

from __future__ import annotations

from collections import Counter
from functools import partial

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.claims import services as claims
from app.volunteers.events.board import services as board
from app.volunteers.models import Claim, EventMatch, MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import race
from tests.volunteers.events.samples import make_event, make_registration, outcome_of


def matching_room() -> tuple[int, int]:
    """A live event with two featured requests and six engineers checked in; (event id, coordinator id)."""
    coordinator = make_user("coordinator")
    requests = [make_request(status="open", team_size=2, skills=["python"]) for _ in range(2)]
    event = make_event(coordinator, requests=requests)
    for n in range(6):
        make_registration(event, make_volunteer(skills={"python": 1 + n % 5}), attended_at=utcnow(),
                          preferences=[requests[n % 2].id])
    db.session.commit()
    return event.id, coordinator.id


def test_two_matching_runs_started_at_once_store_one_result(app):
    event_id, coordinator_id = matching_room()
    coordinators = [coordinator_id, make_user("coordinator").id]
    db.session.commit()

    def work(user_id: int, wait) -> tuple:
        event = db.session.get(MatchingEvent, event_id)
        by = db.session.get(User, user_id)
        _ = event.version  # read as the board page would, before the button is pressed
        wait()
        return outcome_of(lambda: len(board.run_matching(event, by)))

    outcomes = race(app, work, coordinators)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(o[:2] for o in outcomes) == {("done", 4): 1, ("conflict", "matching_in_progress"): 1}
    db.session.expire_all()
    event = db.session.get(MatchingEvent, event_id)
    assert (event.version, event.status) == (2, "matching")
    assert db.session.scalar(sa.select(sa.func.count(EventMatch.id))) == 4


def last_seat_at_the_event() -> tuple[int, int, int, int]:
    """A request with one free seat, proposed at the event to one engineer while another claims it."""
    coordinator = make_user("coordinator")
    help_request = make_request(status="open", team_size=1, auto_accept=True, skills=["python"])
    event = make_event(coordinator, status="matching", requests=[help_request])
    placed = make_volunteer(skills={"python": 4}, hours_per_week=6)
    make_registration(event, placed, attended_at=utcnow(), preferences=[help_request.id])
    db.session.add(EventMatch(event_id=event.id, volunteer_id=placed.id, request_id=help_request.id,
                              role="lead", score=1.0, reasons=[{"code": "locked"}], locked=True))
    claimer = make_volunteer(hours_per_week=6)
    db.session.commit()
    return event.id, coordinator.id, claimer.id, help_request.id


def confirm_or_claim(ids: tuple[int, int, int, int], racer: int, wait) -> tuple:
    """Racer 0 confirms the event's proposal, racer 1 claims the same seat; what each got."""
    event_id, coordinator_id, claimer_id, request_id = ids
    event = db.session.get(MatchingEvent, event_id)
    help_request = db.session.get(HelpRequest, request_id)
    coordinator = db.session.get(User, coordinator_id)
    claimer = db.session.get(User, claimer_id)
    _ = (event.status, help_request.status)
    db.session.commit()
    wait()
    if racer == 0:
        def confirm() -> str:
            result = board.confirm_matches(event, coordinator)
            return "confirmed" if result.confirmed else result.conflicts[0][2]
        return ("confirm", *outcome_of(confirm))
    return ("claim", *outcome_of(lambda: claims.create_claim(
        help_request, claimer, hours_per_week=4, message="Me!").status))


def test_a_confirmation_and_an_ordinary_claim_racing_for_the_last_seat_one_wins(app):
    for _trial in range(3):
        ids = last_seat_at_the_event()
        event_id, _coordinator_id, _claimer_id, request_id = ids

        outcomes = race(app, partial(confirm_or_claim, ids), [0, 1])

        assert not [o for o in outcomes if "error" in o], outcomes
        won = [o for o in outcomes if o[2] in ("confirmed", "accepted")]
        assert len(won) == 1, outcomes
        lost = next(o for o in outcomes if o not in won)
        assert "Every seat on this team is taken" in lost[-1], outcomes
        db.session.expire_all()
        help_request = db.session.get(HelpRequest, request_id)
        assert (help_request.seats_taken, help_request.team_size) == (1, 1)
        assert db.session.scalar(sa.select(sa.func.count(Claim.id)).where(
            Claim.request_id == request_id, Claim.status == "accepted")) == 1
        match = db.session.scalar(sa.select(EventMatch).where(EventMatch.event_id == event_id))
        assert (match.confirmed_at is not None) == (won[0][0] == "confirm")

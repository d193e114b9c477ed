"""No double-booking: 20 volunteers race for the last 2 seats, and two coordinators race for the last one.

Each racer has its own app context and database session (threads) or its own process and app
(multiprocessing), all released at once by a barrier, against the suite's database: SQLite by
default, PostgreSQL when TEST_DATABASE_URL is set. The read-check-insert code overbooked in every
trial on both databases when we measured it; the conditional seat UPDATE must not.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa

from app.core.errors import Conflict
from app.core.models import AuditEvent, User
from app.extensions import db
from app.requests.models import HelpRequest, TimelineEntry
from app.volunteers.claims import services
from app.volunteers.models import Claim
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN

RACERS = 20
BARRIER_TIMEOUT = 60


def claim_outcome(request_id: int, volunteer_id: int, wait: Callable[[], object]) -> tuple[str, ...]:
    """In the caller's app: load, wait for the others, claim a seat; what happened, as plain values."""
    try:
        help_request = db.session.get(HelpRequest, request_id)
        volunteer = db.session.get(User, volunteer_id)
        db.session.commit()  # the page load ends: its connection goes back to the pool (5 + 10)
        wait()
        claim = services.create_claim(help_request, volunteer, hours_per_week=4, message="Count me in.")
        return ("created", claim.status)
    except Conflict as error:
        return ("conflict", error.code, error.message)
    except Exception as error:  # reported to the test, which fails on it
        return ("error", repr(error))
    finally:
        db.session.remove()


def accept_outcome(claim_id: int, coordinator_id: int, wait: Callable[[], object]) -> tuple[str, ...]:
    """In the caller's app: load, wait for the other coordinator, accept the claim."""
    try:
        claim = db.session.get(Claim, claim_id)
        coordinator = db.session.get(User, coordinator_id)
        _ = claim.help_request.status  # read everything before the race, as a page would
        wait()
        return ("created", services.accept_claim(claim, coordinator).status)
    except Conflict as error:
        return ("conflict", error.code, error.message)
    except Exception as error:
        return ("error", repr(error))
    finally:
        db.session.remove()


def race_in_threads(app, work: Callable[..., tuple[str, ...]], jobs: list[tuple[int, int]]) -> list[tuple]:
    """Run `work(a, b, wait)` for each job in its own thread and app context, released together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def run(first: int, second: int) -> None:
        with app.test_request_context(headers=EN):  # a fresh app context: its own session
            outcome = work(first, second, lambda: barrier.wait(BARRIER_TIMEOUT))
        with lock:
            outcomes.append(outcome)

    db.session.remove()
    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _in_own_process(config, work_name: str, first: int, second: int, barrier, results) -> None:
    """A child process: its own app on the same database, then one racer's work."""
    from app import create_app

    application = create_app(config)
    work = {"claim": claim_outcome, "accept": accept_outcome}[work_name]
    with application.test_request_context(headers=EN):
        results.put(work(first, second, lambda: barrier.wait(BARRIER_TIMEOUT)))
    with application.app_context():
        db.engine.dispose()


def race_in_processes(test_config, work_name: str, jobs: list[tuple[int, int]]) -> list[tuple]:
    """Run each job in its own forked process, each building its own app, released together."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    db.session.remove()
    db.engine.dispose()  # no connection of ours crosses the fork
    processes = [context.Process(target=_in_own_process,
                                 args=(test_config, work_name, first, second, barrier, results))
                 for first, second in jobs]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=BARRIER_TIMEOUT * 2) for _ in processes]
    for process in processes:
        process.join(timeout=BARRIER_TIMEOUT)
        assert process.exitcode == 0
    return outcomes


def last_two_seats() -> tuple[int, list[int]]:
    """An auto-accept request of 5 seats with 3 taken, and 20 volunteers ready to claim."""
    help_request = make_request(team_size=5, auto_accept=True, status="in_progress")
    for _ in range(3):
        make_claim(help_request, make_volunteer(), status="accepted")
    volunteers = [make_volunteer(hours_per_week=6) for _ in range(RACERS)]
    db.session.commit()
    return help_request.id, [v.id for v in volunteers]


def assert_two_seats_won(request_id: int, volunteer_ids: list[int], outcomes: list[tuple]) -> None:
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(o[:2] for o in outcomes) == {("created", "accepted"): 2, ("conflict", "no_seat_free"): 18}
    for outcome in outcomes:
        if outcome[0] == "conflict":
            assert "Every seat on this team is taken" in outcome[2]
    db.session.expire_all()
    help_request = db.session.get(HelpRequest, request_id)
    assert (help_request.seats_taken, help_request.team_size) == (5, 5)
    racers = Claim.volunteer_id.in_(volunteer_ids)
    # Nothing half-written: the 18 refused claims left no row, no timeline entry, no audit event.
    assert db.session.scalars(sa.select(Claim.status).where(racers)).all() == ["accepted", "accepted"]
    assert db.session.scalar(sa.select(sa.func.count()).where(Claim.request_id == request_id,
                                                              Claim.status == "accepted")) == 5
    kinds = Counter(db.session.scalars(sa.select(TimelineEntry.kind)
                                       .where(TimelineEntry.request_id == request_id)))
    assert kinds == {"claim_submitted": 2, "claim_accepted": 2}
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "claim.submitted")) == 2


def test_twenty_threads_race_for_the_last_two_seats(app):
    request_id, volunteer_ids = last_two_seats()
    outcomes = race_in_threads(app, claim_outcome, [(request_id, v) for v in volunteer_ids])
    assert_two_seats_won(request_id, volunteer_ids, outcomes)


def test_twenty_processes_race_for_the_last_two_seats(test_config):
    request_id, volunteer_ids = last_two_seats()
    outcomes = race_in_processes(test_config, "claim", [(request_id, v) for v in volunteer_ids])
    assert_two_seats_won(request_id, volunteer_ids, outcomes)


def two_claims_for_one_seat() -> tuple[int, list[int], list[int]]:
    """An open request of one seat, two waiting claims, two coordinators."""
    help_request = make_request(team_size=1, status="open")
    claims = [make_claim(help_request, make_volunteer()) for _ in range(2)]
    coordinators = [make_user("coordinator") for _ in range(2)]
    db.session.commit()
    return help_request.id, [c.id for c in claims], [c.id for c in coordinators]


def assert_one_accepted(request_id: int, claim_ids: list[int], outcomes: list[tuple]) -> None:
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(o[:2] for o in outcomes) == {("created", "accepted"): 1, ("conflict", "no_seat_free"): 1}
    db.session.expire_all()
    help_request = db.session.get(HelpRequest, request_id)
    assert (help_request.seats_taken, help_request.status) == (1, "in_progress")
    assert sorted(db.session.scalars(sa.select(Claim.status).where(Claim.id.in_(claim_ids)))) == [
        "accepted", "pending"]
    kinds = Counter(db.session.scalars(sa.select(TimelineEntry.kind)
                                       .where(TimelineEntry.request_id == request_id)))
    assert kinds == {"claim_accepted": 1, "status_changed": 1}  # work started once


def test_two_coordinators_accepting_at_once_in_threads_fill_one_seat(app):
    request_id, claim_ids, coordinator_ids = two_claims_for_one_seat()
    outcomes = race_in_threads(app, accept_outcome, list(zip(claim_ids, coordinator_ids, strict=True)))
    assert_one_accepted(request_id, claim_ids, outcomes)


def test_two_coordinators_accepting_at_once_in_processes_fill_one_seat(test_config):
    request_id, claim_ids, coordinator_ids = two_claims_for_one_seat()
    outcomes = race_in_processes(test_config, "accept", list(zip(claim_ids, coordinator_ids, strict=True)))
    assert_one_accepted(request_id, claim_ids, outcomes)


def test_two_coordinators_accepting_the_same_claim_accept_it_once(app):
    request_id, claim_ids, coordinator_ids = two_claims_for_one_seat()
    outcomes = race_in_threads(app, accept_outcome, [(claim_ids[0], c) for c in coordinator_ids])
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(o[:2] for o in outcomes) == {("created", "accepted"): 1, ("conflict", "claim_changed"): 1}
    assert db.session.get(HelpRequest, request_id).seats_taken == 1

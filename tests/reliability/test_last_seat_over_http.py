"""The last free seat over real HTTP: volunteers claiming, or staff accepting, all at once never overbook it.

A gunicorn server (4 processes of 4 threads, so 16 calls are in flight together) serves the suite's
own database: SQLite (WAL) by default, PostgreSQL when TEST_DATABASE_URL is set. Each trial seeds a
one-seat request and its racers, commits, and releases every call through a barrier. Exactly one
racer may win; everyone else gets 409, never a 500; the database holds one accepted claim.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from functools import partial

import pytest
import sqlalchemy as sa

import requests
from app.core.accounts.services import issue_api_token
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.models import Claim
from tests.factories import make_claim, make_request, make_volunteer
from tests.helpers import EN
from tests.reliability.http_race import CALL_TIMEOUT, Answer, Server, gunicorn_server, race

TRIALS = 5
RACERS = 16


@pytest.fixture(scope="module")
def server(app, test_config, tmp_path_factory) -> Iterator[Server]:
    """One gunicorn for the module, on the database the `app` fixture migrated."""
    folder = tmp_path_factory.mktemp("last-seat")
    with gunicorn_server(test_config.SQLALCHEMY_DATABASE_URI, folder) as running:
        yield running


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(user)}", **EN}


def post(url: str, headers: dict[str, str], body: dict) -> requests.Response:
    return requests.post(url, json=body, headers=headers, timeout=CALL_TIMEOUT)


def accepted_claims(request_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).where(Claim.request_id == request_id,
                                                              Claim.status == "accepted"))


def assert_one_winner(server: Server, request_id: int, answers: list[Answer], won: int) -> None:
    """One `won` status, 409 for everyone else, one accepted claim in the database and one seat taken."""
    statuses = Counter(answer.status for answer in answers)
    assert statuses.get(500, 0) == 0, f"{statuses}\n{server.errors()}"
    assert statuses == {won: 1, 409: len(answers) - 1}, (statuses, [a.body for a in answers])
    winner = next(answer for answer in answers if answer.status == won)
    assert winner.body["status"] == "accepted"
    assert {answer.body["error"]["code"] for answer in answers if answer.status == 409} == {"no_seat_free"}
    help_request = db.session.get(HelpRequest, request_id)
    assert (help_request.seats_taken, help_request.team_size, help_request.status) == (1, 1, "in_progress")
    assert accepted_claims(request_id) == help_request.team_size


def print_figures(title: str, trials: list[tuple[Counter, int, float]]) -> None:
    print(f"\n{title}: {len(trials)} trials of {RACERS} racers")
    for number, (statuses, winners, seconds) in enumerate(trials, start=1):
        print(f"  trial {number}: winners {winners}, statuses {dict(sorted(statuses.items()))}, "
              f"slowest answer {seconds * 1000:.0f} ms")


def claim_race(server: Server) -> tuple[int, list[Answer]]:
    """A one-seat auto-accept request, RACERS volunteers with tokens, all claiming at once."""
    help_request = make_request(team_size=1, auto_accept=True, status="open")
    volunteers = [make_volunteer(hours_per_week=6) for _ in range(RACERS)]
    db.session.commit()
    request_id = help_request.id
    url = server.url(f"/api/v1/requests/{request_id}/claims")
    body = {"role": "member", "hours_per_week": 4, "message": "Count me in."}
    calls = [partial(post, url, bearer(volunteer), body) for volunteer in volunteers]
    db.session.remove()  # the server, not this session, decides who wins
    return request_id, race(calls)


def test_volunteers_claiming_the_last_seat_at_once_over_http_leave_one_on_the_team(server):
    started = time.monotonic()
    trials = []
    for _ in range(TRIALS):
        request_id, answers = claim_race(server)
        trials.append((Counter(a.status for a in answers), accepted_claims(request_id),
                       max(a.seconds for a in answers)))
        assert_one_winner(server, request_id, answers, won=201)
        # The losers left nothing behind: the winner's claim is the request's only one.
        assert db.session.scalar(sa.select(sa.func.count()).where(Claim.request_id == request_id)) == 1
    print_figures(f"claims at once, {time.monotonic() - started:.1f} s", trials)


def accept_race(server: Server) -> tuple[int, list[Answer]]:
    """A one-seat request with RACERS waiting claims; its staff member accepts all of them at once."""
    help_request = make_request(team_size=1, status="open")
    member = help_request.organization.memberships[0].user  # its owner
    claims = [make_claim(help_request, make_volunteer()) for _ in range(RACERS)]
    db.session.commit()
    request_id = help_request.id
    headers = bearer(member)
    calls = [partial(post, server.url(f"/api/v1/claims/{claim.id}/accept"), headers, {}) for claim in claims]
    db.session.remove()
    return request_id, race(calls)


def test_staff_accepting_every_waiting_claim_at_once_over_http_fill_the_one_seat_once(server):
    started = time.monotonic()
    trials = []
    for _ in range(TRIALS):
        request_id, answers = accept_race(server)
        trials.append((Counter(a.status for a in answers), accepted_claims(request_id),
                       max(a.seconds for a in answers)))
        assert_one_winner(server, request_id, answers, won=200)
        statuses = Counter(db.session.scalars(sa.select(Claim.status).where(Claim.request_id == request_id)))
        assert statuses == {"accepted": 1, "pending": RACERS - 1}
    print_figures(f"accepts at once, {time.monotonic() - started:.1f} s", trials)

"""The matching events API at the event: running the engine, the live board, moving and locking people,
confirming matches into claims (with a seat taken meanwhile), the report and its CSV, in both languages."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db as database
from app.requests.models import HelpRequest
from app.volunteers.models import Claim, MatchingEvent
from tests.factories import make_claim, make_request, make_skill, make_user, make_volunteer
from tests.helpers import count_statements, fresh
from tests.volunteers.events.samples import make_event, make_registration

CJK = re.compile(r"[\u4e00-\u9fff]")  # Chinese characters


@dataclass
class Room:
    """An event under way: two featured requests (3 seats) and four checked-in engineers."""

    event: MatchingEvent
    coordinator: User
    food_bank: HelpRequest  # python + data cleaning, 2 seats
    trees: HelpRequest  # javascript, 1 seat
    py: User
    pg: User
    js: User
    cook: User  # no skill any request needs
    late: User  # registered, not checked in


@pytest.fixture
def room(db) -> Room:
    coordinator = make_user("coordinator", name="Coordinator Chen")
    make_skill("data-cleaning", "Data cleaning", "数据清洗")
    food_bank = make_request(status="open", team_size=2, skills=["python", "data-cleaning"],
                             title="Food bank map")
    trees = make_request(status="open", team_size=1, skills=["javascript"], title="Tree tagging app")
    event = make_event(coordinator, status="matching", requests=[food_bank, trees])
    people = {
        "py": make_volunteer(name="Py Wang", email="py.wang@example.org", skills={"python": 4},
                             hours_per_week=8),
        "pg": make_volunteer(name="Pg Li", skills={"data-cleaning": 4, "python": 2}, hours_per_week=8),
        "js": make_volunteer(name="Js Zhao", skills={"javascript": 5}, hours_per_week=8),
        "cook": make_volunteer(name="Cook Sun", skills={"cooking": 5}, hours_per_week=8),
        "late": make_volunteer(name="Late Qian", skills={"python": 5}, hours_per_week=8),
    }
    now = utcnow()
    for index, (key, person) in enumerate(people.items()):
        make_registration(event, person, code=f"CODE{index}ABC",
                          attended_at=None if key == "late" else now,
                          preferences=[trees.id] if key == "js" else [food_bank.id])
    db.session.commit()
    return Room(event, coordinator, food_bank, trees, **people)


def run(call, room: Room, **body):
    return call(room.coordinator, "POST", f"/events/{room.event.id}/matching", json=body)


def placed(answer) -> dict[int, int]:
    return {p["user_id"]: p["request_id"] for p in answer.get_json()["proposals"]}


# --- running the engine --------------------------------------------------------------------------------

def test_a_run_proposes_one_seat_per_engineer_within_the_free_seats_with_reasons(call, room):
    answer = run(call, room)

    assert answer.status_code == 200
    body = answer.get_json()
    assert placed(answer) == {room.py.id: room.food_bank.id, room.pg.id: room.food_bank.id,
                              room.js.id: room.trees.id}
    for proposal in body["proposals"]:
        assert proposal["reasons"] and all(isinstance(r, str) and r for r in proposal["reasons"])
        assert proposal["confirmed"] is False and proposal["score"] > 0
    js = next(p for p in body["proposals"] if p["user_id"] == room.js.id)
    assert any("Javascript" in reason for reason in js["reasons"])  # names the real skill
    assert [u["user_id"] for u in body["unmatched"]] == [room.cook.id]  # the late one is not checked in
    assert body["unmatched"][0]["reasons"] and not CJK.search(" ".join(body["unmatched"][0]["reasons"]))
    assert "py.wang@example.org" not in answer.get_data(as_text=True)


def reasons_of(body: dict, user: User) -> str:
    return " ".join(next(p for p in body["proposals"] if p["user_id"] == user.id)["reasons"])


def test_reasons_are_in_the_callers_language(db, call, room):
    english = run(call, room).get_json()
    room.coordinator.locale = "zh_CN"
    db.session.commit()

    chinese = call(room.coordinator, "GET", f"/events/{room.event.id}/board").get_json()

    assert "Data cleaning" in reasons_of(english, room.pg) and "数据清洗" not in reasons_of(english, room.pg)
    chinese_reasons = " ".join(p["reasons"][0] for r in chinese["requests"] for p in r["proposals"]
                               if p["user_id"] == room.pg.id)
    assert "数据清洗" in chinese_reasons and "Data cleaning" not in chinese_reasons


def test_locked_pairs_are_kept(call, room):
    answer = run(call, room, locked=[{"user_id": room.py.id, "request_id": room.trees.id}])
    assert answer.status_code == 200
    assert placed(answer)[room.py.id] == room.trees.id
    assert next(p for p in answer.get_json()["proposals"] if p["user_id"] == room.py.id)["locked"] is True
    assert placed(answer).get(room.js.id) != room.trees.id  # its one seat is taken by the lock


@pytest.mark.parametrize(("locked", "field"), [
    ([{"user_id": "py", "request_id": 1}], "locked[0].user_id"),
    ([{"user_id": 1}], "locked[0].request_id"),
    ([{"user_id": 2**40, "request_id": 1}], "locked[0].user_id"),
    ("everyone", "locked"),
    ("unknown request", "locked"),
    ("not checked in", "locked"),
])
def test_bad_locked_pairs_answer_422(call, room, locked, field):
    if locked == "unknown request":
        locked = [{"user_id": room.py.id, "request_id": 987654}]
    elif locked == "not checked in":
        locked = [{"user_id": room.late.id, "request_id": room.trees.id}]
    answer = run(call, room, locked=locked)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_matching_a_draft_or_closed_event_is_refused(db, call, room):
    room.event.status = "closed"
    db.session.commit()
    answer = run(call, room)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "event_not_live"
    room.event.status = "planned"
    db.session.commit()
    assert call(room.py, "POST", f"/events/{room.event.id}/matching", json={}).status_code == 403
    assert run(call, room).status_code == 409  # coordinators see drafts; a draft does not match


COORDINATOR_ROUTES = [
    ("POST", "/matching", {}), ("POST", "/matching/move", {"user_id": 1, "request_id": None}),
    ("POST", "/matching/lock", {"user_id": 1, "locked": True}), ("POST", "/matching/confirm", {}),
    ("GET", "/board", None), ("GET", "/report", None), ("GET", "/report.csv", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), COORDINATOR_ROUTES)
def test_only_coordinators_run_move_lock_confirm_and_read_the_board_and_report(db, call, room, method, suffix,
                                                                               body):
    staff = make_user("nonprofit")
    db.session.commit()
    path = f"/events/{room.event.id}{suffix}"
    kwargs = {"json": body} if body is not None else {}
    assert call(None, method, path, **kwargs).status_code == 401
    assert call(room.py, method, path, **kwargs).status_code == 403
    assert call(staff, method, path, **kwargs).status_code == 403
    assert call(room.coordinator, "GET", f"/events/{room.event.id}/board").status_code == 200


# --- the board: move and lock --------------------------------------------------------------------------

def test_the_board_shows_proposals_per_request_unmatched_and_attendance(call, room):
    run(call, room)
    board = call(room.coordinator, "GET", f"/events/{room.event.id}/board")

    assert board.status_code == 200
    body = board.get_json()
    assert body["status"] == "matching" and body["attendance"] == {
        "registered": 5, "waitlisted": 0, "attended": 4, "rate": 0.8}
    requests = {r["id"]: r for r in body["requests"]}
    assert sorted(p["user_id"] for p in requests[room.food_bank.id]["proposals"]) == sorted(
        [room.py.id, room.pg.id])
    assert requests[room.trees.id]["proposals"][0]["volunteer"]["name"] == "Js Zhao"
    assert all(p["reasons"] for r in body["requests"] for p in r["proposals"])
    assert [u["user_id"] for u in body["unmatched"]] == [room.cook.id]
    assert body["unmatched"][0]["volunteer"]["name"] == "Cook Sun" and body["unmatched"][0]["reasons"]
    assert "@" not in board.get_data(as_text=True)


def test_someone_checked_in_after_the_run_waits_on_the_board(db, call, room):
    run(call, room)
    call(room.coordinator, "POST", f"/events/{room.event.id}/attendance", json={"user_id": room.late.id})
    body = call(room.coordinator, "GET", f"/events/{room.event.id}/board").get_json()
    assert [w["user_id"] for w in body["waiting"]] == [room.late.id]


def test_moving_a_person_locks_them_on_the_new_project_and_null_takes_them_off(call, room):
    run(call, room)
    path = f"/events/{room.event.id}/matching/move"

    off = call(room.coordinator, "POST", path, json={"user_id": room.js.id, "request_id": None})
    assert off.status_code == 200 and room.js.id not in placed(off)
    moved = call(room.coordinator, "POST", path, json={"user_id": room.py.id, "request_id": room.trees.id})
    assert moved.status_code == 200 and placed(moved)[room.py.id] == room.trees.id
    proposal = next(p for p in moved.get_json()["proposals"] if p["user_id"] == room.py.id)
    assert proposal["locked"] is True and proposal["reasons"]
    full = call(room.coordinator, "POST", path, json={"user_id": room.js.id, "request_id": room.trees.id})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "no_seat_free"
    # Running again keeps the coordinator's choice.
    assert placed(run(call, room))[room.py.id] == room.trees.id


@pytest.mark.parametrize(("body", "field"), [
    ({"user_id": 1}, "request_id"), ({"request_id": None}, "user_id"),
    ({"user_id": "x", "request_id": None}, "user_id"), ("not featured", "request_id"), ("late", "user_id"),
])
def test_bad_moves_answer_422(call, room, body, field):
    if body == "not featured":
        body = {"user_id": room.py.id, "request_id": 987654}
    elif body == "late":
        body = {"user_id": room.late.id, "request_id": room.trees.id}
    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/move", json=body)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_locking_and_unlocking_a_proposal(call, room):
    run(call, room)
    path = f"/events/{room.event.id}/matching/lock"
    locked = call(room.coordinator, "POST", path, json={"user_id": room.pg.id, "locked": True})
    assert locked.status_code == 200
    assert next(p for p in locked.get_json()["proposals"] if p["user_id"] == room.pg.id)["locked"] is True
    unlocked = call(room.coordinator, "POST", path, json={"user_id": room.pg.id, "locked": False})
    assert next(p for p in unlocked.get_json()["proposals"] if p["user_id"] == room.pg.id)["locked"] is False
    nobody = call(room.coordinator, "POST", path, json={"user_id": room.cook.id, "locked": True})
    assert nobody.status_code == 404
    not_a_boolean = call(room.coordinator, "POST", path, json={"user_id": room.pg.id, "locked": "yes"})
    assert not_a_boolean.status_code == 422 and "locked" in not_a_boolean.get_json()["error"]["fields"]


# --- confirming ----------------------------------------------------------------------------------------

def accepted_claims(help_request: HelpRequest) -> list[int]:
    """Who holds an accepted claim on the request now (as committed)."""
    database.session.expire_all()
    return sorted(database.session.scalars(sa.select(Claim.volunteer_id).where(
        Claim.request_id == help_request.id, Claim.status == "accepted")))


def test_confirming_every_proposal_makes_accepted_claims_and_a_public_outcome(call, client, room):
    run(call, room)
    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm", json={})

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["conflicts"] == [] and len(body["confirmed"]) == 3
    assert all(item["confirmed"] and item["claim_id"] for item in body["confirmed"])
    assert accepted_claims(room.food_bank) == sorted([room.py.id, room.pg.id])
    assert accepted_claims(room.trees) == [room.js.id]
    event = client.get(f"/api/v1/events/{room.event.id}").get_json()
    assert event["status"] == "confirmed"
    assert event["outcome"] == {"matched_count": 3, "teams": [
        {"request_id": room.food_bank.id, "title": "Food bank map", "team_count": 2},
        {"request_id": room.trees.id, "title": "Tree tagging app", "team_count": 1}]}
    assert "Py Wang" not in str(event) and "@" not in str(event)


def test_confirming_chosen_pairs_confirms_only_those(call, room):
    run(call, room)
    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm",
                  json={"proposals": [{"user_id": room.js.id, "request_id": room.trees.id}]})
    assert answer.status_code == 200
    confirmed = [(c["user_id"], c["request_id"]) for c in answer.get_json()["confirmed"]]
    assert confirmed == [(room.js.id, room.trees.id)]
    assert accepted_claims(room.food_bank) == []


def test_a_seat_taken_meanwhile_is_a_conflict_while_the_others_stand(db, call, room):
    run(call, room)
    rival = make_volunteer(name="Rival")
    make_claim(db.session.get(HelpRequest, room.trees.id), rival, status="accepted")  # an ordinary claim won
    db.session.commit()

    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm", json={})

    assert answer.status_code == 200
    body = answer.get_json()
    assert sorted(c["user_id"] for c in body["confirmed"]) == sorted([room.py.id, room.pg.id])
    assert [(c["user_id"], c["request_id"]) for c in body["conflicts"]] == [(room.js.id, room.trees.id)]
    assert len(body["conflicts"][0]["error"]) > 20
    assert accepted_claims(room.trees) == [rival.id]  # never overbooked
    assert fresh(HelpRequest, room.trees.id).seats_taken == 1


def test_when_no_pair_can_be_confirmed_the_answer_is_409_with_the_conflicts(db, call, room):
    run(call, room)
    make_claim(db.session.get(HelpRequest, room.trees.id), make_volunteer(), status="accepted")
    db.session.commit()

    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm",
                  json={"proposals": [{"user_id": room.js.id, "request_id": room.trees.id}]})

    assert answer.status_code == 409
    body = answer.get_json()
    assert body["error"]["code"] == "seat_taken" and body["error"]["message"]
    assert body["confirmed"] == [] and body["conflicts"][0]["user_id"] == room.js.id


@pytest.mark.parametrize(("proposals", "field"), [
    ([{"user_id": "js", "request_id": 1}], "proposals[0].user_id"), ({"user_id": 1}, "proposals"),
    ([{"user_id": 1, "request_id": 10**30}], "proposals[0].request_id"),
])
def test_bad_confirmations_answer_422(call, room, proposals, field):
    answer = call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm",
                  json={"proposals": proposals})
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


# --- the report ----------------------------------------------------------------------------------------

def test_the_report_counts_matches_per_request_unmatched_and_attendance(call, room):
    run(call, room)
    call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm", json={})

    answer = call(room.coordinator, "GET", f"/events/{room.event.id}/report")

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["matches_per_request"] == {str(room.food_bank.id): 2, str(room.trees.id): 1}
    assert body["attendance"]["registered"] == 5 and body["attendance"]["attended"] == 4
    assert [u["user_id"] for u in body["unmatched"]] == [room.cook.id] and body["unmatched"][0]["reasons"]
    assert "@" not in answer.get_data(as_text=True)


def test_the_report_csv_has_a_bom_a_header_and_one_row_per_match_without_contact_details(call, room):
    run(call, room)
    call(room.coordinator, "POST", f"/events/{room.event.id}/matching/confirm", json={})

    answer = call(room.coordinator, "GET", f"/events/{room.event.id}/report.csv")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, matches = rows[0], rows[1:]
    assert "request_id" in header and "volunteer_name" in header
    assert len(matches) == 3
    names = {row[header.index("volunteer_name")] for row in matches}
    assert names == {"Py Wang", "Pg Li", "Js Zhao"}
    text = raw.decode("utf-8-sig")
    assert "@" not in text and "+86" not in text and "email" not in header and "phone" not in header


def test_the_board_reads_a_bounded_number_of_queries_however_many_people_came(db, call, room):
    """The board is polled every few seconds: its queries do not grow with the people on it."""
    run(call, room)
    path = f"/events/{room.event.id}/board"
    with count_statements() as few:
        call(room.coordinator, "GET", path)
    for index in range(6):
        make_registration(room.event, make_volunteer(name=f"Extra {index}", skills={"cooking": 3}),
                          code=f"EXTRA{index}AB", attended_at=utcnow())
    db.session.commit()
    run(call, room)
    with count_statements() as many:
        body = call(room.coordinator, "GET", path).get_json()
    assert len(body["unmatched"]) == 7
    assert len(many) == len(few)

"""The coordinator's event-day pages: checking people in (list and code), the live board (run, move,
lock, confirm, its refresh script and working without it), and the report with its CSV download."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import User
from app.extensions import db
from app.volunteers.models import Claim, EventMatch, EventRegistration
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN, client_for, fresh, text_of
from tests.volunteers.events.samples import make_event, make_registration

STATIC_JS = Path(__file__).resolve().parents[3] / "app" / "static" / "js"


@pytest.fixture
def coordinator(db) -> User:
    user = make_user("coordinator", name="Coordinator Chen")
    db.session.commit()
    return user


@pytest.fixture
def day(db, coordinator):
    """An event under way: a map needing Python (2 seats) and a tree app needing JavaScript (1 seat),
    three engineers registered, two of them checked in."""
    food = make_request(status="open", team_size=2, skills=["python"], title="Food bank donor map")
    trees = make_request(status="open", team_size=1, skills=["javascript"], title="Street tree tagging app")
    event = make_event(coordinator, status="matching", requests=[food, trees], name="Autumn hackathon")
    liu = make_volunteer(name="Liu Yang", skills={"python": 5}, hours_per_week=8)
    zhao = make_volunteer(name="Zhao Min", skills={"javascript": 4}, hours_per_week=8)
    wu = make_volunteer(name="Wu Lei", skills={"python": 3}, hours_per_week=8)
    make_registration(event, liu, code="LIU23456", preferences=[food.id], attended_at=utcnow())
    make_registration(event, zhao, code="ZHAO3456", preferences=[trees.id], attended_at=utcnow())
    make_registration(event, wu, code="WULEI234", preferences=[food.id])
    db.session.commit()
    return event, food, trees, liu, zhao, wu


def attended(event, user) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(EventRegistration.attended_at).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user.id)) is not None


def matches_of(event) -> dict[int, tuple[int, bool, bool]]:
    db.session.expire_all()
    return {m.volunteer_id: (m.request_id, m.locked, m.confirmed_at is not None)
            for m in db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id))}


def flashes(browser, answer) -> str:
    assert answer.status_code == 302, text_of(answer)
    return text_of(browser.get(answer.headers["Location"], headers=EN))


# --- check-in ------------------------------------------------------------------------------------------

def test_the_check_in_list_shows_who_came_and_searches_by_name(app, day, coordinator):
    event, _food, _trees, _liu, _zhao, wu = day
    browser = client_for(app, coordinator)

    page = text_of(browser.get(f"/events/{event.id}/check-in", headers=EN))
    assert "Liu Yang" in page and "Zhao Min" in page and "Wu Lei" in page
    assert page.count("Yes, at") == 2 and page.count("Not yet") == 1
    assert f'name="user_id" value="{wu.id}"' in page  # a Check in button only for who is not in yet

    found = text_of(browser.get(f"/events/{event.id}/check-in?q=wu", headers=EN))
    assert "Wu Lei" in found and "Liu Yang" not in found


def test_checking_in_from_the_list(app, day, coordinator):
    event, _food, _trees, _liu, _zhao, wu = day
    browser = client_for(app, coordinator)

    answer = browser.post(f"/events/{event.id}/check-in?q=wu", data={"user_id": str(wu.id)}, headers=EN)

    assert answer.headers["Location"] == f"/events/{event.id}/check-in?q=wu"
    assert "Wu Lei is checked in." in flashes(browser, answer)
    assert attended(event, wu)


def test_checking_in_by_code_and_a_wrong_code_named_on_its_field(app, day, coordinator):
    event, _food, _trees, _liu, _zhao, wu = day
    browser = client_for(app, coordinator)

    wrong = browser.post(f"/events/{event.id}/check-in", data={"check_in_code": "NOPE9999"}, headers=EN)
    assert wrong.status_code == 422
    page = text_of(wrong)
    assert "Check-in code: No registration for this event has this code" in page
    assert 'value="NOPE9999"' in page
    assert not attended(event, wu)

    answer = browser.post(f"/events/{event.id}/check-in", data={"check_in_code": "wulei234"}, headers=EN)
    assert "Wu Lei is checked in." in flashes(browser, answer)
    assert attended(event, wu)


def test_a_waiting_engineer_who_comes_is_told_apart(app, db, day, coordinator):
    event = day[0]
    fresh(type(event), event.id).capacity = 3
    late = make_volunteer(name="Qian Hao")
    make_registration(event, late, status="waitlisted", code="QIAN2345")
    db.session.commit()
    browser = client_for(app, coordinator)

    page = flashes(browser, browser.post(f"/events/{event.id}/check-in", data={"check_in_code": "QIAN2345"},
                                         headers=EN))

    assert "Qian Hao is checked in, but every place is taken: they stay on the waiting list" in page
    assert attended(event, late)


def test_an_empty_check_in_says_what_to_do(app, day, coordinator):
    event = day[0]
    answer = client_for(app, coordinator).post(f"/events/{event.id}/check-in", data={}, headers=EN)
    assert answer.status_code == 422
    assert "Enter the code the engineer shows, or choose them in the list." in text_of(answer)


# --- the live board -------------------------------------------------------------------------------------

def test_running_matching_from_the_board_shows_proposals_with_reasons(app, day, coordinator):
    event, food, trees, liu, zhao, _wu = day
    browser = client_for(app, coordinator)
    before = text_of(browser.get(f"/events/{event.id}/board", headers=EN))
    assert "Matching has not run yet" in before
    assert "2 engineers checked in since the last run" in before

    page = flashes(browser, browser.post(f"/events/{event.id}/board/run", headers=EN))

    assert "Matching ran: 2 proposals." in page
    assert matches_of(event) == {liu.id: (food.id, False, False), zhao.id: (trees.id, False, False)}
    food_card = next(card for card in page.split("<article")[1:] if "Food bank donor map</a></h3>" in card)
    assert "Liu Yang" in food_card and "Lead" in food_card and "score 0.9" in food_card
    assert "<li>matches Python 5/5" in food_card and "<li>your 1st choice</li>" in food_card
    assert "Still short: 1 seat" in food_card
    assert "Wu Lei" not in page  # not checked in: not on the board
    assert "Everyone checked in has a proposal." in page


def test_moving_a_person_locks_them_there_and_a_rerun_keeps_it(app, day, coordinator):
    event, food, _trees, _liu, _zhao, wu = day
    browser = client_for(app, coordinator)
    browser.post(f"/events/{event.id}/board/run", headers=EN)
    browser.post(f"/events/{event.id}/check-in", data={"user_id": str(wu.id)}, headers=EN)

    page = flashes(browser, browser.post(f"/events/{event.id}/board/move", headers=EN,
                                         data={"user_id": str(wu.id), "request_id": str(food.id)}))
    assert "Wu Lei is moved to “Food bank donor map” and locked there." in page
    assert matches_of(event)[wu.id] == (food.id, True, False)
    assert "Locked" in page and "Unlock" in page

    flashes(browser, browser.post(f"/events/{event.id}/board/run", headers=EN))
    assert matches_of(event)[wu.id] == (food.id, True, False)


def test_a_move_refused_by_the_service_says_why(app, day, coordinator):
    event, food, trees, liu, _zhao, _wu = day
    browser = client_for(app, coordinator)
    browser.post(f"/events/{event.id}/board/run", headers=EN)
    page = flashes(browser, browser.post(f"/events/{event.id}/board/move", headers=EN,
                                         data={"user_id": str(liu.id), "request_id": str(trees.id)}))
    assert "Every free seat on “Street tree tagging app” has a proposal already." in page
    assert matches_of(event)[liu.id] == (food.id, False, False)


def test_lock_and_unlock_from_the_board(app, day, coordinator):
    event, food, _trees, liu, _zhao, _wu = day
    browser = client_for(app, coordinator)
    browser.post(f"/events/{event.id}/board/run", headers=EN)

    page = flashes(browser, browser.post(f"/events/{event.id}/board/lock", headers=EN,
                                         data={"user_id": str(liu.id), "locked": "1"}))
    assert "Liu Yang stays on “Food bank donor map” when matching runs again." in page
    assert matches_of(event)[liu.id] == (food.id, True, False)

    page = flashes(browser, browser.post(f"/events/{event.id}/board/lock", headers=EN,
                                         data={"user_id": str(liu.id), "locked": "0"}))
    assert "Liu Yang is unlocked" in page
    assert matches_of(event)[liu.id] == (food.id, False, False)


def test_confirming_turns_proposals_into_claims_and_names_a_seat_taken_meanwhile(app, db, day, coordinator):
    event, food, trees, liu, zhao, _wu = day
    browser = client_for(app, coordinator)
    browser.post(f"/events/{event.id}/board/run", headers=EN)
    question = text_of(browser.get(f"/events/{event.id}/board/confirm", headers=EN))
    assert "2 proposals become accepted claims" in question

    # Meanwhile an ordinary claim takes the tree app's only seat.
    make_claim(fresh(type(trees), trees.id), make_volunteer(name="Sun Li"), status="accepted")
    db.session.commit()

    answer = browser.post(f"/events/{event.id}/board/confirm", headers=EN)

    assert answer.status_code == 200
    page = text_of(answer)
    assert "1 match confirmed" in page and "Liu Yang" in page
    assert "1 pair could not be confirmed" in page
    assert re.search(r'<p class="field-error">[^<]*seat[^<]*</p>', page)  # the service's sentence, why
    assert "Zhao Min" in page and "Street tree tagging app" in page
    claims = db.session.scalars(sa.select(Claim).where(Claim.volunteer_id.in_([liu.id, zhao.id]))).all()
    assert [(c.volunteer_id, c.request_id, c.status) for c in claims] == [(liu.id, food.id, "accepted")]
    assert matches_of(event)[liu.id] == (food.id, False, True)


def test_the_board_refreshes_through_our_own_script_and_works_without_it(app, day, coordinator):
    event = day[0]
    browser = client_for(app, coordinator)
    page = flashes(browser, browser.post(f"/events/{event.id}/board/run", headers=EN))

    assert '<script src="/static/js/event_board.js" defer></script>' in page
    assert "<script>" not in page and " on" + "click=" not in page
    script = (STATIC_JS / "event_board.js").read_text()
    assert "data-board-url" in script and "setInterval" in script and "fetch(" in script
    # Without the script every action is a plain form posting to the board's own views.
    for action in ("board/run", "board/move", "board/lock"):
        assert f'<form method="post" class="inline-form" action="/events/{event.id}/{action}">' in page \
            or f'<form method="post" class="board-move" action="/events/{event.id}/{action}">' in page
    # The script asks the board's state (the API takes no session cookie): counts and a fingerprint
    # that the page was drawn from and that changes when someone checks in.
    url = re.search(r'data-board-url="([^"]*)"', page).group(1)
    drawn = re.search(r'data-board-fingerprint="([^"]*)"', page).group(1)
    assert url == f"/events/{event.id}/board/state"
    state = browser.get(url, headers=EN).get_json()
    assert state["fingerprint"] == drawn and (state["attended"], state["proposals"]) == (2, 2)
    browser.post(f"/events/{event.id}/check-in", data={"user_id": str(day[5].id)}, headers=EN)
    later = browser.get(url, headers=EN).get_json()
    assert later["attended"] == 3 and later["fingerprint"] != drawn


def test_the_board_has_a_pick_list_of_projects_per_person(app, day, coordinator):
    event, food, trees, liu, _zhao, _wu = day
    browser = client_for(app, coordinator)
    page = flashes(browser, browser.post(f"/events/{event.id}/board/run", headers=EN))
    picker = page[page.index(f'id="move-{liu.id}"'):]
    picker = picker[:picker.index("</select>")]
    assert f'<option value="{food.id}" selected>' in picker and f'<option value="{trees.id}">' in picker
    assert '<option value="">' in picker  # take them off


# --- the report -------------------------------------------------------------------------------------------

def confirmed_day(app, day, coordinator):
    event = day[0]
    browser = client_for(app, coordinator)
    browser.post(f"/events/{event.id}/board/run", headers=EN)
    browser.post(f"/events/{event.id}/board/confirm", headers=EN)
    return browser


def test_the_report_shows_matches_short_requests_unmatched_and_attendance(app, day, coordinator):
    event, _food, _trees, _liu, _zhao, wu = day
    browser = confirmed_day(app, day, coordinator)
    browser.post(f"/events/{event.id}/check-in", data={"user_id": str(wu.id)}, headers=EN)

    page = text_of(browser.get(f"/events/{event.id}/report", headers=EN))

    assert "Matches per request" in page and "Liu Yang" in page and "Zhao Min" in page
    assert "Requests still short of people" in page and "1 seat free" in page
    assert "Engineers without a match" in page and "Wu Lei" in page
    assert "Checked in after the last matching run." in page
    assert "100%" in page  # 3 registered, 3 checked in
    assert f'href="/events/{event.id}/report.csv"' in page


def test_the_csv_download_has_a_bom_a_header_and_one_row_per_match(app, day, coordinator):
    event, _food, _trees, _liu, _zhao, _wu = day
    browser = confirmed_day(app, day, coordinator)

    answer = browser.get(f"/events/{event.id}/report.csv", headers=EN)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["request_id", "request_title", "volunteer_id", "volunteer_name"]
    assert sorted((row[3], row[1], row[5]) for row in rows[1:]) == [
        ("Liu Yang", "Food bank donor map", "confirmed"),
        ("Zhao Min", "Street tree tagging app", "confirmed")]


def test_the_board_and_report_speak_chinese(app, db, day):
    event = day[0]
    chinese = make_user("coordinator", name="陈协调", locale="zh_CN")
    db.session.commit()
    browser = client_for(app, chinese)
    browser.post(f"/events/{event.id}/board/run")
    for path in ("board", "check-in", "report"):
        page = text_of(browser.get(f"/events/{event.id}/{path}"))
        assert 'lang="zh' in page and "我的工作台" in page

"""The coordinator's board pages: the live board (run, move, lock, confirm, its refresh script and working
without it), and the report with its CSV download."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.volunteers.models import Claim, EventMatch
from tests.factories import make_claim, make_user, make_volunteer
from tests.helpers import EN, client_for, fresh, text_of
from tests.volunteers.events.samples import flashes

STATIC_JS = Path(__file__).resolve().parents[4] / "app" / "static" / "js"


def matches_of(event) -> dict[int, tuple[int, bool, bool]]:
    db.session.expire_all()
    return {m.volunteer_id: (m.request_id, m.locked, m.confirmed_at is not None)
            for m in db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id))}


# --- check-in ------------------------------------------------------------------------------------------


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

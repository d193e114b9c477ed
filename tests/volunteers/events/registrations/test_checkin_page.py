"""The coordinator's check-in page: the list and its search, checking in by list and by code."""

from __future__ import annotations

from tests.factories import make_volunteer
from tests.helpers import EN, client_for, fresh, text_of
from tests.volunteers.events.samples import attended, flashes, make_registration


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

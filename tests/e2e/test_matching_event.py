"""In a real browser, a small matching event from end to end: a coordinator creates it, features two
requests and publishes it; three engineers register and rank the projects; the coordinator checks
them in (by code and from the list), runs matching, moves one person and confirms; each engineer then
sees their project on the event page. Screenshots of the event page and the board, at 1280 and 375 px
in Chinese and English, go to SHOTS for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from tests.browser import VIEWPORTS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_catalogues")]

PASSWORD = "matching-night-2026"
SHOTS = Path(os.environ.get("EVENT_SCREENSHOTS", "/tmp/events/shots"))
DONOR_MAP = "Donor map for the food bank"
ROTA_APP = "Volunteer rota app"


def translated(app, message: str, locale: str = "zh_CN", **values) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **values)


def shoot(page, name: str) -> None:
    """Full-page screenshots at the desktop and phone widths, then back to the desktop width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width_name in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[width_name])
        page.screenshot(path=str(SHOTS / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["desktop"])


def switch_language(page) -> None:
    with page.expect_navigation():
        page.click("header form.language-switch button")


def sign_in(browser, live_server: str, email: str):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form[action*='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")
    return page


def the_people(db):
    """A coordinator, a verified food bank with two open requests, and three engineers."""
    from app.volunteers.models import VolunteerProfile, VolunteerSkill
    from tests.factories import make_org, make_request, make_skill, make_user

    coordinator = make_user("coordinator", email="zhou.min.events@example.org", name="周敏",
                            password=PASSWORD, locale="zh_CN")
    staff = make_user("nonprofit", email="wang.fang.events@example.org", name="王芳", locale="zh_CN")
    organization = make_org(members=[staff], name="北城社区食物银行", region="北京")
    donor_map = make_request(organization, status="open", team_size=2, title=DONOR_MAP,
                             skills=["python", "postgresql"])
    rota = make_request(organization, status="open", team_size=2, title=ROTA_APP, skills=["javascript"])
    engineers = []
    for email, name, locale, skills in (
            ("li.na.events@example.org", "李娜", "zh_CN", {"python": 4, "postgresql": 3}),
            ("tom.events@example.org", "Tom Baker", "en", {"javascript": 4}),
            ("wang.lei.events@example.org", "王磊", "zh_CN", {"python": 3, "javascript": 3})):
        user = make_user("volunteer", email=email, name=name, password=PASSWORD, locale=locale)
        profile = VolunteerProfile(user_id=user.id, hours_per_week=6, languages=["zh", "en"])
        for slug, level in skills.items():
            profile.skills.append(VolunteerSkill(skill=make_skill(slug), level=level))
        db.session.add(profile)
        engineers.append(user)
    db.session.commit()
    return coordinator, donor_map, rota, engineers


def feature(page, title: str, words: str) -> None:
    page.fill("[data-feature-input]", words)
    page.press("[data-feature-input]", "Enter")
    row = page.locator("#feature-results li.event-row", has_text=title)
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(page.locator(".event-rows").first).to_contain_text(title)


def test_a_small_event_from_creation_to_confirmed_teams(browser, live_server, app, db) -> None:
    from app.volunteers.models import EventMatch, EventRegistration, MatchingEvent

    coordinator, donor_map, rota, engineers = the_people(db)
    li_na, tom, wang_lei = engineers

    # The coordinator creates the event (a draft), features the two requests and publishes it.
    desk = sign_in(browser, live_server, coordinator.email)
    desk.goto(f"{live_server}/events/new")
    desk.fill("#name", "冬季公益编程夜")
    desk.fill("#starts_at", "2027-01-16T14:00")
    desk.fill("#ends_at", "2027-01-16T21:00")
    desk.fill("#city", "北京")
    desk.fill("#location", "中关村创业大街 3 号楼")
    desk.fill("#capacity", "3")
    desk.fill("#description", "带上电脑。公益组织介绍项目，工程师现场组队。")
    desk.click("form[action$='/events/new'] button[type=submit]")
    desk.wait_for_url(f"{live_server}/events/*/manage")
    event_id = int(desk.url.split("/events/")[1].split("/")[0])
    assert db.session.get(MatchingEvent, event_id).status == "planned"

    desk.goto(f"{live_server}/events/{event_id}/requests")
    feature(desk, DONOR_MAP, "donor")
    feature(desk, ROTA_APP, "rota")
    desk.goto(f"{live_server}/events/{event_id}/publish")
    desk.click(f"form[action$='/events/{event_id}/publish'] button[type=submit]")
    desk.wait_for_url(f"{live_server}/events/{event_id}/manage")

    # Anyone finds it on the home page and in the list of events.
    visitor = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN").new_page()
    visitor.goto(f"{live_server}/")
    expect(visitor.locator(".home-events")).to_contain_text("冬季公益编程夜")
    shoot(visitor, "home-with-events-zh")
    visitor.goto(f"{live_server}/events")
    expect(visitor.locator(".event-list").first).to_contain_text("冬季公益编程夜")
    shoot(visitor, "event-list-zh")
    switch_language(visitor)
    shoot(visitor, "event-list-en")
    visitor.context.close()

    # Three engineers register from the public event page and rank the projects.
    rankings = {li_na.id: (DONOR_MAP, ROTA_APP), tom.id: (ROTA_APP, DONOR_MAP), wang_lei.id: (DONOR_MAP,)}
    pages = {}
    for engineer in engineers:
        page = sign_in(browser, live_server, engineer.email)
        page.click("header a[href='/events']")
        page.click(f"a[href='/events/{event_id}']")
        for rank, title in enumerate(rankings[engineer.id], start=1):
            page.select_option(f"#choice_{rank}", label=title)
        if engineer is li_na:
            shoot(page, "event-page-ranking-form-zh")
        page.click(f"form[action$='/events/{event_id}/registration'] button[type=submit]")
        page.wait_for_url(f"{live_server}/events/{event_id}#registration")
        expect(page.locator(".event-ranking li").first).to_have_text(rankings[engineer.id][0])
        pages[engineer.id] = page
    statuses = db.session.execute(sa.select(EventRegistration.volunteer_id, EventRegistration.status)
                                  .where(EventRegistration.event_id == event_id)).all()
    assert sorted(status for _user, status in statuses) == ["registered"] * 3
    shoot(pages[li_na.id], "event-page-registered-zh")

    # At the door: 李娜 shows her code, the others are checked in from the list.
    li_na_page = pages[li_na.id]
    li_na_page.click(f"a[href='/events/{event_id}/my-code']")
    code = li_na_page.inner_text(".check-in-code").split()[-1]
    assert li_na_page.locator(".check-in-qr svg").count() == 1
    shoot(li_na_page, "check-in-code-zh")
    desk.goto(f"{live_server}/events/{event_id}/check-in")
    desk.fill("#check_in_code", code)
    desk.click("form.event-inline-fields button.button:not(.button-secondary)")
    expect(desk.locator(".flashes")).to_contain_text("李娜")
    for name in ("Tom Baker", "王磊"):
        desk.locator("table.checkin-list tr", has_text=name).locator("button[type=submit]").click()
        expect(desk.locator(".flashes")).to_contain_text(name)
    attended = db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event_id, EventRegistration.attended_at.is_not(None)))
    assert attended == 3

    # The live board: run matching, move 王磊 to the rota app, confirm.
    desk.goto(f"{live_server}/events/{event_id}/board")
    with desk.expect_navigation():
        desk.click(f"form[action$='/events/{event_id}/board/run'] button[type=submit]")
    db.session.expire_all()
    proposals = db.session.scalar(sa.select(sa.func.count(EventMatch.id))
                                  .where(EventMatch.event_id == event_id))
    assert proposals == 3
    move = desk.locator(f"form[action$='/events/{event_id}/board/move']"
                        f":has(input[name=user_id][value='{wang_lei.id}'])")
    move.locator("select[name=request_id]").select_option(str(rota.id))
    with desk.expect_navigation():
        move.locator("button[type=submit]").click()
    expect(desk.locator(".flashes")).to_contain_text("王磊")
    shoot(desk, "board-zh")
    switch_language(desk)
    shoot(desk, "board-en")
    switch_language(desk)
    desk.goto(f"{live_server}/events/{event_id}/board/confirm")
    with desk.expect_navigation():
        desk.click(f"form[action$='/events/{event_id}/board/confirm'] button[type=submit]")

    # Each engineer sees their project on the event page, linking to the request.
    db.session.expire_all()
    confirmed = dict(db.session.execute(sa.select(EventMatch.volunteer_id, EventMatch.request_id).where(
        EventMatch.event_id == event_id, EventMatch.confirmed_at.is_not(None))).all())
    assert set(confirmed) == {li_na.id, tom.id, wang_lei.id}
    assert confirmed[wang_lei.id] == rota.id
    titles = {donor_map.id: DONOR_MAP, rota.id: ROTA_APP}
    for engineer in engineers:
        page = pages[engineer.id]
        page.goto(f"{live_server}/events/{event_id}")
        mine = page.locator(".event-my-match")
        expect(mine).to_contain_text(titles[confirmed[engineer.id]])
        assert mine.locator("a").first.get_attribute("href") == f"/requests/{confirmed[engineer.id]}"
    shoot(pages[tom.id], "event-page-matched-en")
    shoot(pages[li_na.id], "event-page-matched-zh")
    outcome = translated(app, "Outcome")
    expect(pages[li_na.id].locator("#outcome-heading")).to_have_text(outcome)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_header_with_events_stays_on_one_row_at_1280_px(browser, live_server, db, locale) -> None:
    from app.core.models import Notification
    from tests.factories import make_user

    people = [None] + [make_user(role, password=PASSWORD, locale=locale)
                       for role in ("volunteer", "nonprofit", "coordinator")]
    for person in people[1:]:  # an unread count makes the bell wider
        db.session.add(Notification(user_id=person.id, kind="event_promoted", params={}))
    db.session.commit()
    rows = {}
    for person in people:
        if person is None:
            context = browser.new_context(viewport=VIEWPORTS["desktop"], locale=locale.replace("_", "-"))
            page = context.new_page()
            page.goto(f"{live_server}/events")
        else:
            page = sign_in(browser, live_server, person.email)
            page.goto(f"{live_server}/events")
        assert page.locator("header a[href='/events']").count() == 1
        tops = {round(box["y"] + box["height"] / 2) for box in (
            page.locator(selector).bounding_box()
            for selector in ("header .brand", "header .site-nav li:last-child", "header .language-switch"))}
        nav_height = page.locator("header .site-nav ul").bounding_box()["height"]
        rows[person.role if person else "anonymous"] = (max(tops) - min(tops), nav_height)
        page.context.close()
    assert all(spread <= 4 and height < 48 for spread, height in rows.values()), rows

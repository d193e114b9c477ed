"""In a real browser: the type-ahead ticks skills typed in Chinese or English, and the profile saves."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.e2e


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("form[action*='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")


def test_a_volunteer_adds_skills_by_typing_chinese_and_english(page, live_server, db, taxonomy):
    make_user("volunteer", email="fang.e2e@example.org", name="王芳", locale="zh_CN")
    db.session.commit()
    sign_in(page, live_server, "fang.e2e@example.org")
    page.goto(f"{live_server}/volunteers/me/edit")

    search = page.locator("#skill-search-input")
    search.fill("数据库")
    first = page.locator("#skill-suggestions [role=option]").first
    first.wait_for()
    assert "数据库设计与整理" in first.inner_text()
    search.press("Enter")

    assert page.is_checked("#skill-database-design")
    assert page.evaluate("document.activeElement.id") == "level_database_design"
    page.select_option("#level_database_design", "5")
    assert "数据库设计与整理" in page.inner_text("[data-skill-chosen]")

    search.fill("mini")
    page.locator("#skill-suggestions [role=option]").first.wait_for()
    search.press("ArrowDown")
    assert page.get_attribute("#skill-suggestions [role=option] >> nth=0", "aria-selected") == "true"
    search.press("Enter")
    assert page.is_checked("#skill-wechat-mini-program")
    assert page.locator("[data-skill-chosen] li").count() == 2

    page.fill("#hours_per_week", "6")
    page.click("form.profile-form button[type=submit]")
    page.wait_for_url(f"{live_server}/volunteers/*")
    body = page.inner_text("main")
    assert "数据库设计与整理" in body and "微信小程序" in body


def test_nothing_matching_says_so_and_enter_never_submits_the_form(page, live_server, db, taxonomy):
    make_user("volunteer", email="lei.e2e@example.org", locale="en")
    db.session.commit()
    sign_in(page, live_server, "lei.e2e@example.org")
    page.goto(f"{live_server}/volunteers/me/edit")

    page.fill("#skill-search-input", "qwertyuiop")
    page.locator("[data-skill-empty]").wait_for(state="visible")
    page.press("#skill-search-input", "Enter")

    assert page.url.endswith("/volunteers/me/edit")
    assert page.locator("[data-skill-chosen] li").count() == 0

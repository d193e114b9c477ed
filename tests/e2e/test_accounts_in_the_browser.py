"""In a real browser: a newcomer signs up, switches language, signs out and back in, on desktop and phone."""

from __future__ import annotations

import pytest

from tests.browser import VIEWPORTS

pytestmark = pytest.mark.e2e


def test_volunteer_signs_up_in_chinese_and_reaches_the_dashboard(page, live_server, screenshot) -> None:
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "码桥" in page.inner_text("header")
    screenshot(page, "home-zh-desktop")

    page.goto(f"{live_server}/sign-up")
    page.check("#role-1")  # volunteer engineer
    page.fill("#name", "李娜")
    page.fill("#email", "li.na.e2e@example.org")
    page.fill("#password", "weekend-builder-2026")
    page.click("form[action$='/sign-up'] button[type=submit]")

    page.wait_for_url(f"{live_server}/dashboard**")
    assert "李娜" in page.inner_text("body")
    screenshot(page, "dashboard-volunteer-zh-desktop")


def test_wrong_password_is_refused_and_keeps_the_email(page, live_server, db) -> None:
    from tests.factories import make_user

    make_user("nonprofit", email="staff.e2e@example.org", password="long-enough-pass-1")
    db.session.commit()

    page.goto(f"{live_server}/sign-in")
    page.fill("#email", "staff.e2e@example.org")
    page.fill("#password", "not-the-password")
    page.click("form[action*='/sign-in'] button[type=submit]")
    assert page.input_value("#email") == "staff.e2e@example.org"
    assert page.url.startswith(f"{live_server}/sign-in")

    page.fill("#password", "long-enough-pass-1")
    page.click("form[action*='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")


def test_language_switch_changes_the_page_and_is_remembered(page, live_server, screenshot) -> None:
    page.goto(f"{live_server}/")
    page.click(".language-switch button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Sign in" in page.inner_text("header")
    screenshot(page, "home-en-desktop")

    page.goto(f"{live_server}/sign-in")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_phone_width_pages_fit_without_sideways_scrolling(browser, live_server, screenshot, locale) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale=locale)
    phone = context.new_page()
    try:
        for path, name in (("/", "home"), ("/sign-up", "sign-up"), ("/sign-in", "sign-in")):
            phone.goto(f"{live_server}{path}")
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            screenshot(phone, f"{name}-{locale}-phone")
    finally:
        context.close()

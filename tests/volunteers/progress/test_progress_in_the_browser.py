"""In a real browser: a team member posts a check-in in Chinese, the nonprofit answers it, and a
coordinator finds a stalled project on Needs attention; desktop (1280) and phone (375) screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext

from app.core.db import utcnow
from tests.browser import VIEWPORTS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_catalogues")]

PASSWORD = "progress-desk-2026-pass"


def zh(app, message: str, **values) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(message, **values)


def project_in_progress(db):
    """A food bank's request in progress with a lead (password known), its staff and a coordinator;
    a second request of the same food bank has been silent for a month and is stalled."""
    from app.volunteers.milestones import services as milestones
    from tests.factories import make_claim, make_org, make_request, make_user

    staff = make_user("nonprofit", email="wang.fang.progress@example.org", name="王芳", password=PASSWORD,
                      locale="zh_CN")
    lead = make_user("volunteer", email="zhang.wei.progress@example.org", name="张伟", password=PASSWORD,
                     locale="zh_CN")
    coordinator = make_user("coordinator", email="zhou.min.progress@example.org", name="周敏",
                            password=PASSWORD, locale="en")
    organization = make_org(members=[staff], name="北城社区食物银行")
    working = make_request(organization, status="in_progress", title="捐赠点地图和取货路线", team_size=2)
    make_claim(working, lead, status="accepted", role="lead")
    silent = make_request(organization, status="in_progress", title="志愿者排班表", team_size=1)
    make_claim(silent, make_user("volunteer", name="李娜"), status="accepted",
               accepted_at=utcnow() - timedelta(days=40))
    silent.is_stalled = True
    db.session.commit()
    milestones.add_milestone(working, lead, title="地图原型上线", due_on=utcnow().date() - timedelta(days=1))
    done = milestones.add_milestone(working, lead, title="导入捐赠点",
                                    due_on=utcnow().date() - timedelta(days=5))
    milestones.mark_milestone(done, lead, done=True)
    return staff, lead, coordinator, working


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form[action*='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")


def fits_a_phone(phone) -> None:
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{phone.url} scrolls sideways by {overflow}px on a phone"


def test_a_checkin_is_posted_answered_and_stalled_projects_are_watched(page, browser, live_server, screenshot,
                                                                        app, db) -> None:
    staff, lead, coordinator, working = project_in_progress(db)
    request_url = f"{live_server}/requests/{working.id}"

    sign_in(page, live_server, lead)
    page.goto(request_url)
    assert zh(app, "%(done)d of %(total)d milestones done", done=1, total=2) in page.inner_text("#progress")
    page.click(f"#progress a[href$='/requests/{working.id}/checkins/new']")
    page.fill("#summary", "地图原型已经可以在微信里打开，显示了 12 个捐赠点。")
    page.fill("#next_steps", "下周导入取货志愿者名单。")
    page.fill("#blockers", "还缺超市店长的联系方式。")
    page.fill("#hours", "6")
    page.check("input[name=status][value=at_risk]")
    page.fill("#percent_complete", "40")
    screenshot(page, "checkin-form-zh-desktop")
    page.click("form[action$='/checkins/new'] button[type=submit]")
    page.wait_for_url(f"{request_url}#progress")
    assert zh(app, "Check-in posted. The organisation can read it on the request page.") \
        in page.inner_text(".flashes")
    assert "显示了 12 个捐赠点" in page.inner_text("#progress")

    staff_context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    staff_page = staff_context.new_page()
    try:
        sign_in(staff_page, live_server, staff)
        staff_page.goto(request_url)
        staff_page.fill("#progress textarea[name=body]", "谢谢！联系方式周五发给你们。")
        staff_page.click("#progress .checkin-reply-form button[type=submit]")
        staff_page.wait_for_url(f"{request_url}#checkin-*")
        assert "联系方式周五发给你们" in staff_page.inner_text("#progress")
        assert "还缺超市店长的联系方式" in staff_page.inner_text("#progress")  # blockers: staff see them
        screenshot(staff_page, "progress-panel-zh-desktop")
    finally:
        staff_context.close()

    phone_context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
    phone = phone_context.new_page()
    try:
        phone.goto(request_url)  # anonymous: the summary, never the blockers
        assert "显示了 12 个捐赠点" in phone.inner_text("#progress")
        assert "还缺超市店长的联系方式" not in phone.inner_text("body")
        fits_a_phone(phone)
        screenshot(phone, "progress-panel-zh-phone")
    finally:
        phone_context.close()

    for viewport in ("desktop", "phone"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en")
        coordinator_page = context.new_page()
        try:
            sign_in(coordinator_page, live_server, coordinator)
            coordinator_page.goto(f"{live_server}/coordinator/needs-attention")
            items = coordinator_page.locator(".attention-item")
            assert items.first.inner_text().startswith("志愿者排班表")  # stalled first
            assert "Stalled" in items.first.inner_text()
            if viewport == "phone":
                fits_a_phone(coordinator_page)
            screenshot(coordinator_page, f"needs-attention-en-{viewport}")
        finally:
            context.close()

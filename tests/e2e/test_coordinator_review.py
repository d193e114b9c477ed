"""In a real browser: a coordinator verifies a food bank, edits its drafted spec twice, compares the
versions and publishes; then anyone, signed in or not, can read the published request."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect

from app.core.templating import status_label

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_catalogues")]

PASSWORD = "review-desk-2026-pass"
OLD_SUMMARY = "捐赠点地图和取货路线"
NEW_SUMMARY = ("为北城社区食物银行做一个微信里能打开的捐赠点地图：志愿者看到今天有捐赠的超市，"
               "领取取货任务；工作人员每月导出捐赠统计。")
NEW_STORY = "作为工作人员，我可以按月导出每个捐赠点的食品重量，用于给捐赠方写感谢信。"


def translated(app, message: str, **values) -> str:
    """The sentence as the Chinese-speaking coordinator reads it."""
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(message, **values)


def food_bank_in_intake(db):
    """A coordinator, and a pending food bank whose donor-map request waits in intake with spec v1."""
    from tests.factories import make_org, make_request, make_user

    coordinator = make_user("coordinator", email="zhou.min.e2e@example.org", name="周敏", password=PASSWORD,
                            locale="zh_CN")
    staff = make_user("nonprofit", email="wang.fang.review@example.org", name="王芳", locale="zh_CN")
    organization = make_org(verified=False, members=[staff], name="北城社区食物银行", region="北京",
                            registration_number="52110105MJ0000000X",
                            description="每周回收临期食品，分发给社区里的低保家庭和独居老人。")
    help_request = make_request(
        organization, status="intake", title=OLD_SUMMARY,
        problem="志愿者不知道哪些超市今天有捐赠，常常白跑一趟。",
        current_process="超市店长在微信群里发消息，我们用 Excel 表手工记录。",
        users="大约 40 名取货志愿者用手机，3 名工作人员用电脑。",
        data_kept="捐赠点地址、联系人电话、可取货时间、食品种类和重量。",
        rhythm="每周\n工作日晚上方便开会。", constraints="必须能在手机上用\n志愿者不想再装新的应用。",
        must_do=["在地图上显示今天有捐赠的超市", "志愿者领取一个取货任务"])
    # Version 1 as the drafter would have written it from these answers.
    help_request.spec_versions[0].content = {
        **help_request.spec_versions[0].content, "summary": OLD_SUMMARY,
        "users_and_roles": ["取货志愿者（手机）", "工作人员（电脑）"],
        "data_entities": ["捐赠点", "取货任务", "捐赠记录"],
        "user_stories": ["作为取货志愿者，我可以在地图上看到今天有捐赠的超市。",
                         "作为取货志愿者，我可以领取一个取货任务。"],
        "acceptance_criteria": ["志愿者在手机上三步之内领到任务。"],
        "effort_reasoning": "2 个用户故事、3 类数据、1 个地图接口：一个小型网页应用。"}
    db.session.commit()
    return coordinator, organization, help_request


def save_spec(page, live_server: str, request_id: int, note: str) -> None:
    page.fill("#note", note)
    page.click("form.spec-form button[type=submit]")
    page.wait_for_url(f"{live_server}/requests/{request_id}/review")


def test_coordinator_verifies_edits_twice_compares_and_publishes(page, browser, live_server, screenshot, app,
                                                                  db) -> None:
    from app.requests.models import HelpRequest, Organization

    coordinator, organization, help_request = food_bank_in_intake(db)
    org_id, request_id = organization.id, help_request.id

    page.goto(f"{live_server}/sign-in")
    page.fill("#email", coordinator.email)
    page.fill("#password", PASSWORD)
    page.click("form[action*='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")

    # Verification queue → the food bank → verified, with a note its staff will read.
    page.click("header a[href$='/organizations/verification-queue']")
    page.wait_for_url(f"{live_server}/organizations/verification-queue**")
    card = page.locator(".queue-item", has_text=organization.name)
    card.locator(f"a.button[href$='/organizations/{org_id}/verification']").click()
    page.wait_for_url(f"{live_server}/organizations/{org_id}/verification")
    page.check("input[name=decision][value=verified]")
    page.fill("#note", "登记证书和统一社会信用代码已核对，联系人电话已回访确认。")
    page.click("form[action$='/verification/decision'] button[type=submit]")
    page.wait_for_url(f"{live_server}/organizations/verification-queue**")
    assert translated(app, "%(name)s is verified. Its staff have been told by e-mail.",
                      name=organization.name) in page.inner_text(".flashes")
    assert page.locator(".queue-item", has_text=organization.name).count() == 0

    # Intake queue → the review page, answers beside the drafted spec.
    page.click("header a[href$='/intake']")
    page.wait_for_url(f"{live_server}/intake")
    page.click(f"a.queue-title[href$='/requests/{request_id}/review']")
    page.wait_for_url(f"{live_server}/requests/{request_id}/review")
    spec_heading = translated(app, "Spec, version %(version)d", version=1)
    assert page.locator("#spec-heading").inner_text() == spec_heading
    assert help_request.problem in page.inner_text(".review-answers")
    screenshot(page, "review-request-zh-desktop")

    # First edit: a summary an engineer can act on.
    page.click(f"a[href$='/requests/{request_id}/spec/edit']")
    page.wait_for_url(f"{live_server}/requests/{request_id}/spec/edit")
    assert page.input_value("#summary") == OLD_SUMMARY
    page.fill("#summary", NEW_SUMMARY)
    save_spec(page, live_server, request_id, "重写摘要，写清楚谁用、做什么。")
    assert translated(app, "Saved as version %(version)d.", version=2) in page.inner_text(".flashes")
    assert NEW_SUMMARY in page.inner_text(".review-spec")

    # Second edit: one more user story, below the drafted ones.
    page.click(f"a[href$='/requests/{request_id}/spec/edit']")
    page.wait_for_url(f"{live_server}/requests/{request_id}/spec/edit")
    stories = page.input_value("#user_stories")
    page.fill("#user_stories", f"{stories}\n{NEW_STORY}")
    save_spec(page, live_server, request_id, "补充导出统计的用户故事。")
    assert translated(app, "Saved as version %(version)d.", version=3) in page.inner_text(".flashes")
    assert NEW_STORY in page.inner_text(".review-spec")

    # Version history: the draft and both edits, each with its note.
    page.click(f"a[href$='/requests/{request_id}/spec/versions']")
    page.wait_for_url(f"{live_server}/requests/{request_id}/spec/versions")
    with app.test_request_context(), force_locale("zh_CN"):
        three = ngettext("%(num)d version", "%(num)d versions", 3)
    assert page.locator("#versions-caption").inner_text() == three
    assert page.locator("table tbody tr").count() == 3
    assert "补充导出统计的用户故事。" in page.inner_text("table")

    # Compare version 1 with version 3: the old summary struck out, the new one and the story added.
    page.select_option("select#old", "1")
    page.select_option("select#new", "3")
    page.click("form.compare-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/requests/{request_id}/spec/compare\?.*old=1.*new=3.*"))
    heading = translated(app, "Version %(old)d → version %(new)d", old=1, new=3)
    assert page.locator("h1").inner_text() == heading
    removed = " ".join(page.locator(".diff del").all_inner_texts())
    added = " ".join(page.locator(".diff ins").all_inner_texts())
    assert OLD_SUMMARY in removed
    assert NEW_SUMMARY in added and NEW_STORY in added
    screenshot(page, "spec-compare-v1-v3-zh-desktop")

    # Publish from the review page.
    page.goto(f"{live_server}/requests/{request_id}/review")
    page.click(f"form[action$='/requests/{request_id}/publish'] button[type=submit]")
    # The review page reloads at the same address, now with the news and without the decisions.
    # Publishing indexes the request for search inline (no Redis here), so it may take seconds.
    expect(page.locator(".flashes")).to_contain_text(translated(
        app, "Published: volunteers can now find “%(title)s” and claim a seat.", title=help_request.title),
        timeout=20_000)
    expect(page.locator(".review-decision")).to_have_count(0)

    db.session.expire_all()
    assert db.session.get(Organization, org_id).verification == "verified"
    published = db.session.get(HelpRequest, request_id)
    assert published.status == "open" and published.current_spec_version == 3

    # The public request page shows the edited spec and the open status, to a stranger too.
    page.goto(f"{live_server}/requests/{request_id}")
    with app.test_request_context(), force_locale("zh_CN"):
        open_zh = status_label("open")
    assert open_zh in page.inner_text("main")
    assert NEW_SUMMARY in page.inner_text(".request-spec") and NEW_STORY in page.inner_text(".request-spec")

    stranger = browser.new_context(locale="en")
    try:
        anonymous = stranger.new_page()
        response = anonymous.goto(f"{live_server}/requests/{request_id}")
        assert response is not None and response.status == 200
        spec = anonymous.inner_text(".request-spec")
        assert NEW_SUMMARY in spec and NEW_STORY in spec
        with app.test_request_context(), force_locale("en"):
            open_en = status_label("open")
        assert open_en in anonymous.inner_text("main")
        assert "Sign in" in anonymous.inner_text("header")
    finally:
        stranger.close()

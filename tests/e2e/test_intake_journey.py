"""In a real browser, in Chinese and in English: a food bank's staff member signs up, registers the
organisation and takes a donor-map request through every intake step to submission."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from tests.browser import VIEWPORTS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_catalogues")]

# What a food bank's coordinator would type, in the language of the page.
JOURNEYS = {
    "zh_CN": {
        "user": {"name": "王芳", "email": "wang.fang.e2e@example.org"},
        "organization": {
            "name": "北城社区食物银行",
            "description": "我们每周从超市和餐馆回收临期食品，分发给社区里的低保家庭和独居老人。",
            "region": "北京",
            "website": "https://foodbank.example.org",
            "registration_number": "52110105MJ0000000X",
            "contact_name": "王芳",
            "contact_phone": "+86 138 0013 8000",
            "contact_email": "contact@foodbank.example.org",
        },
        "answers": {
            "title": "捐赠点地图和取货路线",
            "problem": "志愿者不知道哪些超市今天有捐赠，常常白跑一趟，临期食品因此被扔掉。",
            "current_process": "超市店长在微信群里发消息，我们用 Excel 表手工记录捐赠点和取货时间。",
            "users": "大约 40 名取货志愿者用手机，3 名工作人员在电脑上安排路线。",
            "data_kept": "捐赠点名称、地址、联系人电话、可取货时间、每次捐赠的食品种类和重量。",
            "must_do": ["在地图上显示今天有捐赠的超市", "志愿者领取一个取货任务", "工作人员导出每月捐赠统计"],
            "rhythm_note": "工作日晚上方便开会。",
            "constraints_note": "志愿者大多用微信，不想再装新的应用。",
            "deadline": "2027-03-31",
        },
        "file": "捐赠点草图.png",
    },
    "en": {
        "user": {"name": "Grace Liu", "email": "grace.liu.e2e@example.org"},
        "organization": {
            "name": "Northside Community Food Bank",
            "description": "Every week we collect surplus food from supermarkets and restaurants and hand it "
                           "out to low-income families and older people living alone.",
            "region": "Shanghai",
            "website": "https://northside-food.example.org",
            "registration_number": "52310000MJ0000001Y",
            "contact_name": "Grace Liu",
            "contact_phone": "+86 139 0000 1234",
            "contact_email": "hello@northside-food.example.org",
        },
        "answers": {
            "title": "Donor map and pick-up routes",
            "problem": "Volunteers cannot tell which supermarkets have donations today, so they drive "
                       "around for nothing and food past its date is thrown away.",
            "current_process": "Store managers post in a WeChat group and we copy the donor sites and "
                               "pick-up times into an Excel sheet by hand.",
            "users": "About 40 pick-up volunteers on their phones and 3 staff planning routes on a laptop.",
            "data_kept": "Donor sites, addresses, contact phone numbers, pick-up windows, and the kind and "
                         "weight of food in each donation.",
            "must_do": ["show today's donor sites on a map", "let a volunteer take a pick-up job",
                        "let staff export the monthly donation totals"],
            "rhythm_note": "Weekday evenings suit us for calls.",
            "constraints_note": "Most volunteers live in WeChat and will not install another app.",
            "deadline": "2027-03-31",
        },
        "file": "donor-sites-sketch.png",
    },
}


def translated(app, locale: str, message: str, **values) -> str:
    """The sentence as the app shows it to a reader of `locale`."""
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **values)


def tiny_png(path: Path) -> Path:
    """Write a valid 2×2 PNG (a sketch stands in for the real photo)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * 2 for _ in range(2))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def at_both_widths(page, screenshot, name: str) -> None:
    """Screenshots at desktop and phone width; on the phone the page must not scroll sideways."""
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(VIEWPORTS["phone"])
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a phone"
        screenshot(page, f"{name}-phone")
    finally:
        page.set_viewport_size(VIEWPORTS["desktop"])


def save_and_continue(page, next_url: str) -> None:
    page.click("button[name=go][value=next]")
    page.wait_for_url(next_url)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_food_bank_goes_from_sign_up_to_a_submitted_request(page, live_server, screenshot, app, db, tmp_path,
                                                             locale) -> None:
    from app.core.models import User
    from app.requests.models import HelpRequest

    journey = JOURNEYS[locale]
    answers = journey["answers"]
    lang = "zh-CN" if locale == "zh_CN" else "en"

    # Sign up as nonprofit staff. The browser asks for Chinese; the English reader switches first.
    page.goto(f"{live_server}/sign-up")
    if locale == "en":
        page.click(".language-switch button[type=submit]")  # back to /sign-up, now in English
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(f"input[name=locale][value={locale}]")).to_be_checked()
    page.check("input[name=role][value=nonprofit]")
    page.fill("#name", journey["user"]["name"])
    page.fill("#email", journey["user"]["email"])
    page.fill("#password", "donor-map-2026-pass")
    page.click("form[action$='/sign-up'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard**")
    assert journey["user"]["name"] in page.inner_text("body")

    # The organisation profile comes first: a new request asks for it.
    page.goto(f"{live_server}/requests/new")
    page.click("a[href$='/organizations/new']")
    page.wait_for_url(f"{live_server}/organizations/new")
    organization = journey["organization"]
    for field in ("name", "description", "region", "website", "registration_number", "contact_name",
                  "contact_phone", "contact_email"):
        page.fill(f"#{field}", organization[field])
    page.check("input[name=cause_areas][value=poverty-relief]")
    page.click("form[action$='/organizations/new'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/organizations/\d+/verification$"))
    assert organization["name"] in page.inner_text("body")

    # Step 1: the title.
    page.goto(f"{live_server}/requests/new")
    assert organization["name"] in page.inner_text("main")
    page.fill("#title", answers["title"])
    page.click("form[action$='/requests/new'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/requests/\d+/intake/problem$"))
    request_id = int(re.search(r"/requests/(\d+)/", page.url).group(1))
    step_url = f"{live_server}/requests/{request_id}/intake"

    # One question per step, each saved on the way to the next.
    for step, following in (("problem", "current_process"), ("current_process", "users"),
                            ("users", "data_kept"), ("data_kept", "must_do")):
        page.fill(f"#{step}", answers[step])
        if step == "problem":
            at_both_widths(page, screenshot, f"intake-step-{locale}")
        save_and_continue(page, f"{step_url}/{following}")
    page.fill("#must_do", "\n".join(answers["must_do"]))
    save_and_continue(page, f"{step_url}/rhythm")
    page.check("input[name=rhythm][value=weekly]")
    page.fill("#rhythm_note", answers["rhythm_note"])
    save_and_continue(page, f"{step_url}/constraints")
    page.check("input[name=constraints][value=works_on_phones]")
    page.check("input[name=constraints][value=inside_wechat]")
    page.check("input[name=constraints][value=beneficiary_privacy]")
    page.fill("#constraints_note", answers["constraints_note"])
    save_and_continue(page, f"{step_url}/deadline")
    page.fill("#deadline", answers["deadline"])
    save_and_continue(page, f"{step_url}/attachments")

    # A sketch of the donor sites, attached and listed.
    page.set_input_files("#file", str(tiny_png(tmp_path / journey["file"])))
    page.click("form.attachment-form button[type=submit]")
    expect(page.locator(".attachment-list a", has_text=journey["file"])).to_have_count(1)
    expect(page.locator(".flashes")).to_contain_text(translated(app, locale, "Attached %(name)s.",
                                                                name=journey["file"]))
    page.click("a.button[href$='/intake/review']")
    page.wait_for_url(f"{step_url}/review")

    # The review step shows every answer back, in the reader's language.
    review = page.inner_text(".intake-answers")
    for key in ("title", "problem", "current_process", "users", "data_kept", "rhythm_note",
                "constraints_note"):
        assert answers[key] in review, key
    for item in answers["must_do"]:
        assert item in review
    assert journey["file"] in review
    assert page.locator("h1").inner_text() == translated(app, locale, "Check your answers, then submit")
    at_both_widths(page, screenshot, f"intake-review-{locale}")

    page.click("form[action$='/submit'] button[type=submit]")
    page.wait_for_url(f"{live_server}/requests/{request_id}/thread")
    submitted = translated(app, locale, "Submitted. A coordinator will read your answers and the spec "
                                        "Codebridge drafted from them, and write to you here if anything "
                                        "is unclear.")
    assert submitted in page.inner_text(".flashes")
    assert page.locator("html").get_attribute("lang") == lang

    db.session.expire_all()
    help_request = db.session.get(HelpRequest, request_id)
    assert help_request.status == "intake"
    assert help_request.organization.name == organization["name"]
    author = db.session.scalar(sa.select(User).filter_by(email=journey["user"]["email"]))
    assert help_request.created_by == author and author.role == "nonprofit" and author.locale == locale
    assert help_request.must_do == answers["must_do"]
    assert help_request.current_spec_version == 1
    spec = help_request.current_spec
    assert spec is not None and spec.author is None  # drafted by Codebridge, not typed by anyone
    assert spec.content["user_stories"], "the drafter wrote no user stories"

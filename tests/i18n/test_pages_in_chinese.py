"""Pages, form errors, API errors and e-mails really come out in Chinese, or in English when asked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import IntegerField

from app.core.models import EmailMessage
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import ZH, sign_in

# English as a British browser asks for it: a region, then any English.
EN_GB = {"Accept-Language": "en-GB,en;q=0.9"}
HAN = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Text that is the same in every language: the brand, each language's name for itself, addresses,
# and names of things engineers type.
UNTRANSLATED = re.compile(r"码桥|Codebridge|中文|English|\S+@\S+|https?://\S*"
                          r"|\b(?:JSON|API|Excel|SEO|Bearer|MiB)\b")


def page(response) -> str:
    return response.get_data(as_text=True)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', page(response)).group(1)


class SpokenText(HTMLParser):
    """The text a person reads or hears on a page, each piece with the language it is marked in."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                      "source", "track", "wbr"})
    SILENT = frozenset({"script", "style", "code", "pre"})  # code and data, not prose
    READ_ALOUD = ("title", "aria-label", "alt", "placeholder", "data-label")

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str, bool]] = []  # (tag, language, silent)
        self.pieces: list[tuple[str, str]] = []

    def lang(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    def silent(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang") or self.lang()
        # Decoration hidden from screen readers (the 文A icon) is not text in any language.
        silent = self.silent() or tag in self.SILENT or values.get("aria-hidden") == "true"
        if not silent:
            for name in self.READ_ALOUD:
                if values.get(name):
                    self.pieces.append((values[name], lang))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.pieces.append((values["value"], lang))
        if tag not in self.VOID:
            self.stack.append((tag, lang, silent))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.silent():
            self.pieces.append((" ".join(data.split()), self.lang()))


def is_in_another_language(text: str, lang: str) -> bool:
    # A sentence may quote a term from the other language (北京 in an English hint); a piece with
    # no word at all in its own language is the untranslated kind.
    words = UNTRANSLATED.sub("", text)
    if lang.startswith("zh"):
        return bool(LATIN_WORD.search(words)) and not HAN.search(words)
    return lang.startswith("en") and bool(HAN.search(words)) and not LATIN_WORD.search(words)


def wrong_language_text(html: str) -> list[str]:
    """Pieces of text in the other language than the one they are marked with (or inherit)."""
    reader = SpokenText()
    reader.feed(html)
    return [text for text, lang in reader.pieces if is_in_another_language(text, lang)]


def plain_pages(app: Flask) -> list[str]:
    """Every page a browser can open without filling in an address: GET, no URL arguments."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
                   and not rule.rule.startswith("/api/")})


def person(role: str, locale: str):
    name = {"zh_CN": "王芳", "en": "Fang Wang"}[locale]
    return make_user(role, name=name, locale=locale)



# -- the home page and the language switch -------------------------------------------------------

def test_the_home_page_is_in_chinese_for_a_chinese_browser(client):
    response = client.get("/", headers=ZH)

    text = page(response)
    assert html_lang(response) == "zh-CN"
    assert "码桥" in text
    assert "志愿工程师为公益机构打造软件" in text  # the heading
    assert '<a href="/sign-in">登录</a>' in text
    assert "注册" in text
    assert 'aria-label="主导航"' in text
    assert "跳到主要内容" in text
    assert "Sign in" not in text


def test_the_home_page_is_in_chinese_when_the_browser_says_nothing(client):
    response = client.get("/")

    assert html_lang(response) == "zh-CN"
    assert "志愿工程师为公益机构打造软件" in page(response)


def test_switching_to_english_shows_english_and_switching_back_shows_chinese(client):
    switched = client.post("/language/en", data={"next": "/"}, headers=ZH)

    assert switched.status_code == 302
    english = client.get("/", headers=ZH)  # the choice wins over the browser's language
    assert html_lang(english) == "en"
    assert "Software for nonprofits, built by volunteer engineers" in page(english)
    assert '<a href="/sign-in">Sign in</a>' in page(english)
    assert 'aria-label="Main navigation"' in page(english)
    assert "登录" not in page(english)

    client.post("/language/zh_CN", data={"next": "/"})

    chinese = client.get("/", headers=EN_GB)
    assert html_lang(chinese) == "zh-CN"
    assert '<a href="/sign-in">登录</a>' in page(chinese)


def test_the_language_switch_names_the_other_language_in_itself(client):
    chinese = page(client.get("/", headers=ZH))
    english = page(client.get("/", headers=EN_GB))

    assert re.search(r'action="/language/en".*?title="切换网站语言">.*?<span lang="en">English</span>',
                     chinese, re.S)
    assert re.search(r'action="/language/zh_CN".*?title="Change the language of the site">'
                     r'.*?<span lang="zh-CN">中文</span>', english, re.S)


def test_numbers_on_the_home_page_have_chinese_labels(client):
    text = page(client.get("/", headers=ZH))

    for label in ("开放认领的需求", "已交付项目", "志愿工程师"):
        assert f"<dt>{label}</dt>" in text


# -- forms and errors ------------------------------------------------------------------------------

def test_a_wrong_password_is_explained_in_chinese(client, db):
    make_user("volunteer", email="fang@example.org", locale="zh_CN")
    db.session.commit()

    response = client.post("/sign-in", data={"email": "fang@example.org", "password": "not my password"},
                           headers=ZH)

    assert response.status_code == 422
    assert "邮箱和密码不匹配任何账户。请检查两者是否正确，或重设密码。" in page(response)
    assert "do not match" not in page(response)
    assert html_lang(response) == "zh-CN"


def test_a_wrong_password_is_explained_in_english_after_switching(client, db):
    make_user("volunteer", email="fang@example.org")
    db.session.commit()
    client.post("/language/en", data={"next": "/sign-in"})

    response = client.post("/sign-in", data={"email": "fang@example.org", "password": "not my password"})

    assert "That e-mail and password do not match an account." in page(response)
    assert "邮箱和密码" not in page(response)


def test_an_empty_sign_up_form_lists_its_problems_in_chinese(client):
    response = client.post("/sign-up", data={}, headers=ZH)

    text = page(response)
    assert response.status_code == 422
    assert "以下内容需要修改：" in text
    assert "请输入邮箱地址。" in text
    assert not wrong_language_text(text)


@pytest.mark.parametrize(("headers", "message"), [
    (ZH, "不是有效的整数。"),
    (EN_GB, "Not a valid integer value."),
])
def test_wtforms_own_messages_follow_the_language_too(app, headers, message):
    # Messages WTForms writes itself (a number field given words) come from its own catalogue.
    class HoursForm(FlaskForm):
        hours = IntegerField("hours")

    with app.test_request_context("/", method="POST", data={"hours": "five"}, headers=headers):
        form = HoursForm(meta={"csrf": False})
        form.validate()

    assert form.hours.errors == [message]


def test_a_missing_page_says_so_in_chinese(client):
    response = client.get("/no-such-page", headers=ZH)

    assert response.status_code == 404
    assert "找不到这个页面" in page(response)
    assert "错误 404" in page(response)


def test_an_expired_reset_link_says_so_in_chinese(client):
    response = client.get("/reset-password/not-a-real-token", headers=ZH)

    assert "此链接已失效" in page(response)
    assert not wrong_language_text(page(response))


def test_a_page_of_another_role_is_refused_in_chinese(app, db):
    browser = sign_in(app.test_client(), make_user("volunteer", locale="zh_CN"))
    db.session.commit()

    response = browser.get("/audit")

    assert response.status_code == 403
    assert "你无权访问此页面" in page(response)


# -- signed in: the profile's language -------------------------------------------------------------
# Browsers are signed in before the user is committed: reading the user after the commit would leave
# this test's session holding a read lock on users, which another run's TRUNCATE of the shared
# PostgreSQL database waits on while this test's request waits behind that TRUNCATE.

def test_a_chinese_speaking_volunteer_gets_a_chinese_dashboard_whatever_the_browser_says(app, db):
    browser = sign_in(app.test_client(), make_user("volunteer", name="王芳", locale="zh_CN"))
    db.session.commit()

    response = browser.get("/dashboard", headers=EN_GB)

    assert response.status_code == 200
    text = page(response)
    assert html_lang(response) == "zh-CN"
    assert "<h1>我的工作台</h1>" in text
    assert "当前登录：王芳（志愿工程师）。" in text
    assert "退出登录" in text


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("role", [None, "nonprofit", "volunteer", "coordinator"])
def test_every_page_speaks_one_language(app, db, role, locale):
    browser = app.test_client()
    if role:
        sign_in(browser, person(role, locale))
        db.session.commit()
    headers = ZH if locale == "zh_CN" else EN_GB

    mixed, opened = {}, 0
    for path in plain_pages(app):
        response = browser.get(path, headers=headers)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        opened += 1
        assert html_lang(response) == locale.replace("_", "-"), path
        if wrong := wrong_language_text(page(response)):
            mixed[path] = wrong

    assert opened >= 3
    assert not mixed, f"text not in {locale} (translate it, or mark it with lang=...): {mixed}"


# -- the API and e-mail ----------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "message"), [
    (ZH, "请登录，或发送有效的 Bearer 令牌。"),
    (EN_GB, "Sign in, or send a valid bearer token."),
    ({}, "请登录，或发送有效的 Bearer 令牌。"),  # Chinese first
])
def test_an_api_error_message_follows_accept_language_and_keeps_its_code(client, headers, message):
    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"] == {"code": "unauthorized", "message": message}


def test_api_validation_messages_are_chinese_for_a_chinese_caller(client):
    response = client.post("/api/v1/users", json={"email": "not an address", "password": DEFAULT_PASSWORD,
                                                   "name": "王芳", "role": "volunteer"}, headers=ZH)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["email"] == "请输入有效的邮箱地址，例如 name@example.org。"


def test_a_password_reset_email_is_written_in_the_account_holders_language(client, db):
    make_user("nonprofit", email="fang@example.org", name="王芳", locale="zh_CN")
    db.session.commit()

    client.post("/forgot-password", data={"email": "fang@example.org"}, headers=EN_GB)

    message = db.session.scalar(sa.select(EmailMessage).where(EmailMessage.to_address == "fang@example.org"))
    assert message.subject == "重设你的码桥密码"
    assert "王芳，你好：" in message.body_text
    assert "链接只能使用一次，一小时后失效。" in message.body_text
    assert 'lang="zh-CN"' in message.body_html

"""The language switch: on every page, back to the same page, remembered in the session and profile."""

from __future__ import annotations

import re

from tests.helpers import sign_in_with_form, text_of


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', text_of(response)).group(1)


def varies_by(response) -> set[str]:
    return {value.lower() for value in response.vary}


def switch(client, locale: str, back_to: str):
    return client.post(f"/language/{locale}", data={"next": back_to})


def test_chinese_is_the_default_and_an_english_browser_gets_english(client):
    assert html_lang(client.get("/")) == "zh-CN"
    assert html_lang(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})) == "zh-CN"


def test_a_page_in_the_browsers_language_says_it_varies_by_accept_language(client):
    for response in (client.get("/", headers={"Accept-Language": "en"}), client.get("/sign-up"),
                     client.get("/no-such-page", headers={"Accept-Language": "en"})):
        assert {"accept-language", "cookie"} <= varies_by(response)


def test_a_page_in_a_chosen_language_does_not_vary_by_accept_language(client, volunteer_user):
    switch(client, "en", "/")

    assert "accept-language" not in varies_by(client.get("/", headers={"Accept-Language": "zh-CN"}))
    sign_in_with_form(client, volunteer_user.email)
    assert "accept-language" not in varies_by(client.get("/dashboard"))


def test_switching_language_returns_to_the_same_page_and_sticks_for_the_visit(client):
    response = switch(client, "en", "/sign-up?role=volunteer")

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-up?role=volunteer"
    page = client.get("/sign-up?role=volunteer")
    assert html_lang(page) == "en"
    assert 'action="/language/zh_CN"' in text_of(page)  # now it offers the way back
    assert html_lang(client.get("/")) == "en"

    switch(client, "zh_CN", "/")

    page = client.get("/")
    assert html_lang(page) == "zh-CN"
    assert 'action="/language/en"' in text_of(page)


def test_the_switch_posts_back_the_current_page_with_its_query(client):
    page = text_of(client.get("/sign-up?role=nonprofit"))

    assert 'name="next" value="/sign-up?role=nonprofit"' in page


def test_the_switch_never_redirects_off_the_site(client):
    assert switch(client, "en", "https://evil.example/").headers["Location"] == "/"
    assert switch(client, "en", "//evil.example/").headers["Location"] == "/"


def test_an_unknown_language_is_not_found_and_changes_nothing(client):
    assert client.post("/language/fr", data={"next": "/"}).status_code == 404
    assert html_lang(client.get("/")) == "zh-CN"


def test_the_switch_only_accepts_posts(client):
    assert client.get("/language/en").status_code == 405


def test_a_signed_in_users_choice_is_saved_and_follows_them_to_new_sessions(app, db, volunteer_user):
    assert volunteer_user.locale == "en"
    laptop = app.test_client()
    sign_in_with_form(laptop, volunteer_user.email)

    switch(laptop, "zh_CN", "/dashboard")

    db.session.refresh(volunteer_user)
    assert volunteer_user.locale == "zh_CN"
    assert html_lang(laptop.get("/dashboard")) == "zh-CN"
    phone = app.test_client()
    sign_in_with_form(phone, volunteer_user.email)
    assert html_lang(phone.get("/dashboard", headers={"Accept-Language": "en"})) == "zh-CN"


def test_the_profile_language_wins_over_what_was_picked_before_signing_in(client, volunteer_user):
    switch(client, "zh_CN", "/")

    sign_in_with_form(client, volunteer_user.email)

    assert html_lang(client.get("/dashboard")) == "en"  # volunteer_user.locale

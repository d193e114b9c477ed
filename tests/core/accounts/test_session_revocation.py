"""Signing out, changing or resetting a password end sessions on the server, not only in the browser."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.core.models import EmailMessage
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import EN, sign_in_with_form

NEW_PASSWORD = "a quiet river at dawn"


def copy_cookies(source, names=("session", "remember_token")):
    """A second browser holding copies of `source`'s cookies, as a thief with them would."""
    thief = source.application.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def api_token_for(client, email, password=DEFAULT_PASSWORD) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", json={"email": email, "password": password}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_session_cookie_copied_before_sign_out_is_refused_afterwards(app, volunteer_user):
    browser = app.test_client()
    sign_in_with_form(browser, volunteer_user.email)
    thief = copy_cookies(browser, names=("session",))
    assert thief.get("/dashboard").status_code == 200

    browser.post("/sign-out")

    assert thief.get("/dashboard").status_code == 302
    assert thief.get("/dashboard").headers["Location"].startswith("/sign-in")


def test_a_remember_cookie_copied_before_sign_out_is_refused_afterwards(app, volunteer_user):
    browser = app.test_client()
    sign_in_with_form(browser, volunteer_user.email, remember="y")
    thief = copy_cookies(browser, names=("remember_token",))
    assert thief.get("/dashboard").status_code == 200  # the remember cookie alone signs in

    browser.post("/sign-out")

    assert copy_cookies(browser).get("/dashboard").status_code == 302
    assert app.test_client().get("/dashboard").status_code == 302
    fresh_thief = app.test_client()
    fresh_thief.set_cookie("remember_token", thief.get_cookie("remember_token").value)
    assert fresh_thief.get("/dashboard").status_code == 302


def test_signing_out_on_one_device_keeps_the_others_signed_in(app, volunteer_user):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_with_form(laptop, volunteer_user.email)
    sign_in_with_form(phone, volunteer_user.email)

    laptop.post("/sign-out")

    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 200


def test_changing_the_password_ends_other_api_tokens_but_keeps_this_session(app, volunteer_user):
    browser = app.test_client()
    sign_in_with_form(browser, volunteer_user.email)
    old_token = api_token_for(app.test_client(), volunteer_user.email)
    assert browser.get("/api/v1/me", headers=old_token).status_code == 200

    browser.post("/account/password", headers=EN, data={
        "current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert browser.get("/dashboard").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=old_token).status_code == 401


def test_a_password_reset_ends_every_session_and_api_token(app, db, volunteer_user):
    browser = app.test_client()
    sign_in_with_form(browser, volunteer_user.email, remember="y")
    thief = copy_cookies(browser)
    old_token = api_token_for(app.test_client(), volunteer_user.email)
    app.test_client().post("/forgot-password", data={"email": volunteer_user.email})
    message = db.session.scalar(sa.select(EmailMessage).where(EmailMessage.kind == "password_reset"))
    link = re.search(r"http://localhost(/reset-password/\S+)", message.body_text).group(1)

    app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert app.test_client().get("/api/v1/me", headers=old_token).status_code == 401
    assert thief.get("/dashboard").status_code == 302
    assert browser.get("/dashboard").status_code == 302
    assert api_token_for(app.test_client(), volunteer_user.email, NEW_PASSWORD)  # the new password works

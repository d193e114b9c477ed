"""Account pages: sign up, sign in and out, sessions, passwords and settings, as a person uses them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent, EmailMessage, User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import EN, sign_in_with_form, text_of

NEW_PASSWORD = "a quiet river at dawn"


def sign_up(client, **fields):
    data = {"role": "volunteer", "name": "Wang Fang", "email": "wang.fang@example.org",
            "password": DEFAULT_PASSWORD, "locale": "en", **fields}
    return client.post("/sign-up", data=data, headers=EN)


def is_checked(page: str, attribute: str) -> bool:
    """Whether the page has a ticked input carrying `attribute` (e.g. 'id="claims"')."""
    return re.search(rf"<input(?=[^>]*\s{re.escape(attribute)})(?=[^>]*\schecked)[^>]*>", page) is not None


def user_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


# Sign up ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["nonprofit", "volunteer"])
def test_people_sign_up_as_nonprofit_staff_or_volunteer_and_land_on_their_dashboard(client, db, role):
    response = sign_up(client, role=role, email=f"{role}@example.org", locale="zh_CN")

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    user = db.session.scalar(sa.select(User).where(User.email == f"{role}@example.org"))
    assert (user.role, user.name, user.locale) == (role, "Wang Fang", "zh_CN")
    assert client.get("/dashboard").status_code == 200


def test_the_sign_up_page_offers_both_roles_and_preselects_the_one_from_the_home_page(client):
    page = text_of(client.get("/sign-up?role=nonprofit", headers=EN))

    assert 'value="volunteer"' in page
    assert is_checked(page, 'value="nonprofit"')
    assert not is_checked(page, 'value="volunteer"')
    assert 'value="coordinator"' not in page


def test_nobody_can_sign_up_as_a_coordinator(client, db):
    response = sign_up(client, role="coordinator")

    assert response.status_code == 422
    assert "Choose nonprofit staff or volunteer engineer." in text_of(response)
    assert user_count(db) == 0


def test_a_taken_email_is_explained_and_what_was_typed_stays(client, db):
    make_user("volunteer", email="wang.fang@example.org")
    db.session.commit()

    response = sign_up(client, name="王芳", email="Wang.Fang@example.org")

    page = text_of(response)
    assert response.status_code == 422
    assert "An account with this e-mail already exists. Sign in, or reset your password." in page
    assert 'value="王芳"' in page
    assert 'value="Wang.Fang@example.org"' in page
    assert DEFAULT_PASSWORD not in page  # passwords are never echoed back
    assert user_count(db) == 1


@pytest.mark.parametrize(("password", "message"), [
    ("short", "Use at least 8 characters."),
    ("password123", "This password is among the most common ones and easy to guess. Choose another."),
])
def test_weak_or_common_passwords_are_refused_with_a_reason(client, db, password, message):
    response = sign_up(client, password=password)

    page = text_of(response)
    assert response.status_code == 422
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_count(db) == 0


def test_missing_fields_are_named_next_to_their_inputs(client, db):
    response = client.post("/sign-up", data={"role": "volunteer"}, headers=EN)

    page = text_of(response)
    assert response.status_code == 422
    assert "Tell us your name." in page
    assert "Enter your e-mail address." in page
    assert 'aria-describedby="name-error"' in page
    assert 'href="#email"' in page  # the summary above the form links to each field to fix
    assert user_count(db) == 0


# Sign in and out -------------------------------------------------------------------------------

def test_signing_in_opens_the_dashboard_and_records_the_sign_in(client, db, volunteer_user):
    response = sign_in_with_form(client, volunteer_user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    db.session.refresh(volunteer_user)
    assert volunteer_user.last_sign_in_at is not None
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor_id == volunteer_user.id)
                             .order_by(AuditEvent.id.desc()).limit(1)) == "user.signed_in"


def test_signing_in_returns_to_the_page_that_asked_for_it(client, volunteer_user):
    asked = client.get("/account")
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith("/sign-in?next=")

    response = sign_in_with_form(client, volunteer_user.email, next="/account")

    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", "evil"])
def test_sign_in_never_redirects_off_the_site(client, volunteer_user, target):
    response = sign_in_with_form(client, volunteer_user.email, next=target)

    assert response.headers["Location"] == "/dashboard"


def test_a_wrong_password_is_refused_with_a_general_message_keeping_the_email(client, volunteer_user):
    response = sign_in_with_form(client, volunteer_user.email, password="not my password")

    page = text_of(response)
    assert response.status_code == 422
    assert "That e-mail and password do not match an account." in page
    assert f'value="{volunteer_user.email}"' in page
    assert client.get("/dashboard").status_code == 302


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    response = sign_in_with_form(client, "nobody@example.org")

    assert response.status_code == 422
    assert "That e-mail and password do not match an account." in text_of(response)


def test_the_eleventh_sign_in_attempt_in_a_minute_gets_the_too_many_attempts_page(client, db, volunteer_user):
    for _attempt in range(10):
        assert sign_in_with_form(client, volunteer_user.email, password="guess").status_code == 422

    response = sign_in_with_form(client, volunteer_user.email, password="guess")

    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    assert int(response.headers["Retry-After"]) > 0
    # The limit is per address and e-mail: someone else signing in from the same network still can.
    other = make_user("nonprofit")
    db.session.commit()
    assert sign_in_with_form(client, other.email).status_code == 302


def test_viewing_the_sign_in_page_is_never_rate_limited(client):
    for _view in range(12):
        assert client.get("/sign-in").status_code == 200


def test_signing_in_starts_a_new_session_without_anything_from_before(client, volunteer_user):
    client.get("/")
    with client.session_transaction() as session:
        session["planted_before_sign_in"] = "attacker-chosen"

    sign_in_with_form(client, volunteer_user.email)

    with client.session_transaction() as session:
        assert "planted_before_sign_in" not in session
        assert session["_user_id"].startswith(f"{volunteer_user.id}:")


def test_keep_me_signed_in_sets_a_remember_cookie(client, volunteer_user):
    response = sign_in_with_form(client, volunteer_user.email, remember="y")

    assert any(cookie.startswith("remember_token=") for cookie in response.headers.getlist("Set-Cookie"))


def test_the_session_cookie_is_http_only_and_same_site_lax(client, volunteer_user):
    response = sign_in_with_form(client, volunteer_user.email)

    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_signing_out_ends_the_session(client, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    response = client.post("/sign-out", headers=EN)

    assert response.status_code == 302
    assert "You are signed out." in text_of(client.get("/", headers=EN))
    assert client.get("/dashboard").status_code == 302


def test_signing_out_needs_a_post(client, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    assert client.get("/sign-out").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_sign_out_everywhere_ends_the_sessions_on_other_devices(app, volunteer_user):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_with_form(laptop, volunteer_user.email)
    sign_in_with_form(phone, volunteer_user.email)

    response = phone.post("/account/sign-out-everywhere", headers=EN)

    assert response.headers["Location"] == "/sign-in"
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 302
    assert sign_in_with_form(laptop, volunteer_user.email).status_code == 302  # signing in again works


def test_a_copied_session_cookie_stops_working_after_sign_out_everywhere(app, volunteer_user):
    original = app.test_client()
    sign_in_with_form(original, volunteer_user.email)
    stolen = app.test_client()
    stolen.set_cookie("session", original.get_cookie("session").value)
    assert stolen.get("/dashboard").status_code == 200

    original.post("/account/sign-out-everywhere")

    assert stolen.get("/dashboard").status_code == 302


# Passwords -------------------------------------------------------------------------------------

def change_password(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", headers=EN, data={
        "current_password": current, "new_password": new, "confirm": confirm or new})


def test_changing_the_password_keeps_this_device_and_signs_out_the_others(app, db, volunteer_user):
    this_device, other_device = app.test_client(), app.test_client()
    sign_in_with_form(this_device, volunteer_user.email)
    sign_in_with_form(other_device, volunteer_user.email)

    response = change_password(this_device)

    assert response.headers["Location"] == "/account"
    assert this_device.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302
    fresh = app.test_client()
    assert sign_in_with_form(fresh, volunteer_user.email).status_code == 422
    assert sign_in_with_form(fresh, volunteer_user.email, password=NEW_PASSWORD).status_code == 302


def test_changing_the_password_needs_the_current_one(client, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    response = change_password(client, current="not it")

    assert response.status_code == 422
    assert "That is not your current password." in text_of(response)
    assert client.get("/dashboard").status_code == 200


def test_the_new_password_must_be_typed_twice_the_same(client, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    response = change_password(client, confirm="something else entirely")

    assert response.status_code == 422
    assert "The two passwords are not the same." in text_of(response)


def ask_for_reset(client, email):
    return client.post("/forgot-password", data={"email": email}, headers=EN)


def reset_link(db, email) -> str:
    message = db.session.scalar(sa.select(EmailMessage).where(EmailMessage.to_address == email))
    assert message is not None, "no reset e-mail was written"
    return re.search(r"http://localhost(/reset-password/\S+)", message.body_text).group(1)


def test_forgot_password_sends_a_reset_email_with_a_link(client, db, volunteer_user):
    response = ask_for_reset(client, volunteer_user.email)

    assert response.headers["Location"] == "/sign-in"
    assert "If an account exists for" in text_of(client.get("/sign-in", headers=EN))
    message = db.session.scalar(sa.select(EmailMessage))
    assert (message.to_address, message.kind) == (volunteer_user.email, "password_reset")
    assert message.subject == "Reset your Codebridge password"
    assert "/reset-password/" in message.body_text
    assert "/reset-password/" in message.body_html


def test_forgot_password_answers_the_same_for_unknown_addresses_and_sends_nothing(client, db):
    response = ask_for_reset(client, "nobody@example.org")

    assert response.headers["Location"] == "/sign-in"
    assert "If an account exists for nobody@example.org" in text_of(client.get("/sign-in", headers=EN))
    assert db.session.scalar(sa.select(sa.func.count(EmailMessage.id))) == 0


def test_reset_requests_are_rate_limited(client, app, volunteer_user):
    allowed = int(app.config["PASSWORD_RESET_RATE_LIMIT"].split()[0])
    for _request in range(allowed):
        assert ask_for_reset(client, volunteer_user.email).status_code == 302

    assert ask_for_reset(client, volunteer_user.email).status_code == 429


def test_a_reset_link_sets_a_new_password_once(app, client, db, volunteer_user):
    other_device = app.test_client()
    sign_in_with_form(other_device, volunteer_user.email)
    ask_for_reset(client, volunteer_user.email)
    link = reset_link(db, volunteer_user.email)
    assert client.get(link).status_code == 200

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=EN)

    assert response.headers["Location"] == "/sign-in"
    assert other_device.get("/dashboard").status_code == 302  # every session ended
    new_device = app.test_client()
    assert sign_in_with_form(new_device, volunteer_user.email, password=NEW_PASSWORD).status_code == 302
    used = client.get(link, headers=EN)
    assert used.status_code == 410
    assert "This link no longer works" in text_of(used)
    again = client.post(link, data={"password": "another good password", "confirm": "another good password"})
    assert again.status_code == 410


def test_an_expired_reset_link_is_refused(client, db, volunteer_user, monkeypatch, app):
    ask_for_reset(client, volunteer_user.email)
    link = reset_link(db, volunteer_user.email)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=EN)

    assert response.status_code == 410
    assert "Ask for a new link" in text_of(response)
    assert sign_in_with_form(client, volunteer_user.email).status_code == 302  # old password still works


def test_a_tampered_reset_link_is_refused(client):
    assert client.get("/reset-password/not-a-real-token").status_code == 410


def test_a_reset_link_still_checks_the_new_password(client, db, volunteer_user):
    ask_for_reset(client, volunteer_user.email)
    link = reset_link(db, volunteer_user.email)

    response = client.post(link, data={"password": "password1", "confirm": "password1"}, headers=EN)

    assert response.status_code == 422
    assert "among the most common ones" in text_of(response)
    assert client.get(link).status_code == 200  # not used up by the refused attempt


# Settings --------------------------------------------------------------------------------------

def test_settings_save_name_language_and_email_choices(client, db, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    response = client.post("/account", headers=EN, data={
        "name": "  Li Lei  ", "locale": "zh_CN", "claims": "y", "messages": "y"})

    assert response.headers["Location"] == "/account"
    db.session.refresh(volunteer_user)
    assert volunteer_user.name == "Li Lei"
    assert volunteer_user.locale == "zh_CN"
    assert volunteer_user.email_preferences == {"claims": True, "checkins": False, "delivery": False,
                                                "digests": False, "messages": True, "events": False}
    page = text_of(client.get("/account"))
    assert 'lang="zh-CN"' in page
    assert is_checked(page, 'id="claims"')
    assert not is_checked(page, 'id="digests"')


def test_settings_refuse_an_empty_name_and_keep_the_rest(client, db, volunteer_user):
    sign_in_with_form(client, volunteer_user.email)

    response = client.post("/account", headers=EN, data={"name": "", "locale": "en", "claims": "y"})

    assert response.status_code == 422
    assert "Tell us your name." in text_of(response)
    db.session.refresh(volunteer_user)
    assert volunteer_user.name != ""


def test_turned_off_emails_are_not_sent(db, volunteer_user):
    from app.core.mail import send_email

    volunteer_user.email_preferences = {"digests": False}
    db.session.commit()

    assert send_email(volunteer_user, "digests", "Digest", "accounts/password_reset", token="x") is None


def test_signed_in_people_skip_the_sign_in_and_sign_up_pages(volunteer_client):
    assert volunteer_client.get("/sign-in").headers["Location"] == "/dashboard"
    assert volunteer_client.get("/sign-up").headers["Location"] == "/dashboard"


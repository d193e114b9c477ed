"""Signing up, getting and revoking tokens, and reading or editing your own account through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import ApiToken, AuditEvent, User
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_VOLUNTEER = {"email": "lin@example.org", "password": "a long enough secret", "name": "Lin",
                 "role": "volunteer"}


def test_volunteer_signs_up_and_gets_their_account_back(client, db):
    response = client.post("/api/v1/users", json={**NEW_VOLUNTEER, "locale": "en"})

    assert response.status_code == 201
    user = response.get_json()
    assert {k: user[k] for k in ("email", "name", "role", "locale")} == {
        "email": "lin@example.org", "name": "Lin", "role": "volunteer", "locale": "en"}
    assert isinstance(user["id"], int)
    assert user["created_at"].endswith("+00:00")
    assert db.session.get(User, user["id"]).email == "lin@example.org"


def test_user_json_never_carries_the_password_hash_or_session_version(client):
    body = client.post("/api/v1/users", json=NEW_VOLUNTEER).get_data(as_text=True)

    assert "password" not in body
    assert "argon2" not in body
    assert "session" not in body


def test_sign_up_without_locale_takes_the_language_of_the_request(client):
    response = client.post("/api/v1/users", json=NEW_VOLUNTEER, headers={"Accept-Language": "en"})

    assert response.get_json()["locale"] == "en"


@pytest.mark.parametrize(("change", "field"), [
    ({"email": None}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"password": "short"}, "password"),
    ({"password": "iloveyou"}, "password"),
    ({"role": "coordinator"}, "role"),
    ({"role": None}, "role"),
    ({"name": "名" * 121}, "name"),
    ({"name": "   "}, "name"),
    ({"locale": "fr"}, "locale"),
    ({"name": 42}, "name"),
])
def test_sign_up_with_a_bad_field_is_refused_naming_that_field(client, db, change, field):
    body = {k: v for k, v in {**NEW_VOLUNTEER, **change}.items() if v is not None}

    response = client.post("/api/v1/users", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field]
    assert error["fields"][field]  # a sentence saying what to fix
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_every_bad_field_is_named_in_one_answer(client):
    response = client.post("/api/v1/users", json={"email": "nope", "password": "short",
                                                  "role": "coordinator", "name": "x" * 500})

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"email", "password", "role", "name"}


def test_an_empty_body_names_every_required_field(client):
    response = client.post("/api/v1/users")

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"email", "password", "name", "role"}


def test_signing_up_twice_with_one_address_is_a_conflict(client):
    assert client.post("/api/v1/users", json=NEW_VOLUNTEER).status_code == 201

    response = client.post("/api/v1/users", json={**NEW_VOLUNTEER, "email": "LIN@example.org",
                                                   "role": "nonprofit"})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "email_taken"


def test_chinese_text_comes_back_exactly_as_sent(client):
    response = client.post("/api/v1/users", json={**NEW_VOLUNTEER, "name": "王小明"})

    assert response.status_code == 201
    assert "王小明" in response.get_data(as_text=True)  # raw UTF-8, no \u738b escapes
    assert "\\u" not in response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_token_for_good_credentials_opens_the_api(client, db):
    user = make_user("nonprofit", email="ngo@example.org")
    db.session.commit()

    response = client.post("/api/v1/auth/token", json={"email": "ngo@example.org",
                                                       "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = response.get_json()["token"]
    assert response.get_json()["user"]["id"] == user.id
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == "ngo@example.org"


@pytest.mark.parametrize("credentials", [
    {"email": "ngo@example.org", "password": "not the password"},
    {"email": "nobody@example.org", "password": DEFAULT_PASSWORD},
])
def test_wrong_credentials_get_no_token(client, db, credentials):
    make_user("nonprofit", email="ngo@example.org")
    db.session.commit()

    response = client.post("/api/v1/auth/token", json=credentials)

    assert response.status_code == 401
    assert "token" not in response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_blocked_account_gets_no_token(client, db):
    make_user("volunteer", email="spam@example.org", is_blocked=True)
    db.session.commit()

    response = client.post("/api/v1/auth/token", json={"email": "spam@example.org",
                                                       "password": DEFAULT_PASSWORD})

    assert response.status_code == 401


def test_token_requests_are_limited_to_ten_a_minute_per_address(client, db):
    make_user("volunteer", email="v@example.org")
    db.session.commit()
    wrong = {"email": "v@example.org", "password": "guess guess guess"}

    statuses = [client.post("/api/v1/auth/token", json=wrong).status_code for _ in range(10)]
    blocked = client.post("/api/v1/auth/token", json={**wrong, "password": DEFAULT_PASSWORD})

    assert statuses == [401] * 10
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    other_address = client.post("/api/v1/auth/token", json={**wrong, "password": DEFAULT_PASSWORD},
                                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other_address.status_code == 200


def test_revoking_a_token_ends_it_but_not_the_others(client, volunteer_user, api_token, db):
    used, other = api_token(volunteer_user), api_token(volunteer_user)

    response = client.delete("/api/v1/auth/token", headers=used)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get("/api/v1/me", headers=used).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "api_token.revoked")) == 1


def test_revoking_needs_a_token(client):
    assert client.delete("/api/v1/auth/token").status_code == 401


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer cb_this-token-was-never-issued",
    "Bearer ",
    "Basic dm9sdW50ZWVyOnNlY3JldA==",
    "Bearer " + "x" * 500,
])
def test_me_without_a_valid_token_is_unauthorized(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_unauthorized(client, volunteer_user, api_token, db):
    headers = api_token(volunteer_user)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_session_cookie_does_not_open_the_api(volunteer_client):
    # the API never trusts cookies, so it needs no CSRF protection
    assert volunteer_client.get("/api/v1/me").status_code == 401


def test_me_shows_the_caller(client, coordinator_user, api_token):
    response = client.get("/api/v1/me", headers=api_token(coordinator_user))

    assert response.status_code == 200
    me = response.get_json()
    assert set(me) >= {"id", "email", "name", "role", "locale"}
    assert (me["id"], me["role"]) == (coordinator_user.id, "coordinator")
    assert not {"password_hash", "session_version"} & set(me)


def test_me_can_change_name_and_language(client, volunteer_user, api_token, db):
    headers = api_token(volunteer_user)

    response = client.patch("/api/v1/me", json={"name": "王小明", "locale": "zh_CN"}, headers=headers)

    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["locale"]) == ("王小明", "zh_CN")
    db.session.expire_all()
    assert db.session.get(User, volunteer_user.id).name == "王小明"
    assert client.get("/api/v1/me", headers=headers).get_json()["name"] == "王小明"


def test_me_patch_changes_only_what_was_sent(client, volunteer_user, api_token):
    response = client.patch("/api/v1/me", json={"locale": "zh_CN"}, headers=api_token(volunteer_user))

    assert response.status_code == 200
    assert response.get_json()["name"] == volunteer_user.name
    assert response.get_json()["locale"] == "zh_CN"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"locale": "de"}, "locale"),
])
def test_me_patch_refuses_bad_values(client, volunteer_user, api_token, body, field):
    response = client.patch("/api/v1/me", json=body, headers=api_token(volunteer_user))

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_role_cannot_be_changed_through_me(client, volunteer_user, api_token):
    response = client.patch("/api/v1/me", json={"role": "coordinator"},
                            headers=api_token(volunteer_user))

    assert response.status_code == 200
    assert response.get_json()["role"] == "volunteer"

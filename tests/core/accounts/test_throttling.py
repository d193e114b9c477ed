"""Rate limits on accounts: guessing, spraying, token hunting, sign-up farming and a Redis outage."""

from __future__ import annotations

from app.core.accounts import throttle
from app.extensions import limiter
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import EN, sign_in_with_form

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
COLLEAGUE = {"REMOTE_ADDR": "203.0.113.8"}


WRONG_PASSWORD = "not the password"


def token_attempt(client, email, password=WRONG_PASSWORD, environ=ATTACKER):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base=environ)


def test_one_guess_at_each_of_many_accounts_is_stopped_after_the_failure_budget(client, db, app, monkeypatch):
    assert app.config["SIGN_IN_FAILURE_LIMIT"] == "50 per 10 minutes"
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURE_LIMIT", "6 per 10 minutes")  # fewer slow hashes
    statuses = [client.post("/sign-in", data={"email": f"person{n}@example.org", "password": "123456"},
                            headers=EN, environ_base=ATTACKER).status_code for n in range(7)]

    assert statuses[:6] == [422] * 6
    assert statuses[6] == 429
    # The API's token endpoint shares the budget: spraying can't move over there.
    assert token_attempt(client, "person99@example.org").status_code == 429


def test_the_token_endpoint_locks_out_only_the_guessed_account_from_that_address(client, db, volunteer_user):
    bystander = make_user("volunteer")
    db.session.commit()
    for _ in range(10):
        assert token_attempt(client, volunteer_user.email).status_code == 401

    assert token_attempt(client, volunteer_user.email).status_code == 429
    assert token_attempt(client, bystander.email, DEFAULT_PASSWORD).status_code == 200
    assert token_attempt(client, volunteer_user.email, DEFAULT_PASSWORD,
                         environ=COLLEAGUE).status_code == 200


def test_successful_sign_ins_do_not_count_as_failures(client, db, volunteer_user):
    for _ in range(9):
        assert sign_in_with_form(client, volunteer_user.email, environ_base=ATTACKER).status_code == 302
        client.post("/sign-out", environ_base=ATTACKER)


def test_sign_ups_from_one_address_are_limited(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_RATE_LIMIT", "3 per hour")
    for n in range(2):
        response = client.post("/api/v1/users", environ_base=ATTACKER, json={
            "email": f"farm{n}@example.org", "password": "correct horse battery staple", "name": "Bot",
            "role": "volunteer"})
        assert response.status_code == 201
    page = client.post("/sign-up", headers=EN, environ_base=ATTACKER, data={
        "role": "volunteer", "name": "Bot", "email": "farm2@example.org",
        "password": "correct horse battery staple", "locale": "en"})
    assert page.status_code == 302

    refused = client.post("/api/v1/users", environ_base=ATTACKER, json={
        "email": "farm3@example.org", "password": "correct horse battery staple", "name": "Bot",
        "role": "volunteer"})

    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert client.post("/api/v1/users", environ_base=COLLEAGUE, json={
        "email": "real.person@example.org", "password": "correct horse battery staple", "name": "Real",
        "role": "volunteer"}).status_code == 201


def test_the_default_sign_up_limit_lets_sixty_an_hour_through(app) -> None:
    assert app.config["SIGN_UP_RATE_LIMIT"] == "60 per hour"


def test_while_redis_is_down_each_web_process_enforces_its_share(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEB_CONCURRENCY", 4)
    provide = throttle.configured("SIGN_IN_RATE_LIMIT")
    with app.test_request_context():
        assert provide() == "10 per minute"
        monkeypatch.setattr(limiter, "_storage_dead", True, raising=False)
        assert provide() == "3 per 1 minute"  # 4 processes × 3 ≈ the 10 a minute of one shared store
        monkeypatch.setitem(app.config, "WEB_CONCURRENCY", 1)
        assert provide() == "10 per minute"

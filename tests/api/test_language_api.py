"""API answers are written in the caller's language, and say so to caches with Vary: Accept-Language."""

from __future__ import annotations

import pytest

from tests.helpers import EN, ZH


def varies_by(response) -> set[str]:
    return {value.lower() for value in response.vary}


def test_a_chinese_caller_gets_chinese_messages_and_the_answer_varies_by_language(client):
    response = client.post("/api/v1/users", json={"email": "a@example.org"}, headers=ZH)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "有些内容需要修改。"
    assert error["fields"]["password"] == "此项为必填项。"
    assert "accept-language" in varies_by(response)


def test_the_same_call_in_english_answers_in_english(client):
    response = client.post("/api/v1/users", json={"email": "a@example.org"}, headers=EN)

    assert response.get_json()["error"]["fields"]["password"] == "This field is required."
    assert "accept-language" in varies_by(response)


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/openapi.json"),  # a documented endpoint
    ("get", "/api/v1/no-such-thing"),  # the app's own 404, outside any API view
    ("put", "/api/v1/me"),  # the app's own 405
])
def test_every_api_answer_varies_by_language(client, method, path):
    response = getattr(client, method)(path)

    assert "accept-language" in varies_by(response)


def test_a_token_callers_answer_still_varies_by_language(client, volunteer_user, api_token):
    response = client.get("/api/v1/me", headers=api_token(volunteer_user))

    assert response.status_code == 200
    assert "accept-language" in varies_by(response)


def test_vary_values_set_before_are_kept(app):
    with app.test_request_context("/api/v1/openapi.json"):
        response = app.process_response(app.make_response(("{}", 200, {"Vary": "Origin"})))

    assert {"origin", "accept-language"} <= varies_by(response)

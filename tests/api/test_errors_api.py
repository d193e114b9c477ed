"""Every failure under /api/ answers in the contract's JSON error format with the right status."""

from __future__ import annotations

import pytest

MIB = 1024 * 1024
SIGN_UP = {"email": "a@example.org", "password": "a long enough secret", "name": "A", "role": "volunteer"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize("raw", [
    b'{"email": "a@example.org",',  # cut short
    b"{'email': 'a@example.org'}",  # Python, not JSON
    b"\xff\xfe\x00garbage",  # not even text
    b"[" * 100_000,  # nested deeper than any parser should follow
])
def test_malformed_json_is_a_bad_request(client, raw):
    response = client.post("/api/v1/users", data=raw, content_type="application/json")

    error = assert_error(response, 400, "bad_request")
    assert "fields" not in error


@pytest.mark.parametrize("raw", [b"[1, 2, 3]", b'"just a string"', b"42", b"null"])
def test_a_body_that_is_not_an_object_is_a_bad_request(client, raw):
    response = client.post("/api/v1/users", data=raw, content_type="application/json")

    assert_error(response, 400, "bad_request")


def test_a_form_post_instead_of_json_is_a_bad_request(client):
    response = client.post("/api/v1/users", data=SIGN_UP)  # application/x-www-form-urlencoded

    assert_error(response, 400, "bad_request")


def test_a_body_over_one_mebibyte_is_too_large(client):
    body = b'{"name": "' + b"x" * MIB + b'"}'

    response = client.post("/api/v1/users", data=body, content_type="application/json")

    assert_error(response, 413, "too_large")


def test_a_body_just_under_the_limit_is_read(client):
    body = b'{"name": "' + b"x" * (MIB - 100) + b'"}'

    response = client.post("/api/v1/users", data=body, content_type="application/json",
                           headers={"Accept-Language": "en"})

    error = assert_error(response, 422, "validation_failed")
    assert error["fields"]["name"] == "Use at most 120 characters."


def test_unknown_path_is_not_found(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_not_allowed_and_says_which_are(client):
    response = client.put("/api/v1/me", json={})

    assert_error(response, 405, "method_not_allowed")
    assert {"GET", "PATCH"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_nul_characters_are_refused_not_crashing_the_database(client):
    response = client.post("/api/v1/users", json={**SIGN_UP, "name": "A\x00B"})

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["name"]


@pytest.mark.parametrize("escaped", ["\\ud800", "x\\udfffy", "\\udc00\\ud83d"])
def test_a_lone_surrogate_escape_is_a_bad_request_not_crashing_the_database(client, escaped):
    body = '{"email": "a@example.org", "password": "a long enough secret", "role": "volunteer", ' \
           f'"name": "{escaped}"}}'

    response = client.post("/api/v1/users", data=body.encode(), content_type="application/json")

    assert_error(response, 400, "bad_request")


def test_escaped_characters_that_pair_up_are_text(client):
    body = (b'{"email": "a@example.org", "password": "a long enough secret", "role": "volunteer", '
            b'"name": "\\ud83d\\ude00 \\\\ud800"}')  # an emoji, then a backslash before "ud800"

    response = client.post("/api/v1/users", data=body, content_type="application/json")

    assert response.status_code == 201
    assert response.get_json()["name"] == "\U0001f600 \\ud800"


def test_an_id_too_big_for_the_database_in_a_body_is_a_validation_error(client, nonprofit_user, api_token):
    response = client.post("/api/v1/requests", headers=api_token(nonprofit_user),
                           json={"organization_id": 32589158477190044729, "title": "A map"})

    error = assert_error(response, 422, "validation_failed")
    assert "organization_id" in error["fields"]


def test_a_volunteer_calling_a_coordinator_endpoint_is_forbidden(client, volunteer_user, api_token):
    response = client.get("/api/v1/audit-events", headers=api_token(volunteer_user))

    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/audit-events"])
def test_no_token_is_unauthorized(client, path):
    assert_error(client.get(path), 401, "unauthorized")


def test_errors_are_in_english_for_an_english_caller(client, volunteer_user, api_token):
    response = client.patch("/api/v1/me", json={"name": ""}, headers=api_token(volunteer_user))

    assert response.get_json()["error"]["fields"] == {"name": "This field is required."}

"""Web addresses people type: one rule, and a clear 422 (never a 500) for anything that is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.web_addresses import web_address
from tests.helpers import EN

NOT_ADDRESSES = ["[]", "http://[x]/", "https://[::1", "http://[", "javascript:alert(1)", "data:text/html,hi",
                 "https://example.org:99999/", "https://user:pw@example.org/", "https://localhost/",
                 "https://exa mple.org", "ftp://example.org", "https://example.org/\x00"]


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_what_is_not_a_web_address_is_refused(text) -> None:
    assert web_address(text) is None


@pytest.mark.parametrize(("typed", "kept"), [
    ("example.org", "https://example.org"),
    ("https://github.com/li-na", "https://github.com/li-na"),
    ("http://食物银行.中国/关于", "http://食物银行.中国/关于"),
])
def test_real_addresses_are_kept_with_a_scheme(typed, kept) -> None:
    assert web_address(typed) == kept


def test_without_assume_https_the_scheme_is_required() -> None:
    assert web_address("example.org/repo", assume_https=False) is None
    assert web_address("https://example.org/repo", assume_https=False) == "https://example.org/repo"


@given(st.text(max_size=80))
def test_any_text_gives_an_address_or_none_and_never_raises(text) -> None:
    result = web_address(text)
    assert result is None or result.startswith(("http://", "https://"))


@pytest.mark.parametrize("website", ["[]", "http://[x]/"])
def test_an_organisation_website_with_brackets_is_a_422_naming_the_field(
        client, nonprofit_user, api_token, website) -> None:
    response = client.post("/api/v1/organizations", headers=api_token(nonprofit_user), json={
        "name": "食物银行", "description": "Surplus food to people in need.", "cause_areas": ["poverty"],
        "region": "Shanghai", "website": website})

    assert response.status_code == 422
    assert "website" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("github_url", ["http://[x]/", "[]"])
def test_a_profile_link_with_brackets_is_a_422_naming_the_field(
        client, volunteer_user, api_token, github_url) -> None:
    response = client.put("/api/v1/volunteers/me", headers=api_token(volunteer_user),
                          json={"github_url": github_url, "hours_per_week": 5})

    assert response.status_code == 422
    assert "github_url" in response.get_json()["error"]["fields"]


def test_the_organisation_form_explains_a_bracketed_website_and_keeps_it(nonprofit_client) -> None:
    response = nonprofit_client.post("/organizations/new", headers=EN, data={
        "name": "Food Bank", "description": "Surplus food to people in need.", "cause_areas": "poverty",
        "region": "Shanghai", "website": "http://[x]/"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a web address like https://example.org." in page
    assert 'value="http://[x]/"' in page


def test_the_profile_form_explains_a_bracketed_link(volunteer_client) -> None:
    response = volunteer_client.post("/volunteers/me/edit", headers=EN, data={
        "hours_per_week": "5", "github_url": "http://[x]/"})

    assert response.status_code == 422
    assert "Enter a web address starting with http:// or https://" in response.get_data(as_text=True)

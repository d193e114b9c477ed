"""An id in a URL larger than any database id is a plain 404 on every route, never a 500."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import create_app
from app.config import TestConfig
from app.core.urls import MAX_DATABASE_ID, digits_at_most

HUGE_IDS = ("2147483648", "9223372036854775808", "99999999999999999999999")


def int_routes() -> list[tuple[str, str]]:
    """(method, rule) for every rule with an <int:...> part, from the app's own URL map."""
    application = create_app(TestConfig)
    routes = []
    for rule in application.url_map.iter_rules():
        if any(type(converter).__name__ == "DatabaseIdConverter" for converter in rule._converters.values()):
            routes += [(method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


INT_ROUTES = int_routes()


def test_the_app_has_routes_with_ids_to_check() -> None:
    assert len(INT_ROUTES) > 50


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_huge_ids_are_not_found_on_every_route(coordinator_client, coordinator_user, api_token, huge) -> None:
    headers = api_token(coordinator_user)
    failures = []
    for method, rule in INT_ROUTES:
        path = re.sub(r"<int:\w+>", huge, rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        response = coordinator_client.open(path, method=method, headers=headers, json={})
        if response.status_code != 404:
            failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, failures


def test_the_largest_real_id_still_reaches_the_view(coordinator_client) -> None:
    assert coordinator_client.get("/api/v1/requests/2147483647").status_code == 404
    assert coordinator_client.get("/requests/2147483647").status_code == 404


@given(st.integers(min_value=0, max_value=10**12))
def test_the_id_pattern_matches_exactly_the_numbers_an_id_can_be(number: int) -> None:
    pattern = re.compile(digits_at_most(MAX_DATABASE_ID) + r"\Z")
    assert bool(pattern.match(str(number))) == (number <= MAX_DATABASE_ID)
    assert not pattern.match("0" + str(number))  # no leading zeros: one URL per id

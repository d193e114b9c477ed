"""What every request gets from the app's own hooks: an id echoed back, and a language parsed once per app."""

from __future__ import annotations

import re

from app.core.i18n import select_locale


def test_a_request_id_sent_by_the_caller_is_echoed_back(client):
    response = client.get("/api/v1/nothing-here", headers={"X-Request-Id": "edge-7f3a"})

    assert response.headers["X-Request-Id"] == "edge-7f3a"


def test_a_request_without_an_id_is_given_a_new_one_of_twelve_hex_digits(client):
    ids = [client.get("/api/v1/nothing-here").headers["X-Request-Id"] for _ in range(3)]

    assert all(re.fullmatch(r"[0-9a-f]{12}", request_id) for request_id in ids)
    assert len(set(ids)) == 3


def test_each_language_is_parsed_once_and_the_same_locale_serves_every_request(app):
    # flask_babel parses a language code on every request (it lists Babel's locale data each time);
    # a Locale it is handed is used as it is.
    chosen = []
    for accept_language in ("en", "zh-CN,zh;q=0.9", "en-GB,en;q=0.8"):
        with app.test_request_context(headers={"Accept-Language": accept_language}):
            chosen.append(select_locale())

    assert [str(locale) for locale in chosen] == ["en", "zh_Hans_CN", "en"]
    assert chosen[0] is chosen[2]

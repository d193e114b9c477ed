"""Links in e-mails written outside a request point at the configured public address."""

from __future__ import annotations

from flask import url_for

from app.core.urls import public_url_context


def test_external_links_outside_a_request_use_public_url(app) -> None:
    with public_url_context():
        link = url_for("core.home", _external=True)
    assert link == app.config["PUBLIC_URL"].rstrip("/") + "/"


def test_inside_a_request_the_real_host_is_kept(app) -> None:
    with app.test_request_context("/", base_url="https://codebridge.example"), public_url_context():
        assert url_for("core.home", _external=True) == "https://codebridge.example/"

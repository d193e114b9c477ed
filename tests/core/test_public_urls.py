"""Absolute links, in e-mails above all, come from PUBLIC_URL and never from the request's Host."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import url_for

from app import create_app
from app.core.models import EmailMessage
from app.core.urls import public_url_context
from tests.core.test_config import make_config

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def test_external_links_outside_a_request_use_public_url(app) -> None:
    with public_url_context():
        link = url_for("core.home", _external=True)
    assert link == app.config["PUBLIC_URL"].rstrip("/") + "/"


def test_inside_a_request_for_another_host_links_still_use_public_url(app) -> None:
    with app.test_request_context("/", base_url="https://evil.example"):
        assert url_for("core.home", _external=True) == "http://localhost/"
        assert url_for("core.home") == "/"  # relative links are untouched


def test_public_url_with_a_path_prefix_keeps_it(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://codebridge.example/site")
    with app.test_request_context("/", base_url="http://evil.example"):
        link = url_for("core.reset_password", token="abc", _anchor="top", _external=True)
    assert link == "https://codebridge.example/site/reset-password/abc#top"


def test_a_forged_host_on_forgot_password_cannot_capture_the_reset_link(client, db, volunteer_user) -> None:
    client.post("/forgot-password", data={"email": volunteer_user.email}, headers=FORGED,
                base_url="http://evil.example")

    message = db.session.scalar(sa.select(EmailMessage))
    assert message is not None
    for body in (message.body_text, message.body_html):
        assert "evil.example" not in body
        assert re.search(r"http://localhost/reset-password/[\w.-]+", body)


def test_every_link_in_every_mail_written_during_a_request_starts_with_public_url(
        client, db, volunteer_user, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://codebridge.example")
    client.post("/forgot-password", data={"email": volunteer_user.email}, headers=FORGED,
                base_url="http://evil.example")

    message = db.session.scalar(sa.select(EmailMessage))
    links = re.findall(r"https?://[^\s\"'<]+", message.body_text + message.body_html)
    assert links and all(link.startswith("https://codebridge.example/") for link in links)


def production_app(tmp_path, **overrides):
    return create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY="x" * 40,
                                  PUBLIC_URL="https://codebridge.example", **overrides))


def test_production_refuses_to_start_without_a_public_url(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY="x" * 40, PUBLIC_URL=None))


def test_production_answers_only_its_own_host(tmp_path) -> None:
    app = production_app(tmp_path)
    client = app.test_client()

    assert app.config["TRUSTED_HOSTS"] == ["codebridge.example"]
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
    assert client.get("/healthz", base_url="https://codebridge.example").status_code == 200


def test_production_trusts_the_hosts_it_is_told_to(tmp_path) -> None:
    app = production_app(tmp_path, TRUSTED_HOSTS=["codebridge.example", "www.codebridge.example"])

    response = app.test_client().get("/healthz", base_url="https://www.codebridge.example")

    assert response.status_code == 200

"""Page-test helpers: a fresh rate-limit budget, sign-in by form, apps with other settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import DEFAULT_PASSWORD

EN = {"Accept-Language": "en"}


@pytest.fixture
def build_app(test_config) -> Iterator[Callable[..., Flask]]:
    """Build another app on the test database with some settings changed: `build_app(KEY=value)`.

    For what the shared session app can't do: other settings, or routes added before its first
    request. Its database engine is disposed afterwards.
    """
    from app import create_app

    built: list[Flask] = []

    def build(**settings) -> Flask:
        config = type("AdjustedTestConfig", (test_config,), settings)
        application = create_app(config)
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            from app.extensions import db

            db.engine.dispose()


def sign_in_with_form(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    """Post the sign-in form as a person would; returns the response (302 on success)."""
    return client.post("/sign-in", data={"email": email, "password": password, **extra}, headers=EN)


def page_text(response) -> str:
    return response.get_data(as_text=True)

"""The rq job dashboard exists only with Redis, and only coordinators may open it."""

from __future__ import annotations

import pytest

from app import create_app
from tests.factories import make_user
from tests.helpers import sign_in


@pytest.fixture
def redis_app(test_config, redis_url):
    from app.extensions import db

    config = type("RedisConfig", (test_config,), {"REDIS_URL": redis_url})
    application = create_app(config)
    yield application
    with application.app_context():
        db.engine.dispose()  # its pooled connections must not be left to the garbage collector


def test_without_redis_there_is_no_job_dashboard(client) -> None:
    assert client.get("/admin/jobs/").status_code == 404


@pytest.mark.parametrize("role, status", [("volunteer", 403), ("nonprofit", 403), ("coordinator", 200)])
def test_only_coordinators_open_the_job_dashboard(redis_app, db, role, status) -> None:
    user = make_user(role)
    db.session.commit()
    client = sign_in(redis_app.test_client(), user)
    response = client.get("/admin/jobs/")
    assert response.status_code == status
    if status == 200:
        assert "unsafe-inline" in response.headers["Content-Security-Policy"]


def test_anonymous_visitors_cannot_open_the_job_dashboard(redis_app) -> None:
    assert redis_app.test_client().get("/admin/jobs/").status_code == 403

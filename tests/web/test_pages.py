"""The layout, home page, dashboards, audit trail and error pages, as visitors of each role see them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template

from app.core import stats
from app.core.dashboard import panels as dashboard_panels
from app.core.db import utcnow
from app.core.models import AuditEvent, Notification
from tests.factories import make_user
from tests.helpers import EN, count_statements, text_of

ANONYMOUS_PAGES = ["/", "/sign-in", "/sign-up", "/forgot-password", "/reset-password/expired", "/nowhere"]
SIGNED_IN_PAGES = ["/dashboard", "/account", "/account/password"]


def test_home_page_says_what_codebridge_is_for_each_audience(client):
    page = text_of(client.get("/", headers=EN))

    assert "Software for nonprofits, built by volunteer engineers" in page
    for audience in ("Nonprofits", "Volunteer engineers", "Coordinators"):
        assert f"<h3>{audience}</h3>" in page
    assert 'href="/sign-up?role=nonprofit"' in page
    assert 'href="/sign-up?role=volunteer"' in page


def test_home_page_counts_volunteers_and_nonprofit_staff_live(client, db):
    for _ in range(3):
        make_user("volunteer")
    make_user("nonprofit")
    make_user("volunteer", is_blocked=True)  # blocked accounts are not counted
    db.session.commit()

    page = text_of(client.get("/", headers=EN))

    assert re.search(r'data-stat="volunteers">\s*<dt>Volunteer engineers</dt>\s*<dd>3</dd>', page)
    assert re.search(r'data-stat="organizations_staff">\s*<dt>Nonprofit staff</dt>\s*<dd>1</dd>', page)


def test_home_page_shows_every_known_number_formatted_and_ignores_unknown_ones(client, monkeypatch):
    monkeypatch.setitem(stats._CONTRIBUTORS, "tests.hours",
                        lambda: {"hours_given": 12345, "mystery_number": 7})

    page = text_of(client.get("/", headers=EN))

    assert re.search(r"<dt>Volunteer hours given</dt>\s*<dd>12,345</dd>", page)
    assert "mystery_number" not in page
    assert ">7<" not in page


def test_home_page_numbers_take_the_same_queries_however_many_users_there_are(app, client, db):
    def statements_for_home_page() -> int:
        with count_statements() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    make_user("volunteer")
    db.session.commit()
    few = statements_for_home_page()
    for _ in range(20):
        make_user("volunteer")
        make_user("nonprofit")
    db.session.commit()

    assert statements_for_home_page() == few


def test_a_contributor_registered_twice_is_counted_once(monkeypatch):
    monkeypatch.setattr(stats, "_CONTRIBUTORS", {})

    def numbers() -> dict[str, int]:
        return {"open_requests": 2}

    stats.stat_contributor(numbers)
    stats.stat_contributor(numbers)

    assert [(n.key, n.value) for n in stats.platform_numbers()] == [("open_requests", 2)]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_every_page_has_the_layout_landmarks_and_no_inline_code(client, path):
    page = text_of(client.get(path, headers=EN))

    assert re.search(r'<html lang="(en|zh-CN)">', page)
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert "<header" in page and "<footer" in page
    assert 'aria-label="Main navigation"' in page
    assert 'aria-live="polite"' in page
    assert "码桥" in page and "Codebridge" in page
    assert 'action="/language/' in page  # the language switch is on every page
    assert 'href="/static/css/app.css"' in page
    # The CSP forbids inline code: no style attributes, inline scripts or on* handlers.
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_have_no_inline_code_either(volunteer_client, path):
    page = text_of(volunteer_client.get(path, headers=EN))

    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)


def test_signed_out_visitors_are_offered_sign_in_and_sign_up(client):
    page = text_of(client.get("/", headers=EN))

    assert 'href="/sign-in"' in page
    assert 'href="/sign-up"' in page
    assert 'action="/sign-out"' not in page


@pytest.mark.parametrize(("fixture", "sees_audit_trail"), [
    ("nonprofit_client", False), ("volunteer_client", False), ("coordinator_client", True)])
def test_signed_in_navigation_depends_on_the_role(request, fixture, sees_audit_trail):
    page = text_of(request.getfixturevalue(fixture).get("/", headers=EN))

    assert 'href="/dashboard"' in page
    assert 'href="/account"' in page
    assert re.search(r'<form[^>]*method="post"[^>]*action="/sign-out"', page)
    assert 'name="csrf_token"' in page
    assert ('href="/audit"' in page) is sees_audit_trail
    assert 'href="/sign-up"' not in page


def test_security_headers_are_sent(client):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_stylesheet_uses_system_fonts_with_chinese_ones_and_nothing_external(client):
    response = client.get("/static/css/app.css")
    css = text_of(response)
    response.close()

    assert response.status_code == 200
    for font in ('"PingFang SC"', '"Noto Sans CJK SC"', '"Microsoft YaHei"'):
        assert font in css
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert ":focus-visible" in css


# Dashboards ------------------------------------------------------------------------------------

def test_dashboard_needs_signing_in(client):
    response = client.get("/dashboard")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_nonprofit_dashboard_says_describe_the_organisation_then_the_need(nonprofit_client):
    page = text_of(nonprofit_client.get("/dashboard", headers=EN))

    assert "Describe your organisation." in page
    assert "Describe your need in plain words." in page
    assert page.index("Describe your organisation.") < page.index("Describe your need in plain words.")
    assert "You are all caught up" in page


def test_volunteer_dashboard_says_fill_in_skills_and_hours_then_find_a_project(volunteer_client):
    page = text_of(volunteer_client.get("/dashboard", headers=EN))

    assert "Fill in your skills and hours." in page
    assert "Find a project." in page
    assert "You are all caught up" in page


def test_coordinator_dashboard_shows_the_three_queues(coordinator_client):
    page = text_of(coordinator_client.get("/dashboard", headers=EN))

    for queue in ("Verification queue", "Intake queue", "Stalled projects"):
        assert queue in page
    assert 'href="/audit"' in page


def test_dashboard_counts_unread_notifications(volunteer_client, volunteer_user, db):
    other = make_user("volunteer")
    db.session.add_all([
        Notification(user_id=volunteer_user.id, kind="claim_accepted"),
        Notification(user_id=volunteer_user.id, kind="checkin_due"),
        Notification(user_id=volunteer_user.id, kind="old", read_at=utcnow()),
        Notification(user_id=other.id, kind="not_mine"),
    ])
    db.session.commit()

    page = text_of(volunteer_client.get("/dashboard", headers=EN))

    assert "You have 2 unread notifications." in page
    assert "You are all caught up" not in page


def test_feature_panels_join_the_dashboard_in_order_and_can_stay_away(volunteer_user, monkeypatch):
    monkeypatch.setattr(dashboard_panels, "_PANELS", {})

    @dashboard_panels.dashboard_panel("volunteer", order=5)
    def first(user):
        return "first.html", {"who": user.id}

    @dashboard_panels.dashboard_panel("volunteer", order=50)
    def absent(user):
        return None

    @dashboard_panels.dashboard_panel("nonprofit", order=1)
    def other_role(user):
        return "other.html", {}

    assert dashboard_panels.panels_for(volunteer_user) == [("first.html", {"who": volunteer_user.id})]


def test_a_panel_for_an_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown role"):
        dashboard_panels.dashboard_panel("donor")


# The coordinators' audit trail -------------------------------------------------------------------

def test_the_audit_trail_is_for_coordinators_only(client, nonprofit_client, volunteer_client):
    anonymous = client.get("/audit")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/sign-in?next=%2Faudit"

    for signed_in in (nonprofit_client, volunteer_client):
        response = signed_in.get("/audit", headers=EN)
        assert response.status_code == 403
        assert "You do not have access to this page" in text_of(response)
        assert 'href="/dashboard"' in text_of(response)


def test_the_audit_trail_lists_recent_changes_newest_first_in_pages(coordinator_client, coordinator_user, db):
    start = utcnow() - timedelta(days=1)
    db.session.add_all([AuditEvent(action=f"test.step_{n:02d}", target_type="users", target_id=n,
                                   actor_id=coordinator_user.id, at=start + timedelta(minutes=n),
                                   detail={"n": n})
                        for n in range(60)])
    db.session.commit()

    first = text_of(coordinator_client.get("/audit", headers=EN))
    second = text_of(coordinator_client.get("/audit?page=2", headers=EN))

    assert first.index("test.step_59") < first.index("test.step_58")
    assert "test.step_10" in first and "test.step_09" not in first
    assert "Page 1 of 2" in first
    assert coordinator_user.name in first
    assert "test.step_09" in second and "test.step_00" in second
    assert 'rel="prev"' in second


def test_an_empty_audit_trail_says_so(coordinator_client, db):
    db.session.execute(sa.delete(AuditEvent))
    db.session.commit()

    page = text_of(coordinator_client.get("/audit", headers=EN))

    assert "Nothing recorded yet" in page


# Error pages -----------------------------------------------------------------------------------

def test_an_unknown_address_gets_the_404_page_with_a_way_back(client):
    response = client.get("/no/such/page", headers=EN)

    page = text_of(response)
    assert response.status_code == 404
    assert "We could not find that page" in page
    assert "What you can do" in page
    assert 'href="/"' in page


def test_an_unexpected_failure_gets_the_500_page_without_internals(build_app, caplog):
    failing_app = build_app()

    @failing_app.get("/fails")
    def fails():
        raise RuntimeError("secret internal detail")

    response = failing_app.test_client().get("/fails", headers=EN)

    page = text_of(response)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "Nothing you sent was lost" in page
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    assert "secret internal detail" in caplog.text  # it is logged for us instead


@pytest.mark.parametrize(("status", "heading"), [
    (400, "This form could not be accepted"),
    (403, "You do not have access to this page"),
    (404, "We could not find that page"),
    (429, "Too many attempts"),
    (500, "Something went wrong on our side"),
    (409, "That did not work"),
])
def test_each_error_page_says_what_happened_and_what_to_do_next(app, status, heading):
    with app.test_request_context("/", headers=EN):
        page = render_template([f"errors/{status}.html", "errors/generic.html"], status=status,
                               message="Details from the handler.")

    assert f"<h1 id=\"error-heading\">{heading}</h1>" in page
    assert "What you can do" in page
    assert "<title>" + heading in page

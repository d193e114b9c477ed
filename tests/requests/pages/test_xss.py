"""Markup typed into a spec section, a request's answers or a timeline note never runs on its pages."""

from __future__ import annotations

import pytest

from app.requests.models import SpecVersion
from app.requests.timeline.services import add_entry
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, client_for, executable_markup, text_of
from tests.requests.pages.samples import SPEC

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">click me</a>',
]
TEXT_SECTIONS = ("summary", "background", "effort_reasoning")
LIST_SECTIONS = ("users_and_roles", "data_entities", "user_stories", "acceptance_criteria", "constraints",
                 "open_questions")
ANSWERS = ("problem", "current_process", "users", "data_kept", "rhythm", "constraints")


def hostile_request(organization, payload: str, coordinator, **fields):
    """An open request where every spec section and every answer carries the payload."""
    answers = {name: f"{name} {payload}" for name in ANSWERS}
    answers["must_do"] = [f"must do {payload}", "second item"]
    help_request = make_request(organization, status="open", team_size=2, title=f"T {payload}"[:200],
                                **{**answers, **fields})
    content = dict(SPEC)
    content.update({name: f"{name} {payload}" for name in TEXT_SECTIONS})
    content.update({name: [f"{name} {payload}", "plain item"] for name in LIST_SECTIONS})
    help_request.spec_versions.append(SpecVersion(version=2, content=content, author=coordinator))
    help_request.current_spec_version = 2
    return help_request


@pytest.fixture
def benign_page(app, db, organization, coordinator):
    """The same page without any payload: the page's own scripts, forms and stylesheets."""
    def page(path_for, user=None) -> str:
        benign = hostile_request(organization, "harmless words", coordinator)
        db.session.commit()
        browser = client_for(app, user) if user else app.test_client()
        return text_of(browser.get(path_for(benign), headers=EN))
    return page


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_spec_section_and_answer_is_inert_on_the_request_page(app, db, organization, coordinator,
                                                                    staff, benign_page, payload, who):
    user = staff if who == "staff" else None
    expected = executable_markup(benign_page(lambda r: f"/requests/{r.id}", user))
    help_request = hostile_request(organization, payload, coordinator)
    db.session.commit()
    browser = client_for(app, user) if user else app.test_client()

    body = text_of(browser.get(f"/requests/{help_request.id}", headers=EN))

    if "<" in payload:
        assert payload not in body  # escaped wherever it is shown
    assert executable_markup(body) == expected
    for name in TEXT_SECTIONS + LIST_SECTIONS + ANSWERS:
        assert f"{name} " in body, name  # each section is on the page, as text
    assert "must do " in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_titles_notes_and_names_are_inert_on_the_timeline_and_the_project_list(
        app, db, client, organization, coordinator, benign_page, payload):
    expected_timeline = executable_markup(benign_page(lambda r: f"/requests/{r.id}/timeline"))
    expected_list = executable_markup(text_of(client.get("/projects", headers=EN, follow_redirects=True)))
    help_request = hostile_request(organization, payload, coordinator)
    add_entry(help_request, "status_changed", actor=make_user("coordinator", name=f"Mallory {payload}"),
              summary="Changes requested.",
              detail={"from": "in_review", "to": "in_progress", "note": payload})
    make_request(make_org(name=f"Org {payload}", members=[make_user("nonprofit")]), status="open",
                 title=f"Other {payload}"[:200])
    db.session.commit()

    timeline = text_of(client.get(f"/requests/{help_request.id}/timeline", headers=EN))
    projects = text_of(client.get("/projects", headers=EN, follow_redirects=True))

    for body, expected in ((timeline, expected_timeline), (projects, expected_list)):
        if "<" in payload:
            assert payload not in body
        assert executable_markup(body) == expected
    assert "Mallory " in timeline and "Changes asked on the delivery" in timeline
    assert "Org " in projects and "Other " in projects

"""Markup typed into any answer is shown as text on every intake page, never run."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app.requests.intake import attachments
from app.requests.intake import services as intake
from tests.helpers import EN, sign_in
from tests.requests.intake.samples import SAMPLES

PAYLOADS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>']
FREE_TEXT = ("title", "problem", "current_process", "users", "data_kept", "rhythm", "constraints")


def hostile_answers(payload: str) -> dict:
    answers = {field: f"{field} {payload}" for field in FREE_TEXT}
    answers["title"] = f"T {payload}"[:200]
    answers["must_do"] = [f"must do {payload}", "second item"]
    return answers


def assert_inert(body: str, payload: str) -> None:
    """The payload appears only escaped: no tag of it reaches the page."""
    assert payload not in body
    for tag in ("<script>alert", "<img src=x", "<svg onload"):
        assert tag not in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_answer_is_escaped_on_the_check_and_submit_step(app, db, staff, client, payload):
    with app.test_request_context():
        draft = intake.create_draft(staff.organization, by=staff.user, **hostile_answers(payload))
    sign_in(client, staff.user)
    body = client.get(f"/requests/{draft.id}/intake/review", headers=EN).get_data(as_text=True)
    assert_inert(body, payload)
    for field in FREE_TEXT[1:]:
        assert f"{field} " in body  # each answer is on the page, as text
    assert "must do " in body


@pytest.mark.parametrize("step", ["title", "problem", "must_do", "rhythm", "constraints"])
def test_answers_are_escaped_inside_the_step_forms(app, db, staff, client, step):
    payload = PAYLOADS[0]
    with app.test_request_context():
        draft = intake.create_draft(staff.organization, by=staff.user, **hostile_answers(payload))
    sign_in(client, staff.user)
    body = client.get(f"/requests/{draft.id}/intake/{step}", headers=EN).get_data(as_text=True)
    assert_inert(body, payload)


def test_titles_and_file_names_are_escaped_in_lists_and_on_the_files_step(app, db, staff, client):
    payload = PAYLOADS[1]
    with app.test_request_context():
        draft = intake.create_draft(staff.organization, by=staff.user, title=f"Map {payload}")
    attachments.save_attachment(FileStorage(stream=io.BytesIO(SAMPLES["png"]), filename=f"{payload}.png"),
                                uploaded_by=staff.user, help_request=draft)
    sign_in(client, staff.user)
    for url in ("/requests/mine", "/dashboard", f"/requests/{draft.id}/intake/attachments",
                f"/requests/{draft.id}/withdraw"):
        assert_inert(client.get(url, headers=EN).get_data(as_text=True), payload)

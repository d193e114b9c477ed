"""The timeline reads like parcel tracking: newest first, time, actor, a sentence in the reader's language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.requests.timeline.services import add_entry
from tests.factories import make_request, make_user
from tests.helpers import EN, ZH, client_for, text_of

# One entry of every kind the features write today, with the detail each one carries.
EVERY_KIND = [
    ("created", "Request drafted.", {}),
    ("status_changed", "Submitted for intake.", {"from": "draft", "to": "intake"}),
    ("spec_updated", "Spec updated to version 2.", {"version": 2}),
    ("status_changed", "Published: open for volunteers.", {"from": "intake", "to": "open"}),
    ("claim_accepted", "A volunteer joined the team.", {"role": "lead"}),
    ("status_changed", "Work started.", {"from": "open", "to": "in_progress"}),
    ("checkin", "Check-in posted.", {"status": "at_risk", "hours": 4}),
    ("delivery_submitted", "Delivery submitted.", {}),
    ("status_changed", "Delivery submitted for review.", {"from": "in_progress", "to": "in_review"}),
    ("status_changed", "Delivery accepted.", {"from": "in_review", "to": "delivered"}),
    ("review", "Review posted.", {"rating": 5}),
]


ENGLISH_SENTENCES = [
    "Request created.",
    "Submitted for intake: Codebridge drafted a spec from the nonprofit’s answers.",
    "Spec updated to version 2.",
    "Published: open for volunteers.",
    "A volunteer joined the team as its lead.",
    "Work started: the first volunteer joined the team.",
    "Check-in posted: at risk.",
    "Delivery submitted: repository, live link and hand-over notes.",
    "Delivery submitted for the nonprofit’s review.",
    "Delivery accepted: the project is delivered.",
    "A review was posted: 5 out of 5.",
]


@pytest.fixture
def history(db, organization, skills, coordinator, staff):
    """A delivered request's whole life, a day per step, the review the newest."""
    help_request = make_request(organization, status="delivered", title="A map of surplus food")
    start = utcnow() - timedelta(days=len(EVERY_KIND) + 1)
    volunteer = make_user("volunteer", name="Zhao Lei")
    actors = {"claim_accepted": staff, "checkin": volunteer, "delivery_submitted": volunteer, "review": staff}
    for day, (kind, summary, detail) in enumerate(EVERY_KIND):
        entry = add_entry(help_request, kind, actor=actors.get(kind, coordinator), summary=summary,
                          detail=detail)
        entry.at = start + timedelta(days=day)
    db.session.commit()
    return help_request


def sentences(body: str) -> list[str]:
    return re.findall(r'<p class="timeline-sentence">([^<]*)</p>', body)


def test_the_timeline_page_lists_every_step_newest_first_with_time_and_actor(client, history):
    body = text_of(client.get(f"/requests/{history.id}/timeline", headers=EN))

    assert sentences(body) == ENGLISH_SENTENCES[::-1]
    time = r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d\s?[AP]M<'
    assert re.search(time, body)  # the date and the hour, in English
    assert '<span class="timeline-actor">Zhao Lei</span>' in body
    assert '<span class="timeline-actor">Chen Coordinator</span>' in body


def test_the_request_page_shows_the_latest_steps_and_links_to_the_whole_timeline(client, history):
    body = text_of(client.get(f"/requests/{history.id}", headers=EN))

    assert sentences(body) == ENGLISH_SENTENCES[::-1][:6]
    assert f'href="/requests/{history.id}/timeline">See the whole timeline (11 steps)</a>' in body


def test_the_timeline_is_in_chinese_for_a_chinese_reader_without_raw_english_summaries(client, history):
    body = text_of(client.get(f"/requests/{history.id}/timeline", headers=ZH))

    steps = sentences(body)
    assert "提交了进展汇报：存在风险。" in steps
    assert "一位志愿者以负责人身份加入了团队。" in steps
    assert "交付成果已验收：项目已交付。" in steps
    assert "发布了一条评价：5 分（满分 5 分）。" in steps
    for _kind, summary, _detail in EVERY_KIND:
        assert summary not in body
    for step in steps:
        assert re.search(r"[\u4e00-\u9fff]", step), step
    assert re.search(r"<time [^>]+>\d{4}年\d{1,2}月\d{1,2}日", body)  # the date in Chinese too


def test_a_chinese_reader_never_sees_the_english_summary_of_an_unknown_kind(client, db, published):
    add_entry(published, "hackathon_featured", actor=None, summary="Featured at the spring hackathon.")
    db.session.commit()

    chinese = text_of(client.get(f"/requests/{published.id}/timeline", headers=ZH))
    english = text_of(client.get(f"/requests/{published.id}/timeline", headers=EN))

    assert "Featured at the spring hackathon." not in chinese
    assert "项目又向前推进了一步。" in chinese
    assert "Featured at the spring hackathon." in english
    assert '<span class="timeline-actor">码桥</span>' in chinese  # no person: Codebridge did it


def test_private_steps_show_only_to_staff_and_coordinators(app, client, db, published, staff):
    add_entry(published, "attachment_added", actor=staff, summary="File attached.",
              detail={"name": "paper-form.jpg"}, is_public=False)
    db.session.commit()

    public = text_of(client.get(f"/requests/{published.id}/timeline", headers=EN))
    own = text_of(client_for(app, staff).get(f"/requests/{published.id}/timeline", headers=EN))

    assert "paper-form.jpg" not in public
    assert "File attached: paper-form.jpg" in own
    assert "Staff and coordinators only" in own


def test_a_drafts_timeline_is_a_404_for_anyone_outside_the_organisation(app, client, db, organization):
    draft = make_request(organization, status="draft")
    volunteer = make_user("volunteer")
    db.session.commit()

    assert client.get(f"/requests/{draft.id}/timeline", headers=EN).status_code == 404
    assert client_for(app, volunteer).get(f"/requests/{draft.id}/timeline", headers=EN).status_code == 404


def test_a_long_timeline_is_split_into_pages(client, db, published, monkeypatch):
    from app.requests.pages import views as pages

    monkeypatch.setattr(pages, "TIMELINE_PAGE_SIZE", 5)
    for _ in range(8):
        add_entry(published, "checkin", actor=None, summary="Check-in posted.", detail={"status": "on_track"})
    db.session.commit()

    first = text_of(client.get(f"/requests/{published.id}/timeline", headers=EN))
    second = text_of(client.get(f"/requests/{published.id}/timeline?page=2", headers=EN))

    assert len(sentences(first)) == 5 and len(sentences(second)) == 5
    assert "Page 1 of 2" in first and "Request created." in sentences(second)

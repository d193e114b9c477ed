"""Demo intake: each submitted request starts from the drafter's spec, coordinators edit it, threads talk."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from app.core.models import Skill, User
from app.demo import read_demo_files
from app.requests.intake.content import intake_content
from app.requests.intake.drafting.answers import IntakeAnswers
from app.requests.intake.drafting.drafter import draft_spec
from app.requests.intake.services import intake_answers
from app.requests.models import HelpRequest, RequestMessage, RequestSkill, SpecVersion, TimelineEntry
from app.volunteers.models import VolunteerProfile

HAN = re.compile(r"[\u4e00-\u9fff]")
DRAFTED_NOTE = "Drafted by Codebridge from the intake answers."
WORK_STARTED = ("in_progress", "in_review", "delivered")


def _requests(db) -> list[HelpRequest]:
    return list(db.session.scalars(sa.select(HelpRequest).order_by(HelpRequest.id)))


def _submitted(db) -> list[HelpRequest]:
    return [r for r in _requests(db) if r.submitted_at is not None]


def _drafted(answers: IntakeAnswers) -> dict:
    content = intake_content()
    return draft_spec(answers, content.rules, content.taxonomy).as_spec()


def _steps(db, help_request: HelpRequest) -> list[TimelineEntry]:
    return list(db.session.scalars(
        sa.select(TimelineEntry).where(TimelineEntry.request_id == help_request.id,
                                       TimelineEntry.kind == "status_changed")
        .order_by(TimelineEntry.at, TimelineEntry.id)))


def _status_at(steps: list[TimelineEntry], moment: datetime) -> str:
    status = "draft"
    for step in steps:
        if step.at <= moment:
            status = step.detail["to"]
    return status


def _messages(db, help_request: HelpRequest) -> list[RequestMessage]:
    return list(db.session.scalars(
        sa.select(RequestMessage).where(RequestMessage.request_id == help_request.id)
        .order_by(RequestMessage.created_at, RequestMessage.id)))


def _is_staff(help_request: HelpRequest, user: User) -> bool:
    return any(m.user_id == user.id for m in help_request.organization.memberships)


# --- Spec versions -------------------------------------------------------------------------------

def test_every_submitted_request_starts_from_the_drafters_spec_of_its_answers(db, summary) -> None:
    submitted = _submitted(db)
    assert len(submitted) >= 35
    for help_request in submitted:
        first = help_request.spec_versions[0]
        assert first.author is None and first.note == DRAFTED_NOTE, help_request.title
        drafted = [v for v in help_request.spec_versions if v.author is None]
        # The last submission drafted from the answers as they are now; only a request that was
        # sent back and resubmitted has an earlier draft (from its earlier answers).
        assert drafted[-1].content == _drafted(intake_answers(help_request)), help_request.title
        if len(drafted) == 1:
            assert first.created_at == help_request.submitted_at


def test_published_specs_were_edited_by_the_coordinator_about_a_third_of_them_twice(db, summary) -> None:
    published = [r for r in _requests(db) if r.published_at is not None]
    assert len(published) >= 30
    for help_request in published:
        edits = [v for v in help_request.spec_versions if v.author is not None]
        assert edits and all(v.author.is_coordinator and v.note for v in edits), help_request.title
        contents = [v.content for v in help_request.spec_versions]
        assert all(a != b for a, b in itertools.pairwise(contents)), help_request.title
    edited_twice = [r for r in published if len(r.spec_versions) >= 3]
    assert len(published) / 4 <= len(edited_twice) <= len(published) / 2
    assert any(r.status == "open" for r in edited_twice)  # corrected after publication
    assert any(r.status in WORK_STARTED for r in edited_twice)


def test_coordinators_edit_specs_only_in_intake_or_open_and_each_edit_is_on_the_timeline(db, summary) -> None:
    edits = 0
    for help_request in _submitted(db):
        steps = _steps(db, help_request)
        updates = {e.detail["version"]: e for e in db.session.scalars(sa.select(TimelineEntry).where(
            TimelineEntry.request_id == help_request.id, TimelineEntry.kind == "spec_updated"))}
        for version in help_request.spec_versions:
            if version.author is None:
                assert _status_at(steps, version.created_at) == "intake", help_request.title
                assert version.version not in updates
                continue
            edits += 1
            assert _status_at(steps, version.created_at) in ("intake", "open"), help_request.title
            assert updates[version.version].at == version.created_at
            assert updates[version.version].actor_id == version.author_id
    assert edits >= 40


def test_team_size_effort_and_skill_rows_follow_the_current_version(db, summary) -> None:
    for help_request in _submitted(db):
        spec = help_request.current_spec
        assert spec.version == max(v.version for v in help_request.spec_versions)
        assert help_request.team_size == spec.content["team_size"], help_request.title
        assert help_request.effort_hours == spec.content["effort_hours"]
        rows = db.session.scalars(sa.select(Skill.slug).join(RequestSkill, RequestSkill.skill_id == Skill.id)
                                  .where(RequestSkill.request_id == help_request.id))
        assert sorted(rows) == sorted(set(spec.content["skills"])), help_request.title
    # Requests still in intake carry the drafter's sizing, published ones the coordinator's.
    assert any(r.status == "intake" and r.team_size >= 2 for r in _requests(db))


def test_a_coordinator_edit_after_publication_changes_what_volunteers_read(db, summary) -> None:
    tree_map = db.session.scalar(
        sa.select(HelpRequest).where(HelpRequest.title.startswith("Public street-tree map")))
    assert tree_map.status == "open" and tree_map.current_spec_version == 3
    before, after = tree_map.spec_versions[1].content, tree_map.current_spec.content
    assert before["open_questions"] and after["open_questions"] == []
    assert any("university" in line for line in after["constraints"])
    assert after["constraints"][:len(before["constraints"])] == before["constraints"]


# --- Threads -------------------------------------------------------------------------------------

def test_at_least_eight_threads_between_the_coordinator_and_the_organisations_staff(db, summary) -> None:
    both_sides = []
    for help_request in _requests(db):
        messages = _messages(db, help_request)
        for message in messages:
            assert message.author.is_coordinator or _is_staff(help_request, message.author), message.body
        sides = {m.author.is_coordinator for m in messages}
        if sides == {True, False}:
            both_sides.append(help_request)
    assert len(both_sides) >= 8
    statuses = Counter(r.status for r in both_sides)
    assert statuses["intake"] >= 4
    assert sum(statuses[s] for s in ("open", *WORK_STARTED)) >= 6


def test_thread_messages_are_in_the_requests_language_in_order_while_it_was_live(db, summary) -> None:
    for help_request in _requests(db):
        messages = _messages(db, help_request)
        if not messages:
            continue
        steps = _steps(db, help_request)
        first_submission = next(s.at for s in steps if s.detail["to"] == "intake")
        assert messages[0].created_at >= first_submission, help_request.title
        times = [m.created_at for m in messages]
        assert times == sorted(times) and len(set(times)) == len(times)
        for message in messages:
            assert _status_at(steps, message.created_at) not in ("delivered", "withdrawn"), help_request.title
            if HAN.search(help_request.problem):
                assert HAN.search(message.body), message.body
            else:  # English requests get English messages (a Chinese term in brackets at most)
                assert sum(ch.isascii() for ch in message.body) / len(message.body) > 0.95, message.body


def test_open_questions_of_requests_in_intake_are_asked_and_answered_in_the_thread(db, summary) -> None:
    answered = []
    for help_request in (r for r in _requests(db) if r.status == "intake"):
        messages = _messages(db, help_request)
        if not messages:
            continue
        assert help_request.spec_versions[0].content["open_questions"], help_request.title
        assert messages[0].author.is_coordinator
        first_question = messages[0].created_at
        if any(not m.author.is_coordinator and m.created_at > first_question for m in messages):
            answered.append(help_request)
    assert len(answered) >= 4


def test_one_request_was_sent_back_with_questions_then_resubmitted_and_redrafted(app, db, summary) -> None:
    resubmitted = [r for r in _requests(db)
                   if [s.detail["to"] for s in _steps(db, r)] == ["intake", "draft", "intake"]]
    assert len(resubmitted) == 1
    [help_request] = resubmitted
    assert help_request.status == "intake"
    submitted, sent_back, resubmitted_step = _steps(db, help_request)
    assert sent_back.actor.is_coordinator
    messages = _messages(db, help_request)
    [questions] = [m for m in messages if m.created_at == sent_back.at]
    assert questions.author.is_coordinator and questions.body.count("？") >= 2
    assert any(_is_staff(help_request, m.author) and sent_back.at < m.created_at < resubmitted_step.at
               for m in messages)

    first, second = help_request.spec_versions
    assert (first.author, second.author) == (None, None)
    assert (first.created_at, second.created_at) == (submitted.at, resubmitted_step.at)
    entry = next(e for e in read_demo_files(Path(app.config["CONTENT_DIR"]))["requests"]
                 if e["title"] == help_request.title)
    earlier = dataclasses.replace(intake_answers(help_request), **entry["answers_before_resubmission"])
    assert first.content == _drafted(earlier)
    # The answers filled the gaps the questions pointed at, so the new draft asks less.
    assert len(second.content["open_questions"]) < len(first.content["open_questions"])
    assert help_request.current_spec_version == 2


# --- Organisations, the summary ----------------------------------------------------------------

def test_organisation_and_volunteer_causes_are_known_cause_slugs(app, db, summary) -> None:
    causes_file = Path(app.config["CONTENT_DIR"]) / "requests" / "organizations" / "causes.json"
    slugs = {cause["slug"] for cause in json.loads(causes_file.read_text(encoding="utf-8"))["causes"]}
    organisations = [r.organization for r in _requests(db)]
    for organisation in organisations:
        assert organisation.cause_areas and set(organisation.cause_areas) <= slugs, organisation.name
    for profile in db.session.scalars(sa.select(VolunteerProfile)):
        assert set(profile.causes) <= slugs, profile.user.email


def test_the_summary_counts_the_spec_versions_and_thread_messages_it_created(db, summary) -> None:
    versions = db.session.scalar(sa.select(sa.func.count()).select_from(SpecVersion))
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(RequestMessage))
    assert summary.counts["spec versions"] == summary.created["spec versions"] == versions
    assert summary.counts["thread messages"] == summary.created["thread messages"] == messages

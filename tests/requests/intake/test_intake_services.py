"""Intake services: drafts, submitting (spec v1 by the drafter), withdrawing, and who may do each."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.models import AuditEvent, EmailMessage, Skill, User
from app.requests.intake import services as intake
from app.requests.intake.content import intake_content
from app.requests.intake.drafting import drafter
from app.requests.models import HelpRequest, RequestSkill, SpecVersion, TimelineEntry
from app.requests.status import TRANSITIONS
from tests.factories import make_request, make_user
from tests.requests.intake.samples import FOOD_BANK


@pytest.fixture(autouse=True)
def request_context(app):
    """Services e-mail links to pages, which needs a request context (as in a real request)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def complete_draft(staff, **overrides) -> HelpRequest:
    return intake.create_draft(staff.organization, by=staff.user, **{**FOOD_BANK, **overrides})


def test_staff_create_a_draft_with_a_created_step_on_its_timeline(db, staff):
    help_request = intake.create_draft(staff.organization, by=staff.user, title="  A map  ")
    assert help_request.status == "draft"
    assert help_request.title == "A map"
    assert help_request.created_by_id == staff.user.id
    entries = db.session.scalars(sa.select(TimelineEntry.kind).where(
        TimelineEntry.request_id == help_request.id)).all()
    assert entries == ["created"]
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.target_id == help_request.id)) \
        == "request.created"


def test_only_the_organisations_staff_may_start_its_requests(db, staff, other_staff, coordinator):
    with pytest.raises(NotAllowed):
        intake.create_draft(staff.organization, by=other_staff.user, title="Not mine")
    with pytest.raises(NotAllowed):
        intake.create_draft(staff.organization, by=coordinator, title="Coordinators do not draft")
    with pytest.raises(Invalid) as missing:
        intake.create_draft(None, by=staff.user, title="Which one?")
    assert "organization_id" in missing.value.fields


def test_answers_are_checked_field_by_field(db, staff):
    with pytest.raises(Invalid) as error:
        intake.create_draft(staff.organization, by=staff.user, title="t" * 201, problem="p" * 20_001,
                            must_do=["x"] * 31, deadline="tomorrow", checkin_cadence="daily")
    assert set(error.value.fields) == {"title", "problem", "must_do", "deadline", "checkin_cadence"}
    assert error.value.fields["title"] == "Use at most 200 characters (now 201)."
    assert db.session.scalar(sa.select(sa.func.count(HelpRequest.id))) == 0


def test_a_draft_update_changes_only_the_answers_given(db, staff, draft):
    intake.update_draft(draft, by=staff.user, problem="Paper everywhere.")
    intake.update_draft(draft, by=staff.user, users="Five staff.")
    db.session.expire_all()
    saved = db.session.get(HelpRequest, draft.id)
    assert (saved.problem, saved.users) == ("Paper everywhere.", "Five staff.")


def test_another_organisations_draft_is_not_found_and_a_visible_request_is_forbidden(db, draft, other_staff):
    with pytest.raises(NotFound):
        intake.update_draft(draft, by=other_staff.user, problem="x")
    with pytest.raises(NotFound):
        intake.submit_request(draft, other_staff.user)
    with pytest.raises(NotFound):
        intake.withdraw_request(draft, other_staff.user)
    published = make_request(status="open")
    db.session.commit()
    with pytest.raises(NotAllowed):
        intake.update_draft(published, by=other_staff.user, problem="x")
    with pytest.raises(NotAllowed):
        intake.withdraw_request(published, other_staff.user)


def test_submitting_drafts_spec_version_1_from_the_drafter(db, staff, coordinator):
    help_request = complete_draft(staff)
    content = intake_content()
    expected = drafter.draft_spec(intake.intake_answers(help_request), content.rules, content.taxonomy)

    intake.submit_request(help_request, staff.user)

    db.session.expire_all()
    help_request = db.session.get(HelpRequest, help_request.id)
    assert help_request.status == "intake"
    assert help_request.submitted_at is not None
    spec = help_request.current_spec
    assert (spec.version, spec.author_id) == (1, None)
    assert spec.content == expected.as_spec()
    assert help_request.team_size == expected.team_size
    assert help_request.effort_hours == expected.effort_hours
    assert [skill.slug for skill in help_request.skills] == sorted(expected.skills)
    assert "maps-routing" in expected.skills  # donors and recipients on a map, routes for drivers
    assert len(spec.content["user_stories"]) == len(FOOD_BANK["must_do"])


def test_submitting_records_the_step_and_tells_every_coordinator(db, staff, coordinator):
    second = make_user("coordinator", locale="zh_CN")
    make_user("coordinator", is_blocked=True)
    db.session.commit()
    help_request = complete_draft(staff)
    intake.submit_request(help_request, staff.user)

    entry = db.session.scalars(sa.select(TimelineEntry).where(TimelineEntry.kind == "status_changed")).one()
    assert entry.detail == {"from": "draft", "to": "intake"} and entry.actor_id == staff.user.id
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "request.status_changed" in actions and "request.spec_drafted" in actions
    mails = {m.to_address: m for m in db.session.scalars(sa.select(EmailMessage))}
    assert set(mails) == {coordinator.email, second.email}
    assert mails[coordinator.email].kind == "intake"
    assert FOOD_BANK["title"] in mails[coordinator.email].subject
    assert f"/requests/{help_request.id}/review" in mails[coordinator.email].body_text
    assert "Green Roots Food Bank" in mails[coordinator.email].body_text
    assert mails[second.email].subject.startswith("新")  # each in the coordinator's language


def test_the_skills_table_is_filled_from_the_taxonomy_when_empty(db, staff, coordinator):
    assert db.session.scalar(sa.select(sa.func.count(Skill.id))) == 0
    help_request = complete_draft(staff)
    intake.submit_request(help_request, staff.user)
    slugs = db.session.scalars(sa.select(Skill.slug).join(RequestSkill)).all()
    assert "maps-routing" in slugs


def test_an_incomplete_draft_is_refused_naming_the_missing_answers(db, staff, draft):
    with pytest.raises(Invalid) as error:
        intake.submit_request(draft, staff.user)
    assert set(error.value.fields) == {"title", "problem", "must_do"}
    assert db.session.scalar(sa.select(sa.func.count(SpecVersion.id))) == 0


@pytest.mark.parametrize("status", [s for s in TRANSITIONS if s != "draft"])
def test_only_a_draft_can_be_submitted(db, staff, status):
    help_request = make_request(staff.organization, status=status)
    db.session.commit()
    with pytest.raises(Conflict) as error:
        intake.submit_request(help_request, staff.user)
    assert error.value.code == "invalid_status_transition"
    assert error.value.message.endswith(".")  # a sentence saying why


def test_a_request_sent_back_and_submitted_again_gets_the_next_version(db, staff, coordinator):
    help_request = complete_draft(staff)
    intake.submit_request(help_request, staff.user)
    help_request.status = "draft"  # as the coordinator's "send back" leaves it
    db.session.commit()
    intake.update_draft(help_request, by=staff.user, users="3 staff and 60 volunteer drivers.")
    intake.submit_request(help_request, staff.user)
    versions = db.session.scalars(sa.select(SpecVersion.version).order_by(SpecVersion.version)).all()
    assert versions == [1, 2]
    assert db.session.get(HelpRequest, help_request.id).current_spec_version == 2


@pytest.mark.parametrize("status", ["draft", "intake", "open", "in_progress"])
def test_staff_and_coordinators_withdraw_any_unfinished_request(db, staff, coordinator, status):
    for actor in (staff.user, coordinator):
        help_request = make_request(staff.organization, status=status)
        db.session.commit()
        intake.withdraw_request(help_request, actor, reason="Funding ended.")
        assert help_request.status == "withdrawn" and help_request.withdrawn_at is not None
        entry = db.session.scalars(sa.select(TimelineEntry).where(
            TimelineEntry.request_id == help_request.id, TimelineEntry.kind == "status_changed")).one()
        assert entry.detail == {"from": status, "to": "withdrawn", "note": "Funding ended."}


@pytest.mark.parametrize("status,why", [
    ("in_review", "A request in review can't be withdrawn: accept the delivery or ask for changes first."),
    ("delivered", "A delivered request can't be withdrawn."),
    ("withdrawn", "The request already has this status."),
])
def test_a_request_in_review_or_finished_cannot_be_withdrawn(db, staff, status, why):
    help_request = make_request(staff.organization, status=status)
    db.session.commit()
    with pytest.raises(Conflict) as error:
        intake.withdraw_request(help_request, staff.user)
    assert error.value.message == why


def test_volunteers_cannot_withdraw_a_public_request(db):
    help_request = make_request(status="open")
    volunteer = make_user("volunteer")
    db.session.commit()
    with pytest.raises(NotAllowed):
        intake.withdraw_request(help_request, volunteer)


def test_choice_answers_read_back_in_either_language(app):
    assert intake.split_choices("constraints", "没有服务器或托管预算\nMust work on phones\n其他：要打印") == (
        ["no_hosting_budget", "works_on_phones"], "其他：要打印")
    assert intake.join_choices("rhythm", ["monthly"], "  ", "zh_CN") == "每月"
    assert intake.join_choices("constraints", [], "Only free text", "en") == "Only free text"


def test_ticked_constraints_reach_the_drafter_as_their_ids(db, staff):
    help_request = complete_draft(staff, constraints="Inside WeChat\nWe print the reports.")
    answers = intake.intake_answers(help_request)
    assert answers.constraint_options == ("inside_wechat",)
    assert answers.constraints == "We print the reports."


def test_two_submissions_at_once_make_one_spec_and_one_conflict(app, db, staff, coordinator):
    help_request = complete_draft(staff)
    request_id, user_id = help_request.id, staff.user.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            user = db.session.get(User, user_id)
            draft = db.session.get(HelpRequest, request_id)
            barrier.wait()
            try:
                intake.submit_request(draft, user)
                outcomes.append("submitted")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "submitted"]
    assert db.session.scalars(sa.select(SpecVersion.version)).all() == [1]
    assert db.session.scalar(sa.select(sa.func.count(EmailMessage.id))) == 1  # one coordinator, told once

"""The loaded demo: a realistic bilingual data set, consistent with itself (loading it: test_demo_loading)."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa

from app.core.accounts import services as accounts
from app.core.db import utcnow
from app.core.models import User
from app.demo import SEAT_CLAIM_STATUSES
from app.requests.models import REQUEST_STATUSES, HelpRequest, Organization, TimelineEntry
from app.volunteers.models import (
    CheckIn,
    Claim,
    Delivery,
    Review,
    VolunteerProfile,
)

SPEC_SECTIONS = {"summary", "background", "users_and_roles", "data_entities", "user_stories",
                 "acceptance_criteria", "constraints", "skills", "team_size", "effort_hours",
                 "effort_reasoning", "open_questions"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _all(db, model, *where):
    return list(db.session.scalars(sa.select(model).where(*where)))


def test_demo_has_organisations_of_every_verification_state(db, summary) -> None:
    orgs = _all(db, Organization)
    assert len(orgs) >= 10
    states = Counter(o.verification for o in orgs)
    assert states["verified"] > len(orgs) / 2
    assert 1 <= states["pending"] <= 2
    assert states["rejected"] == 1
    names = [o.name for o in orgs]
    assert "山石尘肺病救助基金" in names and "银发食物银行" in names
    assert any(HAN.search(n) for n in names) and any(n.isascii() for n in names)
    for org in orgs:
        assert org.description and org.cause_areas and org.region, org.name
        assert org.contact_name and org.contact_phone and org.contact_email, org.name
        assert org.memberships, f"{org.name} has no staff account"


def test_demo_requests_cover_every_status_mostly_open_or_in_progress(db, summary) -> None:
    requests = _all(db, HelpRequest)
    assert len(requests) >= 40
    by_status = Counter(r.status for r in requests)
    assert set(by_status) == set(REQUEST_STATUSES)
    assert min(by_status.values()) >= 4
    assert {status for status, _ in by_status.most_common(2)} == {"open", "in_progress"}
    chinese = sum(1 for r in requests if HAN.search(r.problem))
    assert 0.55 <= chinese / len(requests) <= 0.75  # about two thirds in Chinese
    for help_request in requests:
        assert 1 <= help_request.team_size <= 4
        assert help_request.problem and help_request.current_process
        assert 3 <= len(help_request.must_do) <= 7, help_request.title
    assert any(r.deadline is not None and r.deadline > utcnow().date() for r in requests)


def test_every_request_past_draft_has_a_full_spec_and_taxonomy_skills(db, summary) -> None:
    for help_request in _all(db, HelpRequest):
        spec = help_request.current_spec
        if help_request.status == "draft":
            assert spec is None and help_request.skills == []
            continue
        assert spec is not None, help_request.title
        assert set(spec.content) >= SPEC_SECTIONS, help_request.title
        assert len(spec.content["user_stories"]) == len(help_request.must_do)
        assert [s.slug for s in help_request.skills] == sorted(spec.content["skills"])
        assert help_request.effort_hours == spec.content["effort_hours"] > 0
        assert help_request.team_size == spec.content["team_size"]
        if help_request.published_at is not None:
            # Published specs were edited by the coordinator, with the drafted version 1 kept.
            versions = help_request.spec_versions
            assert [v.version for v in versions] == list(range(1, len(versions) + 1))
            assert len(versions) >= 2 and versions[0].author is None
            assert versions[-1].author.is_coordinator


def test_seats_taken_matches_the_claims_holding_seats(db, summary) -> None:
    requests = _all(db, HelpRequest)
    for help_request in requests:
        claims = _all(db, Claim, Claim.request_id == help_request.id)
        holding = [c for c in claims if c.status in SEAT_CLAIM_STATUSES]
        assert help_request.seats_taken == len(holding) <= help_request.team_size, help_request.title
        if help_request.status in ("in_progress", "in_review"):
            assert holding and all(c.status == "accepted" for c in holding), help_request.title
        elif help_request.status == "delivered":
            assert holding and all(c.status == "completed" for c in holding), help_request.title
        else:  # the first accepted claim would have started the work
            assert not holding, help_request.title
    statuses = Counter(c.status for c in _all(db, Claim))
    assert statuses["pending"] >= 5 and statuses["declined"] >= 1 and statuses["withdrawn"] >= 1
    assert any(0 < r.seats_taken < r.team_size for r in requests if r.status == "in_progress")
    live = Counter(c.volunteer_id for c in _all(db, Claim, Claim.status.in_(("pending", "accepted"))))
    assert max(live.values()) <= 3


def test_work_in_progress_has_checkins_replies_deliveries_and_reviews(db, summary) -> None:
    requests = _all(db, HelpRequest)
    for help_request in requests:
        checkins = _all(db, CheckIn, CheckIn.request_id == help_request.id)
        if help_request.status in ("in_progress", "in_review", "delivered"):
            assert checkins, help_request.title
            assert help_request.last_checkin_at == max(c.created_at for c in checkins)
        if help_request.status in ("in_review", "delivered"):
            assert _all(db, Delivery, Delivery.request_id == help_request.id), help_request.title
        if help_request.status == "delivered":
            reviews = _all(db, Review, Review.request_id == help_request.id)
            assert any(r.subject_organization_id for r in reviews)
            assert any(r.subject_user_id for r in reviews)
    checkins = _all(db, CheckIn)
    assert {c.status for c in checkins} == {"on_track", "at_risk", "blocked"}
    assert sum(len(c.replies) for c in checkins) >= 20
    stalled = [r for r in requests if r.is_stalled]
    assert stalled and all(r.status == "in_progress" for r in stalled)


def test_every_request_timeline_tells_its_story_in_the_past(db, summary) -> None:
    now = utcnow()
    for help_request in _all(db, HelpRequest):
        entries = list(db.session.scalars(sa.select(TimelineEntry).where(
            TimelineEntry.request_id == help_request.id).order_by(TimelineEntry.at, TimelineEntry.id)))
        assert entries[0].kind == "created"
        assert entries[0].at == help_request.created_at
        changes = [e for e in entries if e.kind == "status_changed"]
        walked = ["draft"] + [e.detail["to"] for e in changes]
        assert walked[-1] == help_request.status, help_request.title
        assert all(e.detail["from"] == prev for e, prev in zip(changes, walked, strict=False))
        assert all(e.at < now for e in entries)
        if help_request.status not in ("draft", "intake", "withdrawn"):
            assert help_request.created_at < help_request.submitted_at < help_request.published_at
    kinds = set(db.session.scalars(sa.select(TimelineEntry.kind)))
    assert {"claim_accepted", "checkin", "delivery_submitted", "review"} <= kinds


def test_demo_people_volunteers_coordinator_and_staff(db, summary) -> None:
    roles = Counter(db.session.scalars(sa.select(User.role)))
    assert roles["volunteer"] == 60
    assert roles["coordinator"] == 1
    assert 8 <= roles["nonprofit"] <= 12
    profiles = _all(db, VolunteerProfile)
    assert len(profiles) == 60
    for profile in profiles:
        assert 2 <= len(profile.skills) <= 6
        assert all(1 <= s.level <= 5 for s in profile.skills)
        assert 2 <= profile.hours_per_week <= 12 and profile.bio and profile.languages
    names = [p.user.name for p in profiles]
    assert sum(1 for n in names if HAN.search(n)) >= 30 and sum(1 for n in names if n.isascii()) >= 15


def test_demo_accounts_sign_in_with_the_demo_password(app, db, summary) -> None:
    password = app.config["DEMO_PASSWORD"]
    for role in ("coordinator", "nonprofit", "volunteer"):
        user = summary.accounts[role]
        assert user.role == role
        assert accounts.authenticate(user.email, password) == user
    assert accounts.authenticate(summary.accounts["volunteer"].email, "wrong password") is None

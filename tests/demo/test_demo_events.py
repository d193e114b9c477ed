"""The demo's matching events as loaded: a past event matched by the engine, an upcoming one taking sign-ups.

How the past event's matches come from the engine is tested while loading (test_demo_loading.py).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.models import AuditEvent
from app.demo import SEAT_CLAIM_STATUSES
from app.requests.models import HelpRequest, TimelineEntry
from app.volunteers.models import CheckIn, Claim, EventMatch, EventRegistration, MatchingEvent

PAST = "2026 秋季公益编程马拉松 · 北京"
UPCOMING = "2026 冬季公益编程马拉松 · 上海"
CONFIRMED = {"Street-tree tagging mini-program", "学生资助名单管理（替代 Excel）",
             "独居老人每日电话问候登记与提醒"}


def _event(db, name: str) -> MatchingEvent:
    return db.session.scalar(sa.select(MatchingEvent).where(MatchingEvent.name == name))


def _registrations(db, event: MatchingEvent) -> list[EventRegistration]:
    return list(db.session.scalars(sa.select(EventRegistration).where(EventRegistration.event_id == event.id)
                                   .order_by(EventRegistration.created_at)))


def _matches(db, event: MatchingEvent) -> list[EventMatch]:
    return list(db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id)))


def test_the_past_event_ended_with_its_sign_ups_check_ins_and_codes(db, summary) -> None:
    event = _event(db, PAST)
    now = utcnow()
    assert event.status == "closed" and event.city == "北京" and event.description
    assert event.created_at < event.published_at < event.starts_at < event.matched_at
    assert event.matched_at < event.confirmed_at < event.closed_at <= event.ends_at < now - timedelta(days=30)
    assert len(event.help_requests) == 5
    registrations = _registrations(db, event)
    assert len(registrations) == 15
    assert all(r.status == "registered" and r.preferences for r in registrations)
    codes = [r.check_in_code for r in registrations]
    assert all(codes) and len(set(codes)) == len(codes)
    came = [r for r in registrations if r.attended_at]
    assert 0 < len(came) < len(registrations)
    assert all(event.starts_at <= r.attended_at < event.matched_at for r in came)
    assert all(r.created_at < event.starts_at for r in registrations)


def test_the_past_event_s_confirmed_matches_are_the_teams_that_did_the_work(db, summary) -> None:
    event = _event(db, PAST)
    matches = _matches(db, event)
    came = {r.volunteer_id for r in _registrations(db, event) if r.attended_at}
    assert {m.volunteer_id for m in matches} <= came
    confirmed = [m for m in matches if m.confirmed_at]
    assert len(confirmed) >= 5
    assert {m.help_request.title for m in confirmed} == CONFIRMED
    for match in confirmed:
        claim = match.claim
        assert claim.status == "accepted" and claim.role == match.role
        assert (claim.request_id, claim.volunteer_id) == (match.request_id, match.volunteer_id)
        assert claim.accepted_at == match.confirmed_at == event.confirmed_at
        assert claim.decided_by.is_coordinator
        assert claim.ends_on > utcnow().date()  # the commitment still runs
    for title in CONFIRMED:
        help_request = db.session.scalar(sa.select(HelpRequest).where(HelpRequest.title == title))
        assert help_request.status == "in_progress"
        seats = db.session.scalars(sa.select(Claim).where(Claim.request_id == help_request.id,
                                                          Claim.status.in_(SEAT_CLAIM_STATUSES))).all()
        assert {c.id for c in seats} == {m.claim_id for m in confirmed if m.request_id == help_request.id}
        # The team the engine formed posts the request's check-ins, all after the event.
        checkins = db.session.scalars(sa.select(CheckIn).where(CheckIn.request_id == help_request.id)).all()
        assert checkins and {c.author_id for c in checkins} <= {c.volunteer_id for c in seats}
        assert all(c.created_at > event.confirmed_at for c in checkins)
    # Proposals the coordinator left unconfirmed stay proposals; their requests are still open.
    for match in matches:
        if match.confirmed_at is None:
            assert match.claim_id is None and match.help_request.status == "open"


def test_the_past_event_s_records_sit_on_its_day(db, summary) -> None:
    event = _event(db, PAST)
    day = event.starts_at.date()
    steps = ("event.matching", "event.matched", "event.match_confirmed", "event.confirmed", "event.closed")
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(steps))).all()
    assert {a.action for a in audit} == set(steps)
    assert all(a.at.date() == day for a in audit)
    titles = sa.select(HelpRequest.id).where(HelpRequest.title.in_(CONFIRMED))
    joined = db.session.scalars(sa.select(TimelineEntry).where(
        TimelineEntry.request_id.in_(titles), TimelineEntry.kind == "claim_accepted")).all()
    assert joined and all(e.at == event.confirmed_at for e in joined)


def test_the_upcoming_event_takes_sign_ups_with_a_waiting_list(db, summary) -> None:
    event = _event(db, UPCOMING)
    now = utcnow()
    assert event.status == "registration" and event.city == "上海" and event.description
    assert event.created_at < event.published_at < now < event.registration_closes_at < event.starts_at
    assert timedelta(days=9) < event.starts_at - now < timedelta(days=11)
    featured = event.help_requests
    assert len(featured) >= 4 and all(r.status == "open" for r in featured)
    registrations = _registrations(db, event)
    assert len(registrations) == 12
    statuses = [r.status for r in registrations]
    registered = statuses.count("registered")
    # The first to register hold the places; those after them wait in order.
    assert registered == event.capacity and statuses == ["registered"] * registered + ["waitlisted"] * 2
    featured_ids = {r.id for r in featured}
    assert all(r.preferences and set(r.preferences) <= featured_ids for r in registrations)
    assert all(r.check_in_code and r.attended_at is None and r.created_at < now for r in registrations)
    assert _matches(db, event) == []  # the coordinator runs the engine once people have checked in
    # The demo volunteer whose account the README names can still try registering.
    assert summary.accounts["volunteer"].id not in {r.volunteer_id for r in registrations}


def test_the_summary_counts_events_registrations_and_matches(db, summary) -> None:
    assert summary.counts["matching events"] == 2
    assert summary.counts["event registrations"] == 27
    assert summary.counts["event matches"] == db.session.scalar(sa.select(sa.func.count(EventMatch.id)))
    assert summary.counts["claims"] == db.session.scalar(sa.select(sa.func.count(Claim.id)))
    assert "2 matching events, 27 event registrations," in summary.line()

"""The request status machine: every move in the table works and is recorded; every other is refused."""

from __future__ import annotations

from itertools import product

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.core.errors import Conflict
from app.core.models import AuditEvent
from app.extensions import db as database
from app.requests.models import REQUEST_STATUSES, HelpRequest, TimelineEntry
from app.requests.status import TRANSITIONS, transition
from app.requests.timeline.services import add_entry, public_timeline
from tests.factories import make_request, make_user

ALLOWED = sorted((a, b) for a, nexts in TRANSITIONS.items() for b in nexts)
FORBIDDEN = sorted((a, b) for a, b in product(REQUEST_STATUSES, repeat=2) if (a, b) not in ALLOWED)
TIMESTAMP = {"intake": "submitted_at", "delivered": "delivered_at", "withdrawn": "withdrawn_at"}


def pair_id(pair: tuple[str, str]) -> str:
    return f"{pair[0]}->{pair[1]}"


@pytest.fixture(autouse=True)
def english_reasons():
    # Outside a request the default locale (Chinese) applies; these tests read the English source text.
    with force_locale("en"):
        yield


def timeline_of(request: HelpRequest) -> list[TimelineEntry]:
    return public_timeline(request.id, include_private=True)


def audit_of(request: HelpRequest) -> list[AuditEvent]:
    return list(database.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.target_type == "help_requests", AuditEvent.target_id == request.id)))


def test_table_covers_every_status_and_names_only_real_ones():
    assert set(TRANSITIONS) == set(REQUEST_STATUSES)
    assert all(nexts <= set(REQUEST_STATUSES) for nexts in TRANSITIONS.values())
    assert TRANSITIONS["delivered"] == TRANSITIONS["withdrawn"] == frozenset()


@pytest.mark.parametrize("pair", ALLOWED, ids=pair_id)
def test_allowed_move_changes_status_and_is_recorded(db, pair):
    current, to = pair
    coordinator = make_user("coordinator")
    request = make_request(status=current)
    db.session.commit()

    entry = transition(request, to, by=coordinator, note="checked with the nonprofit")
    db.session.commit()

    request = db.session.get(HelpRequest, request.id)
    assert request.status == to
    if to in TIMESTAMP:
        assert getattr(request, TIMESTAMP[to]) is not None
    assert [(e.kind, e.detail) for e in timeline_of(request)] == [
        ("status_changed", {"from": current, "to": to, "note": "checked with the nonprofit"})]
    assert entry.actor_id == coordinator.id and entry.summary and entry.is_public
    [event] = audit_of(request)
    assert event.action == "request.status_changed"
    assert event.actor_id == coordinator.id
    assert event.detail["from"] == current and event.detail["to"] == to


@pytest.mark.parametrize("pair", FORBIDDEN, ids=pair_id)
def test_forbidden_move_is_refused_with_a_reason_and_leaves_no_trace(db, pair):
    current, to = pair
    request = make_request(status=current)
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        transition(request, to, by=make_user("coordinator"))
    db.session.commit()

    assert refused.value.status == 409
    assert refused.value.message.endswith(".")
    assert "current state" not in refused.value.message  # a specific reason, not the generic one
    assert db.session.get(HelpRequest, request.id).status == current
    assert timeline_of(request) == []
    assert audit_of(request) == []


@pytest.mark.parametrize(("current", "to", "reason"), [
    ("delivered", "withdrawn", "A delivered request can't be withdrawn."),
    ("draft", "open", "Only a request in intake can be published."),
    ("in_progress", "delivered", "Only a request in review can be marked delivered."),
    ("withdrawn", "open", "A withdrawn request is closed and can't change any more."),
    ("open", "open", "The request already has this status."),
    ("open", "archived", "“archived” is not a request status."),
])
def test_refusal_says_why(db, current, to, reason):
    request = make_request(status=current)
    with pytest.raises(Conflict, match=reason):
        transition(request, to, by=None)


def test_publishing_stamps_the_date_and_reopening_keeps_it(db):
    request = make_request(status="intake")
    coordinator = make_user("coordinator")
    transition(request, "open", by=coordinator)
    published_at = request.published_at
    assert published_at is not None

    transition(request, "in_progress", by=None)
    transition(request, "open", by=coordinator, note="all seats released")
    db.session.commit()

    assert db.session.get(HelpRequest, request.id).published_at == published_at


def test_transition_leaves_the_commit_to_the_calling_service(db):
    request = make_request(status="open")
    db.session.commit()

    transition(request, "withdrawn", by=make_user("nonprofit"))
    db.session.rollback()

    assert db.session.get(HelpRequest, request.id).status == "open"
    assert timeline_of(request) == []


def test_a_whole_journey_reads_like_parcel_tracking(db):
    request = make_request(status="draft")
    staff = request.organization.memberships[0].user
    coordinator = make_user("coordinator")
    for to, by in [("intake", staff), ("draft", coordinator), ("intake", staff), ("open", coordinator),
                   ("in_progress", None), ("in_review", None), ("in_progress", staff),
                   ("in_review", None), ("delivered", staff)]:
        transition(request, to, by=by)
    db.session.commit()

    steps = [(e.detail["from"], e.detail["to"]) for e in public_timeline(request.id)]
    assert steps == [("draft", "intake"), ("intake", "draft"), ("draft", "intake"), ("intake", "open"),
                     ("open", "in_progress"), ("in_progress", "in_review"), ("in_review", "in_progress"),
                     ("in_progress", "in_review"), ("in_review", "delivered")]
    assert request.delivered_at is not None and request.withdrawn_at is None


def test_private_timeline_entries_stay_off_the_public_timeline(db):
    request = make_request(status="in_progress")
    volunteer = make_user("volunteer")
    add_entry(request, "checkin", actor=volunteer, summary="Check-in posted.", detail={"hours": 3})
    add_entry(request, "stalled_nudge", actor=None, summary="Coordinator nudged the team.", is_public=False)
    db.session.commit()

    assert [e.kind for e in public_timeline(request.id)] == ["checkin"]
    assert [e.kind for e in public_timeline(request.id, include_private=True)] == ["checkin", "stalled_nudge"]
    assert public_timeline(request.id)[0].actor_id == volunteer.id

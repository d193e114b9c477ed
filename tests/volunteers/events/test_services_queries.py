"""Event reads the services, API and pages share: what they return, and that the number of SQL statements
stays the same however many engineers, requests and matches an event has (no N+1)."""

from __future__ import annotations

import pytest

from app.core.db import utcnow
from app.extensions import db as database
from app.volunteers.events import queries
from app.volunteers.events.board import queries as board
from app.volunteers.events.board import services as board_services
from app.volunteers.events.registrations import queries as registrations
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import EN, count_statements
from tests.volunteers.events.samples import make_event, make_registration

pytestmark = pytest.mark.usefixtures("english")


def matched_event(size: int):
    """An event with `size` featured requests of two seats and 2×`size` + 1 engineers checked in, matched
    and half confirmed."""
    coordinator = make_user("coordinator")
    requests = [make_request(status="open", team_size=2, skills=["python", "postgresql"])
                for _ in range(size)]
    event = make_event(coordinator, capacity=1000, requests=requests)
    for n in range(2 * size + 1):  # one more than the seats: someone stays unmatched, with why
        make_registration(event, make_volunteer(name=f"Engineer {n}", skills={"python": 1 + n % 5}),
                          attended_at=utcnow(), preferences=[requests[n % size].id, requests[0].id])
    make_registration(event, make_volunteer(name="Waiting"), status="waitlisted")
    database.session.commit()
    board_services.run_matching(event, coordinator)
    proposals = [(m.volunteer_id, m.request_id) for m in board.event_matches(event)]
    board_services.confirm_matches(event, coordinator, proposals[: len(proposals) // 2])
    database.session.expire_all()
    return database.session.get(type(event), event.id), coordinator


READS = {
    "board": lambda event, _viewer: board.board(event),
    "report": lambda event, _viewer: board.report(event),
    "report_rows": lambda event, _viewer: board.report_rows(event),
    "checkin_list": lambda event, _viewer: [r.volunteer.name
                                            for r in registrations.checkin_list(event, "engineer")],
    "event_with_requests": lambda event, _viewer: [
        (r.help_request.organization.name, [s.slug for s in r.help_request.skills])
        for r in queries.event_with_requests(event).requests],
    "events_listing": lambda _event, viewer: queries.events_listing(viewer),
}


def statements_for(app, read, event, viewer) -> int:
    """Statements one read runs in a page's own app context (nothing cached from earlier reads)."""
    with app.app_context(), app.test_request_context(headers=EN):
        event = database.session.get(type(event), event.id)
        viewer = database.session.get(type(viewer), viewer.id)
        with count_statements() as statements:
            read(event, viewer)
        database.session.remove()
    return len(statements)


def test_reads_run_as_many_statements_for_a_big_event_as_for_a_small_one(app, db):
    small, viewer = matched_event(2)
    small_counts = {name: statements_for(app, read, small, viewer) for name, read in READS.items()}
    big, _ = matched_event(8)
    make_event(viewer, name="Another event")
    database.session.commit()

    big_counts = {name: statements_for(app, read, big, viewer) for name, read in READS.items()}

    assert big_counts == small_counts


def test_event_with_requests_counts_who_ranked_each_request(db):
    coordinator = make_user("coordinator")
    first, second = make_request(status="open", team_size=3), make_request(status="open")
    event = make_event(coordinator, requests=[first, second])
    make_registration(event, make_volunteer(), preferences=[first.id, second.id])
    make_registration(event, make_volunteer(), status="waitlisted", preferences=[second.id])
    make_registration(event, make_volunteer(), status="cancelled", preferences=[first.id])
    database.session.commit()

    detail = queries.event_with_requests(event)

    assert [(r.help_request.id, r.seats_free, r.ranked_count, r.first_choice_count)
            for r in detail.requests] == [(first.id, 3, 1, 1), (second.id, 1, 2, 1)]
    assert (detail.registered_count, detail.waitlisted_count) == (1, 1)


def test_drafts_are_listed_for_coordinators_only(db):
    coordinator = make_user("coordinator")
    make_event(coordinator, status="planned", name="Draft")
    make_event(coordinator, status="registration", name="Published")
    volunteer = make_volunteer()
    database.session.commit()

    assert [c.event.name for c in queries.events_listing(coordinator)] == ["Draft", "Published"]
    assert [c.event.name for c in queries.events_listing(volunteer)] == ["Published"]
    assert [c.event.name for c in queries.events_listing(None)] == ["Published"]


def test_the_report_and_its_csv_say_who_matched_where_without_private_data(db):
    event, _coordinator = matched_event(2)

    report = board.report(event)
    rows = board.report_rows(event)

    confirmed = sum(len(p.confirmed) for p in report.projects)
    assert confirmed == report.summary.confirmed_count > 0
    assert report.attendance_rate == 1.0  # everyone registered checked in
    assert {person.volunteer.name for person in report.unmatched}  # proposed but not confirmed, with why
    assert all(person.reasons for person in report.unmatched)
    text = "\n".join(",".join(str(cell) for cell in row) for row in rows)
    assert "@example.org" not in text and "+86" not in text
    assert len(rows) == 1 + report.summary.proposal_count + report.summary.confirmed_count

"""Check-in duties with a frozen clock: reminder two days before, a nudge when overdue, stalled after two
periods (the nonprofit told), each sent once however many ticks; a check-in starts the period again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.jobs import services as core_jobs
from app.requests.models import HelpRequest
from app.search import engine
from app.volunteers.models import Claim
from app.volunteers.progress import jobs as progress_jobs
from app.volunteers.progress import queries as progress_queries
from app.volunteers.progress import services as checkins
from tests.helpers import emails_to, fresh, notification_kinds, timeline_kinds

pytestmark = pytest.mark.usefixtures("english")

# The team started at 10:00 Shanghai time on Monday 2 November 2026; it checks in weekly.
STARTED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
DUE_END = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)  # midnight after Monday 9 November in Shanghai


@pytest.fixture
def weekly(db, project, team):
    db.session.execute(sa.update(Claim).where(Claim.request_id == project.help_request.id)
                       .values(accepted_at=STARTED))
    project.help_request.checkin_cadence = "weekly"
    db.session.commit()
    return project


def test_the_team_is_reminded_two_days_before_the_checkin_is_due_once(weekly, team):
    assert progress_jobs.remind_checkins(now=DUE_END - timedelta(days=2, minutes=1)) == 0
    assert progress_jobs.remind_checkins(now=DUE_END - timedelta(days=1)) == 1
    assert progress_jobs.remind_checkins(now=DUE_END - timedelta(hours=2)) == 0

    for member in (team.lead, team.member):
        [email] = emails_to(member)
        assert email.subject == "A check-in on “Map of food donors and families” is due soon"
        assert "due by November 9, 2026" in email.body_text
        assert notification_kinds(member) == ["checkin_reminder"]
    assert emails_to(team.outsider) == [] and emails_to(weekly.staff) == []


def test_an_overdue_checkin_brings_one_nudge(weekly, team):
    assert progress_jobs.nudge_overdue_checkins(now=DUE_END - timedelta(minutes=1)) == 0
    assert progress_jobs.nudge_overdue_checkins(now=DUE_END + timedelta(hours=1)) == 1
    assert progress_jobs.nudge_overdue_checkins(now=DUE_END + timedelta(days=3)) == 0
    [email] = emails_to(team.lead)
    assert email.subject == "The check-in on “Map of food donors and families” is overdue"


def test_two_silent_periods_mark_the_request_stalled_and_tell_the_nonprofit_once(weekly, team):
    stalled_from = DUE_END + timedelta(days=7)
    assert progress_jobs.mark_stalled_requests(now=stalled_from - timedelta(minutes=1)) == 0
    assert progress_jobs.mark_stalled_requests(now=stalled_from) == 1
    assert progress_jobs.mark_stalled_requests(now=stalled_from + timedelta(days=1)) == 0

    request = fresh(HelpRequest, weekly.help_request.id)
    assert request.is_stalled and request.stalled_at == stalled_from
    assert timeline_kinds(request).count("stalled") == 1
    [email] = emails_to(weekly.staff)
    assert email.subject == "The team of “Map of food donors and families” has gone quiet"
    assert "two check-in periods ago" in email.body_text
    assert notification_kinds(weekly.staff) == ["request_stalled"]


def test_a_checkin_starts_a_new_period_and_clears_the_stall(db, weekly, team):
    progress_jobs.mark_stalled_requests(now=DUE_END + timedelta(days=8))
    checkins.post_checkin(fresh(HelpRequest, weekly.help_request.id), team.lead, summary="Back at it",
                          now=DUE_END + timedelta(days=9))
    request = fresh(HelpRequest, weekly.help_request.id)
    assert not request.is_stalled
    # checked in at midnight 19 November in Shanghai: due by the end of 26 November, reminded on the 25th
    assert progress_jobs.remind_checkins(now=datetime(2026, 11, 24, 15, 59, tzinfo=UTC)) == 0
    assert progress_jobs.remind_checkins(now=datetime(2026, 11, 24, 16, 0, tzinfo=UTC)) == 1


def test_requests_without_a_team_or_not_in_progress_are_left_alone(db, project):
    assert progress_jobs.mark_stalled_requests(now=DUE_END + timedelta(days=60)) == 0
    assert progress_jobs.remind_checkins(now=DUE_END + timedelta(days=60)) == 0


def test_the_tick_runs_the_checkin_duties(weekly):
    report = core_jobs.tick()
    assert {"checkins.remind", "checkins.nudge_overdue", "checkins.mark_stalled"} <= set(report)
    assert report["checkins.mark_stalled"] == 1  # long past two weeks without a check-in


def test_flask_jobs_tick_runs_the_scans(runner, weekly):
    result = runner.invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert "checkins.mark_stalled: 1" in result.output
    assert fresh(HelpRequest, weekly.help_request.id).is_stalled


def test_a_coordinator_releases_a_silent_member_and_the_seat_reopens(db, weekly, team):
    from app.volunteers.claims import services as claims

    progress_jobs.mark_stalled_requests(now=DUE_END + timedelta(days=8))
    silent = db.session.scalar(sa.select(Claim).where(Claim.volunteer_id == team.member.id))
    claims.release_claim(silent, weekly.coordinator, "No answer to three e-mails.")

    request = fresh(HelpRequest, weekly.help_request.id)
    assert (request.status, request.seats_taken, request.seats_free) == ("in_progress", 1, 1)
    assert progress_queries.accepted_team(request) == [team.lead]
    assert "claim_released" in timeline_kinds(request)


def test_a_released_seat_puts_the_stalled_request_back_in_search_for_free_seats(db, weekly, team):
    from app.volunteers.claims import services as claims

    before = engine.search("", filters={"has_free_seats": True}).ids
    assert weekly.help_request.id not in before  # a full team is not looking for anyone

    progress_jobs.mark_stalled_requests(now=DUE_END + timedelta(days=8))
    silent = db.session.scalar(sa.select(Claim).where(Claim.volunteer_id == team.member.id))
    claims.release_claim(silent, weekly.coordinator, "No answer to three e-mails.")

    after = engine.search("", filters={"has_free_seats": True}).ids
    assert weekly.help_request.id in after

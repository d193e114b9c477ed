"""Due dates by cadence, counted on the team's local calendar across month ends and clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.volunteers.progress import cadence


@pytest.mark.parametrize(("start", "kind", "expected"), [
    (date(2026, 1, 28), "weekly", date(2026, 2, 4)),
    (date(2026, 12, 25), "biweekly", date(2027, 1, 8)),
    (date(2026, 1, 31), "monthly", date(2026, 2, 28)),
    (date(2028, 1, 31), "monthly", date(2028, 2, 29)),
    (date(2026, 3, 31), "monthly", date(2026, 4, 30)),
    (date(2026, 12, 15), "monthly", date(2027, 1, 15)),
])
def test_a_period_moves_on_by_the_calendar(start, kind, expected):
    assert cadence.add_periods(start, kind) == expected


def test_two_monthly_periods_from_the_end_of_january_land_on_the_end_of_march():
    assert cadence.add_periods(date(2026, 1, 31), "monthly", 2) == date(2026, 3, 31)


def test_the_due_day_is_the_teams_local_day():
    # 20:00 UTC on 31 January is already 1 February in Shanghai.
    anchor = datetime(2026, 1, 31, 20, 0, tzinfo=UTC)
    assert cadence.due_on(anchor, "monthly", "Asia/Shanghai") == date(2026, 3, 1)
    assert cadence.due_on(anchor, "monthly", "Europe/London") == date(2026, 2, 28)


def test_a_checkin_is_overdue_at_the_end_of_the_local_due_day():
    anchor = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    overdue = cadence.due_at(anchor, "weekly", "Asia/Shanghai")
    assert overdue == datetime(2026, 11, 9, 16, 0, tzinfo=UTC)  # midnight 10 Nov in Shanghai
    assert overdue.astimezone(ZoneInfo("Asia/Shanghai")).date() == date(2026, 11, 10)


def test_a_clock_change_does_not_move_the_due_day():
    # Berlin leaves summer time on 25 October 2026: the weekly period still ends at local midnight.
    anchor = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    overdue = cadence.due_at(anchor, "weekly", "Europe/Berlin")
    assert overdue == datetime(2026, 10, 27, 23, 0, tzinfo=UTC)  # 00:00 CET on 28 October


def test_the_reminder_comes_two_days_before_and_stalling_after_two_periods():
    anchor = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    assert cadence.remind_at(anchor, "biweekly", "UTC") == datetime(2026, 11, 15, tzinfo=UTC)
    assert cadence.stalled_at(anchor, "biweekly", "UTC") == datetime(2026, 12, 1, tzinfo=UTC)
    assert cadence.stalled_at(anchor, "biweekly", "UTC") - cadence.due_at(anchor, "biweekly", "UTC") \
        == timedelta(days=14)


def test_naive_moments_are_read_as_utc_and_unknown_zones_fall_back_to_shanghai():
    naive = datetime(2026, 1, 31, 20, 0)
    assert cadence.local_day(naive, "No/Such_Zone") == date(2026, 2, 1)
    with pytest.raises(ValueError):
        cadence.add_periods(date(2026, 1, 1), "daily")

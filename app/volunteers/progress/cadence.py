"""Check-in cadence: when the next check-in is due, counted in the team's own time zone.

Pure functions, no Flask and no database. A period runs from an anchor (the last check-in, or
the day the team started) to the same wall-clock day one week, two weeks or one calendar month
later; a check-in is due by the end of that local day. Months clamp at their end (31 January +
one month is 28 or 29 February), and days are counted on the local calendar, so a daylight
saving change never moves a due date.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CADENCES = ("weekly", "biweekly", "monthly")
DEFAULT_TIMEZONE = "Asia/Shanghai"
REMIND_BEFORE = timedelta(days=2)  # the team hears this long before a check-in is due
STALLED_AFTER_PERIODS = 2  # no check-in for this many periods: the request is stalled


def zone(name: str | None) -> ZoneInfo:
    """The named IANA time zone, or Asia/Shanghai for a missing or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def add_periods(day: date, cadence: str, periods: int = 1) -> date:
    """`day` moved on by whole periods of the cadence; months keep the day or clamp to the month's end.

    Raises ValueError for an unknown cadence.
    """
    if cadence == "weekly":
        return day + timedelta(weeks=periods)
    if cadence == "biweekly":
        return day + timedelta(weeks=2 * periods)
    if cadence == "monthly":
        month_index = day.month - 1 + periods
        year, month = day.year + month_index // 12, month_index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"unknown cadence {cadence!r}")


def local_day(moment: datetime, timezone: str | None) -> date:
    """The calendar day `moment` falls on in the time zone (naive datetimes are read as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(timezone)).date()


def end_of_day(day: date, timezone: str | None) -> datetime:
    """The UTC instant the local day ends (the next local midnight)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone(timezone)).astimezone(UTC)


def due_on(anchor: datetime, cadence: str, timezone: str | None, periods: int = 1) -> date:
    """The local day the check-in is due, `periods` periods after the anchor's local day."""
    return add_periods(local_day(anchor, timezone), cadence, periods)


def due_at(anchor: datetime, cadence: str, timezone: str | None, periods: int = 1) -> datetime:
    """The UTC instant a check-in becomes overdue: the end of the local due day."""
    return end_of_day(due_on(anchor, cadence, timezone, periods), timezone)


def remind_at(anchor: datetime, cadence: str, timezone: str | None) -> datetime:
    """The UTC instant the team is reminded: two days before the check-in is overdue."""
    return due_at(anchor, cadence, timezone) - REMIND_BEFORE


def stalled_at(anchor: datetime, cadence: str, timezone: str | None) -> datetime:
    """The UTC instant a request without a check-in since `anchor` counts as stalled."""
    return due_at(anchor, cadence, timezone, STALLED_AFTER_PERIODS)

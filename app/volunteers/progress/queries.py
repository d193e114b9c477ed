"""Reading check-ins: a request's team, its check-ins, when the next is due, and the projects gone quiet.

Nothing here changes state; posting, answering and nudging live in `app.volunteers.progress.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.core.db import utcnow
from app.core.errors import NotAllowed, NotFound
from app.core.models import User
from app.core.policy import can
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.organizations.queries import organization_staff
from app.requests.policy import can_view_request
from app.volunteers.models import CheckIn, CheckInReply, Claim, VolunteerProfile
from app.volunteers.progress import cadence
from app.volunteers.progress.cadence import DEFAULT_TIMEZONE


def accepted_team(help_request: HelpRequest) -> list[User]:
    """The volunteers holding accepted seats on the request, lead first."""
    return list(db.session.scalars(
        sa.select(User).join(Claim, Claim.volunteer_id == User.id)
        .where(Claim.request_id == help_request.id, Claim.status == "accepted")
        .order_by(Claim.role, Claim.accepted_at, Claim.id)))


def team_timezone(help_request: HelpRequest) -> str:
    """The time zone due dates are counted in: the lead's (or first member's) profile, else Shanghai."""
    zone = db.session.scalar(
        sa.select(VolunteerProfile.timezone)
        .join(Claim, Claim.volunteer_id == VolunteerProfile.user_id)
        .where(Claim.request_id == help_request.id, Claim.status == "accepted")
        .order_by(Claim.role, Claim.accepted_at, Claim.id).limit(1))
    return zone or DEFAULT_TIMEZONE


def team_started_at(help_request: HelpRequest) -> datetime | None:
    """When the earliest member of the current team was accepted, or None without a team."""
    return db.session.scalar(sa.select(sa.func.min(Claim.accepted_at)).where(
        Claim.request_id == help_request.id, Claim.status == "accepted"))


def get_checkin(checkin_id: int, viewer: User | None) -> CheckIn:
    """The check-in, if the viewer may see its request; raises NotFound otherwise."""
    checkin = db.session.scalar(sa.select(CheckIn).where(CheckIn.id == checkin_id)
                                .options(joinedload(CheckIn.help_request)))
    if checkin is None or not can_view_request(viewer, checkin.help_request):
        raise NotFound()
    return checkin


def checkins_query(help_request: HelpRequest) -> sa.Select:
    """The request's check-ins, newest first, with authors and replies loaded."""
    return (sa.select(CheckIn).where(CheckIn.request_id == help_request.id)
            .options(joinedload(CheckIn.author),
                     selectinload(CheckIn.replies).joinedload(CheckInReply.author))
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()))


def recent_checkins(help_request: HelpRequest, limit: int = 10) -> list[CheckIn]:
    """The request's latest check-ins, newest first."""
    return list(db.session.scalars(checkins_query(help_request).limit(limit)).unique())


@dataclass(frozen=True)
class Schedule:
    """Where a request stands in its check-in period (UTC instants, counted on the team's calendar)."""

    anchor: datetime
    timezone: str
    remind_at: datetime
    due_at: datetime
    stalled_at: datetime

    @property
    def due_on(self) -> date:
        """The team's local day the check-in is due (due_at is the end of that day)."""
        return cadence.local_day(self.due_at - timedelta(seconds=1), self.timezone)


def aware(moment: datetime) -> datetime:
    """The moment as an aware UTC datetime (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def schedule_of(help_request: HelpRequest) -> Schedule | None:
    """The request's check-in schedule, or None while it has no team to report."""
    anchor = help_request.last_checkin_at or team_started_at(help_request)
    if anchor is None:
        return None
    anchor, zone = aware(anchor), team_timezone(help_request)
    kind = help_request.checkin_cadence
    return Schedule(anchor, zone, cadence.remind_at(anchor, kind, zone), cadence.due_at(anchor, kind, zone),
                    cadence.stalled_at(anchor, kind, zone))


@dataclass(frozen=True)
class WatchedProject:
    """A request in progress as coordinators see it: stalled or overdue, last activity, the team's claims."""

    help_request: HelpRequest
    schedule: Schedule
    team: list[Claim]

    @property
    def is_overdue(self) -> bool:
        return self.help_request.is_stalled or self.schedule.due_at <= utcnow()


def needs_attention(viewer: User, now: datetime | None = None, limit: int = 100) -> list[WatchedProject]:
    """Requests in progress whose check-in is overdue: stalled ones first, then the longest silent.

    Raises NotAllowed for anyone but a coordinator (the list carries the team's contacts).
    """
    if not can(viewer, "request.needs_attention"):
        raise NotAllowed()
    now = aware(now or utcnow())
    requests = db.session.scalars(sa.select(HelpRequest).where(HelpRequest.status == "in_progress")
                                  .options(joinedload(HelpRequest.organization)).order_by(HelpRequest.id))
    watched = []
    for help_request in requests:
        schedule = schedule_of(help_request)
        if schedule is None or not (help_request.is_stalled or schedule.due_at <= now):
            continue
        team = list(db.session.scalars(
            sa.select(Claim).where(Claim.request_id == help_request.id, Claim.status == "accepted")
            .options(joinedload(Claim.volunteer)).order_by(Claim.role, Claim.accepted_at, Claim.id)))
        watched.append(WatchedProject(help_request, schedule, team))
    watched.sort(key=lambda item: (not item.help_request.is_stalled, item.schedule.anchor))
    return watched[:limit]


def staff_contacts(help_request: HelpRequest) -> list[User]:
    """The organisation's staff, for a coordinator's list."""
    return organization_staff(help_request.organization_id, include_blocked=True)

"""Check-in duties for `flask jobs tick`: remind the team, nudge when overdue, mark silent requests stalled.

Periods are counted from the last check-in (or the day the team started) on the team's local
calendar (`app.volunteers.progress.cadence`). Duties are idempotent: a reminder or nudge is sent once per
period, recorded as an audit event stamped with the tick's time, and a request becomes stalled
through a conditional UPDATE, so a second tick sends nothing twice. On PostgreSQL two ticks at once
don't either: the reminder check runs under a lock on the request's row.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.i18n import N_
from app.core.jobs.services import periodic
from app.core.mail import send_email
from app.core.models import AuditEvent, Notification
from app.core.urls import public_url_context
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.organizations.queries import organization_staff
from app.requests.timeline.services import add_entry
from app.volunteers.models import CheckIn
from app.volunteers.progress.queries import Schedule, accepted_team, aware, schedule_of

WATCHED_STATUSES = ("in_progress",)  # a delivery under review has nothing to report on
DUTY_BATCH = 500
REMINDER, NUDGE = "checkin.reminder_sent", "checkin.nudge_sent"


def _watched() -> list[HelpRequest]:
    return list(db.session.scalars(
        sa.select(HelpRequest).where(HelpRequest.status.in_(WATCHED_STATUSES))
        .order_by(HelpRequest.id).limit(DUTY_BATCH)))


def _sent_since(action: str, help_request: HelpRequest, since: datetime) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == action, AuditEvent.target_type == "help_requests",
        AuditEvent.target_id == help_request.id, AuditEvent.at >= since))))


def tell_team(help_request: HelpRequest, template: str, subject: str, schedule: Schedule) -> int:
    """E-mail (kind `checkins`) and notify every accepted team member; returns how many were told."""
    link = url_for("requests.view_request", request_id=help_request.id)
    due_day = schedule.due_on
    told = 0
    for member in accepted_team(help_request):
        if member.is_blocked:
            continue
        send_email(member, "checkins", subject, f"progress/{template}",
                   subject_params={"title": help_request.title}, help_request=help_request, due_on=due_day,
                   request_url=url_for("requests.view_request", request_id=help_request.id, _external=True))
        db.session.add(Notification(user_id=member.id, kind=template, link=link,
                                    params={"request_id": help_request.id, "title": help_request.title}))
        told += 1
    return told


def _send_once(action: str, template: str, subject: str, now: datetime,
               window: tuple[str, str]) -> int:
    """For each watched request inside its `window` (two Schedule fields), tell the team once per period."""
    sent = 0
    with public_url_context():  # e-mails link to the site, also when called outside a tick
        for help_request in _watched():
            sent += _send_for(help_request, action, template, subject, now, window)
    return sent


def _send_for(help_request: HelpRequest, action: str, template: str, subject: str, now: datetime,
              window: tuple[str, str]) -> int:
    """Tell one request's team if `now` is inside its window and nothing was sent this period; commits."""
    schedule = schedule_of(help_request)
    if schedule is None:
        return 0
    start, end = getattr(schedule, window[0]), getattr(schedule, window[1])
    if not start <= now < end:
        return 0
    # Two ticks at once: the row lock makes the second wait and then see the first one's audit event.
    db.session.execute(sa.select(HelpRequest.id).where(HelpRequest.id == help_request.id).with_for_update())
    if _sent_since(action, help_request, schedule.anchor):
        db.session.rollback()
        return 0
    told = tell_team(help_request, template, subject, schedule)
    if told:
        event = audit.record(action, help_request, due_at=schedule.due_at.isoformat())
        event.at = now  # the tick's time (frozen in tests): the next period is judged against it
    db.session.commit()
    return 1 if told else 0


@periodic("checkins.remind")
def remind_checkins(now: datetime | None = None) -> int:
    """Duty: remind the team two days before a check-in is due, once per period; returns how many teams."""
    return _send_once(REMINDER, "checkin_reminder", N_("A check-in on “%(title)s” is due soon"),
                      aware(now or utcnow()), ("remind_at", "due_at"))


@periodic("checkins.nudge_overdue")
def nudge_overdue_checkins(now: datetime | None = None) -> int:
    """Duty: nudge the team once when a check-in is overdue (before it stalls); returns how many teams."""
    return _send_once(NUDGE, "checkin_overdue", N_("The check-in on “%(title)s” is overdue"),
                      aware(now or utcnow()), ("due_at", "stalled_at"))


@periodic("checkins.mark_stalled")
def mark_stalled_requests(now: datetime | None = None) -> int:
    """Duty: mark requests without a check-in for two periods as stalled and tell the nonprofit.

    The flag is set by a conditional UPDATE, so each request is marked (and the staff told) once
    until a new check-in clears it. Returns how many were marked.
    """
    now = aware(now or utcnow())
    marked = 0
    with public_url_context():
        for help_request in _watched():
            marked += _mark_if_silent(help_request, now)
    return marked


def _mark_if_silent(help_request: HelpRequest, now: datetime) -> int:
    """Mark one request stalled if two periods passed without a check-in; commits; 1 if it was marked."""
    schedule = schedule_of(help_request)
    if help_request.is_stalled or schedule is None or now < schedule.stalled_at:
        return 0
    flipped = db.session.execute(
        sa.update(HelpRequest).where(HelpRequest.id == help_request.id, HelpRequest.is_stalled.is_(False))
        .values(is_stalled=True, stalled_at=now).execution_options(synchronize_session=False)).rowcount
    if flipped:
        add_entry(help_request, "stalled", actor=None,
                  summary="No check-in for two periods: marked as stalled.",
                  detail={"since": schedule.anchor.isoformat()})
        audit.record("request.stalled", help_request, since=schedule.anchor.isoformat())
        tell_staff_stalled(help_request, schedule)
    db.session.commit()
    db.session.expire(help_request)
    return 1 if flipped else 0


def tell_staff_stalled(help_request: HelpRequest, schedule: Schedule) -> None:
    """E-mail and notify the organisation's staff that their request went quiet (in the caller's commit)."""
    link = url_for("requests.view_request", request_id=help_request.id)
    for person in organization_staff(help_request.organization_id):
        send_email(person, "checkins", N_("The team of “%(title)s” has gone quiet"),
                   "progress/stalled_notice",
                   subject_params={"title": help_request.title}, help_request=help_request,
                   last_activity=schedule.anchor,
                   request_url=url_for("requests.view_request", request_id=help_request.id, _external=True))
        db.session.add(Notification(user_id=person.id, kind="request_stalled", link=link,
                                    params={"request_id": help_request.id, "title": help_request.title}))


def send_checkin_notice(checkin_id: int) -> int:
    """Job: tell the organisation's staff about a new check-in, by e-mail (kind `checkins`) and in-app.

    Blockers go only to the staff, who may see them. Commits once; returns how many were told
    (0 for a check-in that no longer exists).
    """
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        return 0
    help_request = checkin.help_request
    staff = organization_staff(help_request.organization_id)
    with public_url_context():  # jobs run outside any request
        link = url_for("requests.view_request", request_id=help_request.id, _anchor=f"checkin-{checkin.id}")
        for person in staff:
            send_email(person, "checkins", N_("New check-in on “%(title)s”"),
                       "progress/checkin_posted",
                       subject_params={"title": help_request.title}, help_request=help_request,
                       checkin=checkin, author=checkin.author,
                       request_url=url_for("requests.view_request", request_id=help_request.id,
                                           _anchor=f"checkin-{checkin.id}", _external=True))
            db.session.add(Notification(user_id=person.id, kind="checkin_posted", link=link,
                                        params={"request_id": help_request.id, "title": help_request.title}))
    db.session.commit()
    return len(staff)

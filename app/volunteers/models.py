"""Volunteer profiles, skills, claims, check-ins, milestones, delivery, reviews and matching events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.core.db import enum_check, utcnow
from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Organization

CLAIM_ROLES = ("lead", "member")
CLAIM_STATUSES = ("pending", "accepted", "declined", "withdrawn", "released", "completed", "expired")
LIVE_CLAIM_STATUSES = ("pending", "accepted")
COMMITMENT_MONTHS = (1, 3, 6, 12)
CHECKIN_STATUSES = ("on_track", "at_risk", "blocked")
DELIVERY_STATUSES = ("submitted", "accepted", "changes_requested")
# planned: a draft only coordinators see; registration: published, engineers sign up; matching: the
# event is on (check-in, proposals); confirmed: matches became claims; closed: the outcome is public.
EVENT_STATUSES = ("planned", "registration", "matching", "confirmed", "closed")
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")
SEAT_ROLES = CLAIM_ROLES

_LIVE_CLAIM = sa.text("status IN ('pending', 'accepted')")

# Users are blocked, never hard-deleted: rows a user wrote keep their author (RESTRICT), and
# optional "by" columns fall back to NULL. Rows owned by a request go with it (CASCADE).


class VolunteerProfile(db.Model):
    """What a volunteer engineer offers: hours, place, languages, causes and links."""

    __tablename__ = "volunteer_profiles"
    __table_args__ = (
        sa.CheckConstraint("hours_per_week >= 0 AND hours_per_week <= 80", name="hours_per_week_range"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    hours_per_week: Mapped[int] = mapped_column(default=6)
    city: Mapped[str | None] = mapped_column(sa.String(100))
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Asia/Shanghai")
    remote: Mapped[bool] = mapped_column(default=True)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    causes: Mapped[list[Any]] = mapped_column(default=list)
    github_url: Mapped[str | None] = mapped_column(sa.String(255))
    portfolio_url: Mapped[str | None] = mapped_column(sa.String(255))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str | None] = mapped_column(sa.String(40))  # private
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    skills: Mapped[list[VolunteerSkill]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", passive_deletes=True)


class VolunteerSkill(db.Model):
    """A skill on a volunteer's profile, with a self-assessed level from 1 (learning) to 5 (expert)."""

    __tablename__ = "volunteer_skills"
    __table_args__ = (sa.CheckConstraint("level >= 1 AND level <= 5", name="level_range"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("volunteer_profiles.user_id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(default=3)

    profile: Mapped[VolunteerProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class Claim(db.Model):
    """A volunteer's claim on a seat of a request, as lead or member, with the hours they commit.

    The database allows one live (pending or accepted) claim per volunteer per request.
    """

    __tablename__ = "claims"
    __table_args__ = (
        enum_check("role", CLAIM_ROLES),
        enum_check("status", CLAIM_STATUSES),
        sa.CheckConstraint("hours_per_week > 0", name="hours_per_week_positive"),
        sa.CheckConstraint("commitment_months IN (1, 3, 6, 12)", name="commitment_months_valid"),
        sa.Index("uq_claims_live_request_volunteer", "request_id", "volunteer_id", unique=True,
                 sqlite_where=_LIVE_CLAIM, postgresql_where=_LIVE_CLAIM),
        sa.Index("ix_claims_volunteer_status", "volunteer_id", "status"),
        sa.Index("ix_claims_request_status", "request_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(sa.String(10), default="member")
    hours_per_week: Mapped[int]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    commitment_months: Mapped[int] = mapped_column(default=3)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    ends_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    exit_note: Mapped[str | None] = mapped_column(sa.Text)
    # What the response-window duties already sent, so a second tick sends nothing twice.
    reminded_at: Mapped[datetime | None]  # the organisation was reminded of this pending claim
    renewal_asked_at: Mapped[datetime | None]  # the volunteer was asked to renew or conclude

    help_request: Mapped[HelpRequest] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_CLAIM_STATUSES

    def __repr__(self) -> str:
        return f"<Claim {self.id} {self.status}>"


class CheckIn(db.Model):
    """A team's progress report: done, next, blockers, hours given and how the project stands."""

    __tablename__ = "checkins"
    __table_args__ = (
        enum_check("status", CHECKIN_STATUSES),
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
        sa.CheckConstraint("percent_complete >= 0 AND percent_complete <= 100",
                           name="percent_complete_range"),
        sa.Index("ix_checkins_request_created", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    blockers: Mapped[str] = mapped_column(sa.Text, default="")
    # Float, not Numeric: SQLite has no decimal type and SQLAlchemy warns on every Decimal bind.
    hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    status: Mapped[str] = mapped_column(sa.String(10), default="on_track")
    percent_complete: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    help_request: Mapped[HelpRequest] = relationship()
    author: Mapped[User] = relationship()
    replies: Mapped[list[CheckInReply]] = relationship(
        back_populates="checkin", order_by="CheckInReply.created_at",
        cascade="all, delete-orphan", passive_deletes=True)


class CheckInReply(db.Model):
    """The nonprofit's (or a teammate's) answer to a check-in."""

    __tablename__ = "checkin_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(sa.ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()


class Milestone(db.Model):
    """A dated step of the work, ticked off when done."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    help_request: Mapped[HelpRequest] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Delivery(db.Model):
    """The team's hand-over: repository, live link and notes; the nonprofit accepts or asks for changes."""

    __tablename__ = "deliveries"
    __table_args__ = (enum_check("status", DELIVERY_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    repository_url: Mapped[str] = mapped_column(sa.String(500))
    demo_url: Mapped[str | None] = mapped_column(sa.String(500))
    handover_notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="submitted")
    response_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]

    help_request: Mapped[HelpRequest] = relationship()
    submitted_by: Mapped[User | None] = relationship()


class Review(db.Model):
    """After delivery, each side reviews the other: a volunteer or the organisation is the subject."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        sa.CheckConstraint("(subject_user_id IS NULL) <> (subject_organization_id IS NULL)",
                           name="exactly_one_subject"),
        # Two partial indexes, because PostgreSQL treats NULLs as distinct in a plain unique key.
        sa.Index("uq_reviews_request_author_user", "request_id", "author_id", "subject_user_id",
                 unique=True, sqlite_where=sa.text("subject_user_id IS NOT NULL"),
                 postgresql_where=sa.text("subject_user_id IS NOT NULL")),
        sa.Index("uq_reviews_request_author_organization", "request_id", "author_id",
                 "subject_organization_id", unique=True,
                 sqlite_where=sa.text("subject_organization_id IS NOT NULL"),
                 postgresql_where=sa.text("subject_organization_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    subject_organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    help_request: Mapped[HelpRequest] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
    subject_organization: Mapped[Organization | None] = relationship()


class MatchingEvent(db.Model):
    """A matching event, in a city or online, where engineers sign up for featured requests."""

    __tablename__ = "matching_events"
    __table_args__ = (
        enum_check("status", EVENT_STATUSES),
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")  # the place, or "" when online
    online: Mapped[bool] = mapped_column(default=False)
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    capacity: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12), default="planned", index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # Each matching run bumps the version with a compare-and-set, so two runs started at once
    # store one result; the last run's unmatched volunteers and short requests, as reason codes.
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    matched_at: Mapped[datetime | None]
    matching_notes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    confirmed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()
    help_requests: Mapped[list[HelpRequest]] = relationship(
        secondary="event_requests", order_by=HelpRequest.id)
    registrations: WriteOnlyMapped[EventRegistration] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True)
    matches: WriteOnlyMapped[EventMatch] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True)


class EventRequest(db.Model):
    """A request featured at an event."""

    __tablename__ = "event_requests"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("matching_events.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True, index=True)


class EventRegistration(db.Model):
    """An engineer's sign-up for an event, with the featured requests ranked by preference.

    Past the event's capacity a registration waits (`waitlisted`); the oldest waiting one moves up
    when a registered engineer cancels. The check-in code is shown at the door.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "volunteer_id"),
        enum_check("status", REGISTRATION_STATUSES),
        sa.Index("ix_event_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("matching_events.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="registered", server_default="registered")
    check_in_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    preferences: Mapped[list[Any]] = mapped_column(default=list)  # request ids, best first
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]  # moved up from the waiting list
    cancelled_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]

    event: Mapped[MatchingEvent] = relationship(back_populates="registrations")
    volunteer: Mapped[User] = relationship()


class EventMatch(db.Model):
    """A proposed (then confirmed) seat for an engineer at an event, with the reasons for it."""

    __tablename__ = "event_matches"
    __table_args__ = (sa.UniqueConstraint("event_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("matching_events.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default="member", server_default="member")
    score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # reason codes with their figures
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]

    event: Mapped[MatchingEvent] = relationship(back_populates="matches")
    volunteer: Mapped[User] = relationship()
    help_request: Mapped[HelpRequest] = relationship()
    claim: Mapped[Claim | None] = relationship()

"""Organisations, help requests, their spec versions, discussion thread, attachments and public timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.core.db import enum_check, utcnow
from app.core.models import Skill, User
from app.extensions import db

VERIFICATION_STATES = ("pending", "verified", "rejected")
MEMBERSHIP_ROLES = ("owner", "member")
ATTACHMENT_PURPOSES = ("intake", "verification")
REQUEST_STATUSES = ("draft", "intake", "open", "in_progress", "in_review", "delivered", "withdrawn")
CHECKIN_CADENCES = ("weekly", "biweekly", "monthly")

# Users are blocked, never hard-deleted: rows a user wrote keep their author (RESTRICT), and
# optional "by" columns fall back to NULL. Rows owned by a request or organisation go with it.


class Verifiable:
    """`is_verified` from `verification`; shared by Organization and the listings' plain rows."""

    __slots__ = ()

    @property
    def is_verified(self) -> bool:
        return self.verification == "verified"  # type: ignore[attr-defined]


class Seats:
    """`seats_free` from `team_size` and `seats_taken`; shared by HelpRequest and the listings' rows."""

    __slots__ = ()

    @property
    def seats_free(self) -> int:
        return max(self.team_size - self.seats_taken, 0)  # type: ignore[attr-defined]


class Organization(Verifiable, db.Model):
    """A nonprofit: its public profile, private contact details and verification state."""

    __tablename__ = "organizations"
    __table_args__ = (enum_check("verification", VERIFICATION_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    cause_areas: Mapped[list[Any]] = mapped_column(default=list)
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    website: Mapped[str | None] = mapped_column(sa.String(255))
    registration_number: Mapped[str | None] = mapped_column(sa.String(60))
    # Private: shown only to members, coordinators and accepted team members.
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    verification: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    verification_note: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The profile's edit counter: a save names the version it was made on, and only one save moves it
    # on from there (a compare-and-set in update_organization), so no edit silently reverts another.
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    verified_by: Mapped[User | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)
    help_requests: WriteOnlyMapped[HelpRequest] = relationship(back_populates="organization")
    invitations: WriteOnlyMapped[OrganizationInvitation] = relationship(
        back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def contact(self) -> dict[str, str | None]:
        """The private contact block, in the API's shape."""
        return {"name": self.contact_name, "phone": self.contact_phone, "email": self.contact_email}

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.verification}>"


class Membership(db.Model):
    """A nonprofit staff member's place in an organisation."""

    __tablename__ = "organization_memberships"
    __table_args__ = (sa.UniqueConstraint("organization_id", "user_id"), enum_check("role", MEMBERSHIP_ROLES))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default="member")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class OrganizationInvitation(db.Model):
    """An e-mailed invitation to join an organisation. Only the SHA-256 of the token is stored."""

    __tablename__ = "organization_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="invitations")
    invited_by: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """An uploaded file: an intake example or sketch, or an organisation's verification document."""

    __tablename__ = "attachments"
    __table_args__ = (
        enum_check("purpose", ATTACHMENT_PURPOSES),
        sa.CheckConstraint("size_bytes >= 0", name="size_bytes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="intake")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    help_request: Mapped[HelpRequest | None] = relationship(back_populates="attachments")
    organization: Mapped[Organization | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class HelpRequest(Seats, db.Model):
    """A nonprofit's need, from its plain-words draft through intake, the team's work and delivery.

    `status` changes only through `app.requests.status.transition`. `seats_taken` changes only
    through a conditional UPDATE (`SET seats_taken = seats_taken + 1 WHERE ... seats_taken <
    team_size`, then check the row count): read, check, insert let 32 racing claims take one free
    seat up to 31 times on SQLite and 15 on PostgreSQL. The database keeps it within `team_size`.
    """

    __tablename__ = "help_requests"
    __table_args__ = (
        enum_check("status", REQUEST_STATUSES),
        enum_check("checkin_cadence", CHECKIN_CADENCES),
        sa.CheckConstraint("team_size >= 1", name="team_size_positive"),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= team_size", name="seats_taken_within_team"),
        sa.Index("ix_help_requests_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The nonprofit's answers, in its own words.
    title: Mapped[str] = mapped_column(sa.String(200))
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    current_process: Mapped[str] = mapped_column(sa.Text, default="")
    users: Mapped[str] = mapped_column(sa.Text, default="")
    data_kept: Mapped[str] = mapped_column(sa.Text, default="")
    must_do: Mapped[list[Any]] = mapped_column(default=list)
    rhythm: Mapped[str] = mapped_column(sa.Text, default="")
    constraints: Mapped[str] = mapped_column(sa.Text, default="")
    deadline: Mapped[date | None]
    # Workflow state.
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    team_size: Mapped[int] = mapped_column(default=1)
    seats_taken: Mapped[int] = mapped_column(default=0)
    auto_accept: Mapped[bool] = mapped_column(default=False)
    checkin_cadence: Mapped[str] = mapped_column(sa.String(10), default="biweekly")
    is_stalled: Mapped[bool] = mapped_column(default=False)
    stalled_at: Mapped[datetime | None]
    current_spec_version: Mapped[int | None]
    effort_hours: Mapped[int | None]
    remote_ok: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    last_checkin_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="help_requests")
    created_by: Mapped[User | None] = relationship()
    spec_versions: Mapped[list[SpecVersion]] = relationship(
        back_populates="help_request", order_by="SpecVersion.version",
        cascade="all, delete-orphan", passive_deletes=True)
    # Denormalised from the current spec (see RequestSkill); services keep the two in step.
    skills: Mapped[list[Skill]] = relationship(secondary="request_skills", order_by=Skill.slug)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="help_request", cascade="all, delete-orphan", passive_deletes=True)
    messages: WriteOnlyMapped[RequestMessage] = relationship(
        back_populates="help_request", cascade="all, delete-orphan", passive_deletes=True)
    timeline: WriteOnlyMapped[TimelineEntry] = relationship(
        back_populates="help_request", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def current_spec(self) -> SpecVersion | None:
        """The spec version the coordinator last saved, or None before intake."""
        if self.current_spec_version is None:
            return None
        return next((v for v in self.spec_versions if v.version == self.current_spec_version), None)

    def __repr__(self) -> str:
        return f"<HelpRequest {self.id} {self.status}>"


class RequestSkill(db.Model):
    """A skill the current spec asks for, kept as rows so lists and filters can join on it."""

    __tablename__ = "request_skills"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True)


class SpecVersion(db.Model):
    """One saved version of a request's engineer-readable spec. Every edit adds a version."""

    __tablename__ = "spec_versions"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    version: Mapped[int]
    # None when Codebridge's drafter wrote it; otherwise the coordinator who edited it.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The spec sections of the API contract: summary, background, users_and_roles, data_entities,
    # user_stories, acceptance_criteria, constraints, skills, team_size, effort_hours,
    # effort_reasoning, open_questions.
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(sa.Text)

    help_request: Mapped[HelpRequest] = relationship(back_populates="spec_versions")
    author: Mapped[User | None] = relationship()


class RequestMessage(db.Model):
    """A message in the coordinator–nonprofit discussion of a request's spec."""

    __tablename__ = "request_messages"
    __table_args__ = (sa.Index("ix_request_messages_request_created", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    help_request: Mapped[HelpRequest] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class TimelineEntry(db.Model):
    """One step on a request's public timeline, followed like a parcel.

    `kind` is snake_case English (`created`, `status_changed`, `claim_accepted`, `checkin`,
    `delivery_submitted`, `review`); `summary` is a short neutral sentence; pages translate by kind.
    """

    __tablename__ = "timeline_entries"
    __table_args__ = (sa.Index("ix_timeline_entries_request_at", "request_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_public: Mapped[bool] = mapped_column(default=True)

    help_request: Mapped[HelpRequest] = relationship(back_populates="timeline")
    actor: Mapped[User | None] = relationship()

"""Core models: accounts, API tokens, skills, audit trail, outbox, mail, notifications, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.core.db import enum_check, utcnow
from app.extensions import db

ROLES = ("nonprofit", "volunteer", "coordinator")
LOCALES = ("zh_CN", "en")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", ROLES), enum_check("locale", LOCALES))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="zh_CN")
    is_blocked: Mapped[bool] = mapped_column(default=False)
    email_preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    api_tokens: WriteOnlyMapped[ApiToken] = relationship(back_populates="user", passive_deletes=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for inactive users
        return not self.is_blocked

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_nonprofit(self) -> bool:
        return self.role == "nonprofit"

    @property
    def is_volunteer(self) -> bool:
        return self.role == "volunteer"

    # The key of the signed-in session this object was loaded for (set by the session services);
    # not a column: the database keeps only its hash, in user_sessions.
    session_key = None  # str | None; unannotated so the ORM leaves it unmapped

    def get_id(self) -> str:
        # The session key rides in the session and remember cookies, so ending its row server-side
        # ends every copy of those cookies. Without a key nothing can match (an empty key never does).
        return f"{self.id}:{self.session_key or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="api")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")


class UserSession(db.Model):
    """One signed-in browser. Its cookie carries the key; only the key's SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class BilingualName:
    """Shown in the reader's language: `name_zh` for Chinese, `name_en` otherwise.

    Shared by the Skill model and the plain rows lists read (app.requests.pages.listings).
    """

    __slots__ = ()

    def display_name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en  # type: ignore[attr-defined]


class Skill(BilingualName, db.Model):
    """One entry of the skills taxonomy (loaded from volunteers/skills.json), shared by all features."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(60), default="other")
    synonyms: Mapped[list[Any]] = mapped_column(default=list)


class AuditEvent(db.Model):
    """An append-only record of a state change: who did what to which object, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()


OUTBOX_STATES = ("pending", "enqueued", "done", "failed")


class OutboxJob(db.Model):
    """A job written in the same transaction as the change it follows, so it is never lost."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (enum_check("status", OUTBOX_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    args: Mapped[list[Any]] = mapped_column(default=list)
    queue: Mapped[str] = mapped_column(sa.String(20), default="default")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


EMAIL_STATES = ("queued", "sent", "failed")


class EmailMessage(db.Model):
    """An e-mail as composed, kept until (and after) it is sent by the mail job."""

    __tablename__ = "email_messages"
    __table_args__ = (enum_check("status", EMAIL_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(60), default="general")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class Notification(db.Model):
    """An in-app notification (the bell). The message is stored as a translatable key plus params."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


REPORT_TARGETS = ("request", "organization", "user")
REPORT_STATES = ("open", "dismissed", "actioned")


class Report(db.Model):
    """A user's report of a request, organisation or user, for the coordinators' moderation queue."""

    __tablename__ = "reports"
    __table_args__ = (enum_check("target", REPORT_TARGETS), enum_check("status", REPORT_STATES))

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    target: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)

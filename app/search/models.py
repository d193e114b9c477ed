"""Saved searches: a query and filters a user keeps, with an optional digest of new matches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import enum_check, utcnow
from app.core.models import User
from app.extensions import db

DIGEST_FREQUENCIES = ("daily", "weekly")


class SavedSearch(db.Model):
    """A named search (words plus filters) whose new matches are e-mailed daily or weekly."""

    __tablename__ = "saved_searches"
    __table_args__ = (enum_check("frequency", DIGEST_FREQUENCIES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    query: Mapped[str] = mapped_column(sa.String(500), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # skills, cause, region, status
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

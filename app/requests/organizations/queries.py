"""Organisation reads every subject shares: who an organisation's staff are."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.models import User
from app.extensions import db
from app.requests.models import Membership


def organization_staff(organization_id: int, *, include_blocked: bool = False) -> list[User]:
    """The organisation's staff in the order they joined Codebridge (by user id).

    Only those who can still sign in, unless `include_blocked` (a coordinator's contact list).
    """
    statement = (sa.select(User).join(Membership, Membership.user_id == User.id)
                 .where(Membership.organization_id == organization_id).order_by(User.id))
    if not include_blocked:
        statement = statement.where(User.is_blocked.is_(False))
    return list(db.session.scalars(statement))

"""The volunteers feature's numbers for the home page: hours given in check-ins."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.stats import stat_contributor
from app.extensions import db
from app.volunteers.models import CheckIn


@stat_contributor
def volunteer_numbers() -> dict[str, int]:
    """Hours volunteers have reported in their check-ins, rounded to whole hours."""
    hours = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckIn.hours), 0)))
    return {"hours_given": round(hours or 0)}

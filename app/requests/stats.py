"""The requests feature's numbers for the home page: organisations, open and delivered requests."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.stats import stat_contributor
from app.extensions import db
from app.requests.models import HelpRequest, Organization


@stat_contributor
def request_numbers() -> dict[str, int]:
    """Verified organisations and requests open for volunteers or delivered, in one query."""
    verified_orgs = (sa.select(sa.func.count(Organization.id))
                     .where(Organization.verification == "verified").scalar_subquery())
    open_requests = sa.func.count(HelpRequest.id).filter(HelpRequest.status == "open")
    delivered = sa.func.count(HelpRequest.id).filter(HelpRequest.status == "delivered")
    row = db.session.execute(sa.select(verified_orgs, open_requests, delivered)).one()
    return {"organizations": row[0], "open_requests": row[1], "delivered_requests": row[2]}

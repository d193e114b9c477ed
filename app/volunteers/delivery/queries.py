"""Reading deliveries: a request's latest delivery and every one before it."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.models import Delivery


def latest_delivery(help_request: HelpRequest) -> Delivery | None:
    """The request's most recent delivery, if the team ever submitted one."""
    return db.session.scalar(sa.select(Delivery).where(Delivery.request_id == help_request.id)
                             .order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(1))


def deliveries_of(help_request: HelpRequest) -> list[Delivery]:
    """Every delivery of the request, newest first (earlier ones carry the changes asked)."""
    return list(db.session.scalars(sa.select(Delivery).where(Delivery.request_id == help_request.id)
                                   .order_by(Delivery.created_at.desc(), Delivery.id.desc())))

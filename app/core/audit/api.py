"""API endpoint for coordinators and integrations: the audit trail, newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core.accounts.api import user_summary
from app.core.api.fields import integer, moment, text
from app.core.api.plumbing import COORDINATOR, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.models import AuditEvent

ACTOR = Schema("UserSummary", integer("id", required=True), Field("name", required=True),
               Field("role", required=True))
TARGET = Schema("AuditTarget", Field("type", required=True, max_length=40),
                integer("id", nullable=True))
AUDIT_EVENT = Schema(
    "AuditEvent",
    integer("id", required=True),
    moment("at", required=True),
    Field("action", required=True, max_length=80, description="e.g. user.created, request.published"),
    Field("actor", "object", schema=ACTOR, nullable=True),
    Field("target", "object", schema=TARGET, required=True),
    Field("detail", "object", schema=Schema("AuditDetail", description="Action-specific values.")),
)
FILTERS = (
    text("action", max_length=80, description="Only this action, e.g. user.created."),
    text("target_type", max_length=40, description="Only events about this kind of object, e.g. users."),
    integer("target_id", minimum=1, description="Only events about this object (with target_type)."),
    integer("actor_id", minimum=1, description="Only events caused by this user."),
)


def audit_event_json(event: AuditEvent) -> dict[str, Any]:
    """An audit event as the API shows it. The IP address stays out: it is personal data."""
    return {"id": event.id, "at": iso(event.at), "action": event.action,
            "actor": user_summary(event.actor),
            "target": {"type": event.target_type, "id": event.target_id},
            "detail": event.detail or {}}


@api_route("/audit-events", ["GET"], summary=_l("Recent audit events, newest first"),
           auth=COORDINATOR, query=FILTERS, paginated=True, response=AUDIT_EVENT, tags=["trust"])
def list_audit_events(query: dict[str, Any]):
    statement = (sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
                 .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    for name in ("action", "target_type", "target_id", "actor_id"):
        if name in query:
            statement = statement.where(getattr(AuditEvent, name) == query[name])
    return paginate(statement, audit_event_json)

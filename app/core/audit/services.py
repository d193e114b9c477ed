"""The audit trail: every state change is recorded with its actor, target and details."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from app.core.models import AuditEvent, User
from app.extensions import db


def record(action: str, target: Any = None, *, actor: User | None = None,
           target_type: str | None = None, target_id: int | None = None,
           **detail: Any) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's service commits it).

    `target` may be a model instance (its table name and id are used) or None with explicit
    `target_type`/`target_id`. Details must be JSON-serialisable.
    """
    if target is not None:
        target_type = target_type or getattr(target, "__tablename__", type(target).__name__)
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    ip_address = request.remote_addr if has_request_context() else None
    actor_id = actor.id if actor is not None and actor.is_authenticated else None
    event = AuditEvent(action=action, target_type=target_type or "system", target_id=target_id,
                       actor_id=actor_id, detail=detail, ip_address=ip_address)
    db.session.add(event)
    return event

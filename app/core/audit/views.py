"""The audit trail page: every recorded state change, newest first, for coordinators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.core import bp
from app.core.models import AuditEvent
from app.core.policy import roles_required
from app.core.templating import nav_link
from app.extensions import db

AUDIT_PAGE_SIZE = 50

nav_link("core.audit_log", _l("Audit trail"), roles=("coordinator",), order=80)


@bp.get("/audit")
@roles_required("coordinator")
def audit_log() -> str:
    page = request.args.get("page", 1, type=int)
    events = db.paginate(
        sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        page=max(page, 1), per_page=AUDIT_PAGE_SIZE, error_out=False,
    )
    return render_template("core/audit/audit_log.html", events=events)

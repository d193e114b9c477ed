"""The help request status machine: the one place that changes HelpRequest.status.

draft → intake → open → in_progress → in_review → delivered, with withdrawn as the exit. Who may
trigger a move is the calling service's business; this module only knows which moves exist.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.models import User
from app.extensions import db
from app.requests.models import REQUEST_STATUSES, HelpRequest, TimelineEntry
from app.requests.signals import request_status_changed
from app.requests.timeline.services import add_entry

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"intake", "withdrawn"}),
    "intake": frozenset({"open", "draft", "withdrawn"}),  # back to draft: sent back with questions
    "open": frozenset({"in_progress", "withdrawn"}),
    "in_progress": frozenset({"in_review", "open", "withdrawn"}),  # back to open: all seats released
    "in_review": frozenset({"delivered", "in_progress"}),  # back to in_progress: changes asked
    "delivered": frozenset(),
    "withdrawn": frozenset(),
}
FINAL_STATUSES = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)

# Stored in the timeline (not translated: pages translate by kind and detail).
_SUMMARIES = {
    ("draft", "intake"): "Submitted for intake.",
    ("intake", "draft"): "Sent back to the nonprofit with questions.",
    ("intake", "open"): "Published: open for volunteers.",
    ("open", "in_progress"): "Work started.",
    ("in_progress", "open"): "All seats released; open for volunteers again.",
    ("in_progress", "in_review"): "Delivery submitted for review.",
    ("in_review", "in_progress"): "Changes requested on the delivery.",
    ("in_review", "delivered"): "Delivery accepted.",
}


def can_transition(current: str, to: str) -> bool:
    """Whether the table allows moving a request from `current` to `to`."""
    return to in TRANSITIONS.get(current, frozenset())


def transition(help_request: HelpRequest, to: str, *, by: User | None,
               note: str | None = None) -> TimelineEntry:
    """Move the request to `to`, stamp the matching time, and record it on the timeline and audit trail.

    Adds a `status_changed` timeline entry (detail `{from, to}`, plus `note` when given) and a
    `request.status_changed` audit event to the current transaction, sends `request_status_changed`
    (app.requests.signals), and returns the entry. Does not commit. Raises Conflict, with a
    sentence saying why, when the move is not in TRANSITIONS.
    """
    current = help_request.status
    if not can_transition(current, to):
        raise Conflict(forbidden_reason(current, to), code="invalid_status_transition",
                       current=current, requested=to)
    now = utcnow()
    help_request.status = to
    help_request.updated_at = now
    if to == "intake":
        help_request.submitted_at = now
    elif to == "open" and current == "intake":
        help_request.published_at = now  # a re-opened request keeps its first publication date
    elif to == "delivered":
        help_request.delivered_at = now
    elif to == "withdrawn":
        help_request.withdrawn_at = now
    if help_request.id is None:
        db.session.add(help_request)
        db.session.flush()  # the audit event needs the request's id
    detail: dict[str, str] = {"from": current, "to": to}
    if note:
        detail["note"] = note
    summary = _SUMMARIES.get((current, to), "Withdrawn.")
    entry = add_entry(help_request, "status_changed", actor=by, summary=summary, detail=detail)
    audit.record("request.status_changed", help_request, actor=by, **detail)
    request_status_changed.send(current_app._get_current_object(), help_request=help_request,
                                from_status=current, to_status=to, by=by)
    return entry


def forbidden_reason(current: str, to: str) -> str:
    """A translated sentence saying why a request in `current` can't move to `to`."""
    if to not in REQUEST_STATUSES:
        return _("“%(status)s” is not a request status.", status=to)
    if current == to:
        return _("The request already has this status.")
    if current == "delivered":
        if to == "withdrawn":
            return _("A delivered request can't be withdrawn.")
        return _("A delivered request is finished and can't change any more.")
    if current == "withdrawn":
        return _("A withdrawn request is closed and can't change any more.")
    if to == "withdrawn":  # only in_review reaches here
        return _("A request in review can't be withdrawn: accept the delivery or ask for changes first.")
    reasons = {
        "draft": _("Only a request in intake can be sent back to its authors."),
        "intake": _("Only a draft can be submitted for intake."),
        "open": _("Only a request in intake can be published."),
        "in_progress": _("Work can start only on an open request, or resume after changes are asked."),
        "in_review": _("Only a request in progress can be submitted for review."),
        "delivered": _("Only a request in review can be marked delivered."),
    }
    return reasons[to]

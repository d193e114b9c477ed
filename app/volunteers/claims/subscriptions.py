"""Claims follow the requests feature through its signals: a request closed for good ends its waiting claims.

app.requests can't import this feature, so it announces status moves (app.requests.signals) inside
the transaction that makes them; the handler adds its changes to that transaction and never
commits. Connected once per process when `app.volunteers` is imported.
"""

from __future__ import annotations

from typing import Any

from app.requests import signals
from app.requests.models import HelpRequest
from app.volunteers.claims.services import REQUEST_CLOSED_NOTES, end_pending_claims


@signals.request_status_changed.connect
def _on_request_status_changed(sender: Any, help_request: HelpRequest, to_status: str, **extra: Any) -> None:
    if to_status in REQUEST_CLOSED_NOTES:
        end_pending_claims(help_request, to_status)

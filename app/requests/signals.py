"""Signals the requests feature sends, so other features (search) can follow it without importing it.

Each is sent inside the transaction that made the change, just before its commit, with the app as
sender and the request as `help_request` (the organisation as `organization` for
`organization_updated`). A receiver may add rows to that transaction (say, `enqueue` an index job,
which then lands or rolls back with the change) but must not commit; an exception in a receiver
aborts the change.

    from app.requests.signals import request_published

    @request_published.connect
    def index_it(app, help_request, **extra):
        enqueue("app.search.indexing.jobs.index_request", help_request.id, queue="index")
"""

from __future__ import annotations

from flask.signals import Namespace

_signals = Namespace()

# A request moved from intake to open: volunteers may now find it. Extra keyword: `by` (the user).
request_published = _signals.signal("request-published")

# A coordinator saved a new spec version. Extra keywords: `version` (int) and `by` (the user).
spec_updated = _signals.signal("spec-updated")

# A request's taken seats changed (a claim accepted, withdrawn, released, concluded), and with them
# perhaps its status (open ↔ in_progress). Sent by the volunteers feature in the same transaction,
# before its commit. Extra keyword: `by` (the user, or None for a periodic duty).
request_seats_changed = _signals.signal("request-seats-changed")

# A request's status changed, whatever the move (app.requests.status.transition sends it, inside the
# transaction, before the caller's commit). Extra keywords: `from_status`, `to_status` and `by`.
request_status_changed = _signals.signal("request-status-changed")

# An organisation's profile or verification changed in a way its requests' listings show (name,
# region, causes, verified badge). Sent by app.requests.organizations (profile edits, verification)
# inside the transaction, before its commit. Extra keywords:
# `organization`, `fields` (the changed names) and `by`.
organization_updated = _signals.signal("organization-updated")

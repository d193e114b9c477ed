"""The database session behind `db.session`: it sends the outbox rows it committed on their way.

It sits below `app.extensions` and the models, so it finds the job runner where the runner
registered itself (`app.extensions["jobs"]`) instead of importing it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import scoped_session

log = logging.getLogger(__name__)

_NEW_ROWS = "outbox_new"


class OutboxSession(FlaskSession):
    """A session that dispatches the outbox rows it committed once the commit has succeeded.

    Only `Session.commit()` dispatches (services commit that way); rows committed any other way,
    or left pending by a failed dispatch, are picked up by the drainer.
    """

    def commit(self) -> None:
        super().commit()
        outbox_ids = _committed_ids(self.info.pop(_NEW_ROWS, None))
        if not outbox_ids:
            return
        try:
            current_app.extensions["jobs"].dispatch(outbox_ids)
        except Exception:
            # The caller's change is committed and its rows are safe in the outbox: never report
            # a failed dispatch as a failed commit. The drainer sends the rows later.
            log.exception("dispatching outbox rows %s failed; left for the drainer", outbox_ids)
            self.rollback()

    def rollback(self, *args: Any, **kwargs: Any) -> None:
        self.info.pop(_NEW_ROWS, None)
        super().rollback(*args, **kwargs)

    def close(self) -> None:
        self.info.pop(_NEW_ROWS, None)
        super().close()


def dispatch_after_commit(session: scoped_session[Any], row: Any) -> None:
    """Add the outbox `row` to `session`; it is dispatched when that session's commit succeeds."""
    session.add(row)
    session.info.setdefault(_NEW_ROWS, []).append(row)


def _committed_ids(rows: Iterable[Any] | None) -> list[int]:
    """Ids of the outbox rows that really reached the database (not rolled back to a savepoint)."""
    ids = []
    for row in rows or ():
        state = sa.inspect(row)
        if state.has_identity and not state.was_deleted:
            ids.append(state.identity[0])
    return ids

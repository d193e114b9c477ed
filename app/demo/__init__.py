"""The demo data set: load requests/demo and volunteers/demo into the database, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app

from app.core.accounts import passwords
from app.core.db import utcnow
from app.core.taxonomy import sync_skills
from app.demo.loader import DemoLoader
from app.demo.state import SEAT_CLAIM_STATUSES, DemoDataError, DemoSummary, read_demo_files
from app.requests.intake.content import ContentError, intake_content

__all__ = ["SEAT_CLAIM_STATUSES", "DemoDataError", "DemoSummary", "load_demo", "read_demo_files"]


def load_demo(advance: Callable[[], None] = lambda: None,
              on_start: Callable[[int], None] = lambda total: None) -> DemoSummary:
    """Sync the skills, then load every demo record that is not in the database yet, and commit.

    Records are matched by natural keys (e-mail, organisation name, request title within its
    organisation, event name), so a second run adds nothing and reports 0 new. Every request past
    draft gets spec version 1 from the spec drafter and its answers (as submitting it would), then
    the coordinator's edits and its discussion thread from the demo files. The past matching event's
    matches are the engine's, run and confirmed through the events services as of the event's day;
    the upcoming event is created and registered for through them too. Sends no e-mail and needs
    no request context. The demo accounts share DEMO_PASSWORD, hashed once. `on_start(total)` and
    `advance()` report progress. Raises DemoDataError (and writes nothing beyond the skills) when a
    demo file is missing, refers to an unknown skill, account or request, tells a story the
    services would refuse (an edit after work started, a message on a closed request, a check-in by
    someone the engine did not place at the event), or when
    the drafting rules can't be read; raises TaxonomyError for a bad skills file.
    """
    sync_skills()
    content = read_demo_files(Path(current_app.config["CONTENT_DIR"]))
    try:
        intake_content()
    except ContentError as error:
        raise DemoDataError(str(error)) from None
    password_hash = passwords.hash_password(current_app.config["DEMO_PASSWORD"])
    loader = DemoLoader(content, password_hash=password_hash, now=utcnow())
    on_start(loader.step_count)
    return loader.run(advance)

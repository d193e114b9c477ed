"""Event pages: the public list and event page and the volunteer's registration (H5's section), and the
coordinator's pages: create and edit, feature requests, check-in, the live board and the report."""

from __future__ import annotations

from app.volunteers import bp  # noqa: F401

# --- public and volunteer pages -------------------------------------------------------------------


# --- coordinators: managing an event --------------------------------------------------------------

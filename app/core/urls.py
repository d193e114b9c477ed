"""Absolute links outside a web request (jobs, commands) use the configured public address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from flask import current_app, has_request_context


@contextmanager
def public_url_context() -> Iterator[None]:
    """Run the block where `url_for(..., _external=True)` works, even outside a request.

    Inside a request nothing changes; elsewhere a request context for PUBLIC_URL is pushed, so
    e-mails written by jobs and commands link to the real site.
    """
    context = (nullcontext() if has_request_context()
               else current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"]))
    with context:
        yield

"""Absolute links come from the configured public address (PUBLIC_URL), never from the request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.routing import BuildError, MapAdapter

ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # what Flask's own url_for leaves unquoted in an anchor


class PublicUrlFlask(Flask):
    """Flask whose external URLs always start with PUBLIC_URL.

    Flask builds `url_for(..., _external=True)` from the request's Host header, so a forged
    `Host: evil.example` on "forgot password" would put the attacker's host in front of a valid
    reset token. Here every absolute link (e-mails, feeds, share links) is built on PUBLIC_URL,
    inside a request or not; relative links are Flask's own.
    """

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        in_request = has_request_context()
        if _external is None:
            _external = _scheme is not None if in_request else True
        if not _external:
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=False, **values)
        if endpoint[:1] == ".":
            blueprint = request.blueprint if in_request else None
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        try:
            url = public_url_adapter(self).build(endpoint, values, method=_method, url_scheme=_scheme,
                                                 force_external=True)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url = f"{url}#{quote(_anchor, safe=ANCHOR_SAFE)}"
        return url


def public_url_adapter(app: Flask) -> MapAdapter:
    """A URL adapter bound to PUBLIC_URL's scheme, host and path prefix."""
    parts = urlsplit(app.config["PUBLIC_URL"])
    return app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")


@contextmanager
def public_url_context() -> Iterator[None]:
    """Run the block inside a request context for PUBLIC_URL when there is no request.

    Jobs and commands render templates that expect a request (the language, `request.path`);
    links are built on PUBLIC_URL either way.
    """
    context = (nullcontext() if has_request_context()
               else current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"]))
    with context:
        yield

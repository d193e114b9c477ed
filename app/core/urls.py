"""URL rules of the app: absolute links come from PUBLIC_URL, ids in paths fit the database, and
redirects stay on this site."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.routing import BuildError, IntegerConverter, MapAdapter

ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # what Flask's own url_for leaves unquoted in an anchor


# The largest id a column can hold on every database we run on (PostgreSQL's integer).
MAX_DATABASE_ID = 2**31 - 1


def digits_at_most(limit: int) -> str:
    """A regular expression matching the decimal numbers 0..limit, without leading zeros."""
    text = str(limit)
    alternatives = ["0", rf"[1-9]\d{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for position, digit in enumerate(text):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(text) - position - 1
            tail = rf"\d{{{rest}}}" if rest else ""
            alternatives.append(f"{text[:position]}[{lowest}-{int(digit) - 1}]{tail}")
    alternatives.append(text)
    return "(?:" + "|".join(alternatives) + ")"


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` that matches only numbers a database id can be, so a huge id is a plain 404.

    An unbounded int reaches the database as an out-of-range parameter (a 500 on PostgreSQL and
    SQLite). The bound sits in the pattern rather than in `max`: werkzeug turns a value refused by
    `max` into 405 when another method of the same path exists.
    """

    regex = digits_at_most(MAX_DATABASE_ID)


class PublicUrlFlask(Flask):
    """Flask whose external URLs always start with PUBLIC_URL and whose int URL parts are ids.

    Flask builds `url_for(..., _external=True)` from the request's Host header, so a forged
    `Host: evil.example` on "forgot password" would put the attacker's host in front of a valid
    reset token. Here every absolute link (e-mails, feeds, share links) is built on PUBLIC_URL,
    inside a request or not; relative links are Flask's own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = DatabaseIdConverter

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


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    target = (target or "").strip()
    # Browsers drop tabs and newlines and read "\" as "/", so "/\t/evil" would become "//evil".
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 32 for char in target)):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target

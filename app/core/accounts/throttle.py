"""Rate limits on accounts: their keys, and a Redis outage that does not multiply them."""

from __future__ import annotations

from collections.abc import Callable
from math import ceil

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.wrappers import Response

from app.extensions import limiter


def address() -> str:
    """The client's address: the key of limits meant for one machine (or one shared network)."""
    return get_remote_address()


def address_and_email() -> str:
    """The address plus the e-mail typed (form or JSON): guesses at one account lock out only that pair."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return f"{address()}|{str(email or '').strip().lower()[:254]}"


def failed(response: Response) -> bool:
    """Count only refused attempts (bad credentials come back as 401 or 422)."""
    return response.status_code >= 400


def configured(name: str) -> Callable[[], str]:
    """A limit provider reading config[name] at each request.

    While the shared store (Redis) is unreachable, flask-limiter counts in each process's memory,
    so N web workers would allow N times the limit. Then each worker gets its share, the limit
    divided by WEB_CONCURRENCY, so all together still allow about the configured number.
    """

    def provide() -> str:
        text = current_app.config[name]
        workers = max(1, int(current_app.config.get("WEB_CONCURRENCY") or 1))
        # flask-limiter 4 marks a dead store on the extension; there is no public accessor.
        if workers == 1 or not getattr(limiter, "_storage_dead", False):
            return text
        return "; ".join(f"{max(1, ceil(item.amount / workers))} per {item.multiples} {item.GRANULARITY.name}"
                         for item in parse_many(text))

    return provide

"""Domain errors raised by services, and the one handler that renders them as pages or API JSON."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of the errors a service raises; each maps to one HTTP status and one error code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra: Any):
        super().__init__(message or self.default_message())
        self.message = message or self.default_message()
        if code:
            self.code = code
        self.extra = extra

    def default_message(self) -> str:
        return _("The request could not be completed.")


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self) -> str:
        return _("We could not find that. It may have been removed, or you may not have access.")


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self) -> str:
        return _("You are signed in, but your account is not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"

    def default_message(self) -> str:
        return _("This cannot be done in the current state. Reload the page and try again.")


class Invalid(DomainError):
    """A validation failure; `fields` maps field names to human sentences."""

    status = 422
    code = "validation_failed"

    def __init__(self, field: str | None = None, message: str | None = None, *,
                 fields: dict[str, str] | None = None):
        self.fields = dict(fields or {})
        if field is not None:
            self.fields[field] = message or _("This value is not valid.")
        summary = message if field is not None and message else _("Some fields need attention.")
        super().__init__(summary)

    def default_message(self) -> str:
        return _("Some fields need attention.")


class Unauthenticated(DomainError):
    status = 401
    code = "unauthorized"

    def default_message(self) -> str:
        return _("Sign in, or send a valid bearer token.")


def wants_json() -> bool:
    """API paths and health checks answer in JSON; everything else renders a page."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None,
               headers: dict[str, str] | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


HTTP_CODES = {
    400: ("bad_request", lambda: _("The request was malformed. Check the JSON and try again.")),
    401: ("unauthorized", lambda: _("Sign in, or send a valid bearer token.")),
    403: ("forbidden", lambda: _("You are signed in, but your account is not allowed to do this.")),
    404: ("not_found",
          lambda: _("We could not find that. It may have been removed, or you may not have access.")),
    405: ("method_not_allowed", lambda: _("This address does not accept that method.")),
    409: ("conflict",
          lambda: _("This cannot be done in the current state. Reload the page and try again.")),
    413: ("too_large",
          lambda: _("That is too large. Requests may be at most 1 MiB; attachments at most 10 MiB.")),
    422: ("validation_failed", lambda: _("Some fields need attention.")),
    429: ("rate_limited", lambda: _("Too many attempts. Wait a moment, then try again.")),
    500: ("internal_error",
          lambda: _("Something went wrong on our side. Nothing you sent was lost; try again in a minute.")),
}


def _render_page(status: int, message: str):
    # A status with its own page (errors/400.html, 429.html, ...) uses it; the rest share generic.html.
    templates = [f"errors/{status}.html", "errors/generic.html"]
    return render_template(templates, status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Render domain errors and HTTP errors as translated pages, or as the API's JSON error format."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return json_error(error.status, error.code, error.message, getattr(error, "fields", None))
        return _render_page(error.status, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        code, message = HTTP_CODES.get(status, ("http_error", lambda: error.description))
        headers = {}
        if status == 429:
            retry_after = getattr(error, "retry_after", None)
            headers["Retry-After"] = str(int(retry_after or 60))
        if wants_json():
            response = json_error(status, code, message(), headers=headers)
            if status == 405 and error.get_response().headers.get("Allow"):
                response.headers["Allow"] = error.get_response().headers["Allow"]
            return response
        body, status = _render_page(status, message())
        return body, status, headers

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        db.session.rollback()
        log.exception("unhandled error (request id %s)", g.get("request_id", "-"))
        code, message = HTTP_CODES[500]
        if wants_json():
            return json_error(500, code, message())
        return _render_page(500, message())

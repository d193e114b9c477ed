"""API plumbing: JSON bodies, query strings, pagination, timestamps and the documented route decorator.

Every API endpoint is declared with `api_route(...)`: it registers the view on the blueprint,
guards it by role, validates its query string and body against declared `Field`s, and records it
for the OpenAPI document, so an endpoint's input is described exactly once. A feature's api.py:

    CLAIM = Schema("NewClaim", choice("role", ("lead", "member"), required=True),
                   integer("hours_per_week", 1, 40, required=True), text("message"))

    @api_route("/requests/<int:request_id>/claims", ["POST"], summary=_l("Claim a seat"),
               auth=("volunteer",), body=CLAIM, status=201, response=CLAIM_OUT,
               responses={409: _l("The request is not open, or no seat is free.")})
    def create_claim(request_id: int, body: dict):
        claim = services.create_claim(request_id, signed_in_user(), **body)
        return claim_json(claim), 201

Lists return `paginate(select(...).order_by(...), serialize)` and declare `paginated=True`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, request
from flask_babel import LazyString
from flask_babel import gettext as _

from app.core.accounts.current import signed_in_user
from app.core.api import bp as api_bp
from app.core.api.fields import integer
from app.core.api.schema import MISSING, Field, Schema, check_value, coerce_query_value
from app.core.errors import DomainError, Invalid
from app.core.models import ROLES
from app.core.policy import require_role
from app.extensions import db

SIGNED_IN: tuple[str, ...] = ROLES  # `auth=SIGNED_IN`: any signed-in role
COORDINATOR: tuple[str, ...] = ("coordinator",)
JSON_MIMETYPE = "application/json; charset=utf-8"
Text = str | LazyString  # documentation strings may be lazy, translated when the document is built
PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
PAGE_FIELDS = (
    integer("page", minimum=1, maximum=1_000_000, default=1, description="Page number, from 1."),
    integer("per_page", minimum=1, maximum=PER_PAGE_MAX, default=PER_PAGE_DEFAULT,
            description="Items per page, at most 100."),
)


class BadRequest(DomainError):
    """The body could not be read as the JSON object the endpoint expects (HTTP 400)."""

    status = 400
    code = "bad_request"


def init_api(app: Flask, url_prefix: str) -> None:
    """Set the app up for the API; called once, when its blueprint is registered at `url_prefix`.

    Every JSON response is UTF-8 as sent (no \\u escapes) and says so in its Content-Type, and
    every API response says it varies by Accept-Language. Both are app-wide rather than
    blueprint hooks, so error bodies rendered by the app's handlers (404 on an unknown path,
    405, 413) look the same as the views' own answers and carry the same headers.
    """
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.mimetype = JSON_MIMETYPE  # type: ignore[attr-defined]
    api_root = url_prefix.rstrip("/")

    @app.after_request
    def vary_by_language(response: Response) -> Response:
        # Messages and labels follow the caller's Accept-Language: a shared cache must keep one
        # copy per language. add() keeps what is already there (Cookie, Origin...).
        if request.path == api_root or request.path.startswith(f"{api_root}/"):
            response.vary.add("Accept-Language")
        return response


def iso(moment: datetime | date | None) -> str | None:
    """ISO 8601 text for a timestamp, always with its time zone (naive means UTC); dates as YYYY-MM-DD."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return moment.isoformat()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def json_body() -> dict[str, Any]:
    """The request body as a dict. An empty body counts as `{}`.

    Raises BadRequest (400) for a body that is not JSON, not sent as `application/json`, not an
    object, or holding a lone surrogate (`"\\ud800"`). Werkzeug raises 413 on its own for a body over
    MAX_CONTENT_LENGTH.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise BadRequest(_("Send the body as JSON with the header Content-Type: application/json."),
                         code="bad_request")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise BadRequest(_("The body is not valid JSON. Check for a missing quote, comma or brace."),
                         code="bad_request") from None
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object, like {\"name\": \"...\"}."),
                         code="bad_request")
    if _SURROGATE_ESCAPE.search(raw) and _holds_lone_surrogate(data):
        # "\ud800" is valid JSON syntax but no text: UTF-8 cannot encode it, so the database
        # driver would fail on it (a 500) wherever the string is stored or searched.
        raise BadRequest(_("The body holds half of a character (a lone UTF-16 surrogate escape), "
                           "which is not text. Send the text itself, in UTF-8."), code="bad_request")
    return data


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # only this escape can make one: check further


def _holds_lone_surrogate(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def query_values(fields: Sequence[Field], errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The declared query-string parameters, typed and checked; defaults fill absent ones.

    Raises Invalid naming every bad parameter, unless an `errors` dict is given to collect into.
    """
    collected: dict[str, str] = {} if errors is None else errors
    values: dict[str, Any] = {}
    for spec in fields:
        raw = request.args.get(spec.name)
        if raw is None or not raw.strip():
            if spec.required:
                collected[spec.name] = _("This field is required.")
            elif spec.default is not None:
                values[spec.name] = spec.default
            continue
        value, error = check_value(spec, coerce_query_value(spec, raw), spec.name, collected)
        if error:
            collected[spec.name] = error
        elif value is not MISSING:
            values[spec.name] = value
    if errors is None and collected:
        raise Invalid(fields=collected)
    return values


def page_args() -> tuple[int, int]:
    """(page, per_page) from the query string: defaults 1 and 20, per_page at most 100.

    Raises Invalid naming `page` or `per_page` when either is not a whole number in range.
    """
    values = query_values(PAGE_FIELDS)
    return values["page"], values["per_page"]


def page_envelope(items: list[Any], total: int, page: int, per_page: int, **extra: Any) -> dict[str, Any]:
    """The contract's list shape: {"items", "total", "page", "per_page"} plus any extra keys."""
    return {"items": items, "total": total, "page": page, "per_page": per_page, **extra}


def paginate(statement: sa.Select, serialize: Callable[[Any], Any], **extra: Any) -> dict[str, Any]:
    """One page of `statement`'s results, serialized, in the list envelope.

    Runs exactly one COUNT and one SELECT; the statement should carry an ORDER BY for stable
    pages and eager-loading options for whatever `serialize` reads (or it will cause N+1 queries).
    A single-entity statement yields objects; a multi-column one yields rows.
    Raises Invalid for bad `page`/`per_page`.
    """
    page, per_page = page_args()
    counted = statement.order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    window = statement.limit(per_page).offset((page - 1) * per_page)
    if len(statement.column_descriptions) == 1:
        rows: Sequence[Any] = db.session.scalars(window).all()
    else:
        rows = db.session.execute(window).all()
    return page_envelope([serialize(row) for row in rows], total, page, per_page, **extra)


def bearer_token() -> str | None:
    """The bearer token sent with this request, if any."""
    scheme, _sep, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@dataclass
class ApiRoute:
    """What the OpenAPI document needs to know about one endpoint."""

    endpoint: str
    rule: str
    methods: tuple[str, ...]
    summary: Text
    description: Text = ""
    body: Schema | None = None
    query: tuple[Field, ...] = ()
    auth: tuple[str, ...] | None = None
    status: int = 200
    response: Schema | None = None
    paginated: bool = False
    responses: dict[int, Text] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    upload: str | None = None  # the multipart/form-data field that carries a file
    produces: str | None = None  # the success body's media type when it is not JSON (a download)


REGISTRY: dict[str, ApiRoute] = {}


def api_route(rule: str, methods: Sequence[str] = ("GET",), *, summary: Text, description: Text = "",
              body: Schema | None = None, query: Sequence[Field] = (),
              auth: Sequence[str] | None = None, status: int = 200,
              response: Schema | None = None, paginated: bool = False,
              responses: Mapping[int, Text] | None = None, tags: Sequence[str] = (),
              endpoint: str | None = None, blueprint: Blueprint | None = None,
              upload: str | None = None, produces: str | None = None) -> Callable:
    """Register a documented JSON endpoint on the API blueprint (or `blueprint`).

    Before the view runs: callers without a valid token get 401 and callers of another role 403
    when `auth` names roles (None means public); the declared `query` parameters and `body`
    are validated together, every bad field named in one 422, and passed to the view as the
    keyword arguments `query` and `body` (dicts of cleaned values). A body that is not a JSON
    object gives 400. `paginated=True` documents `page`/`per_page` and the list envelope whose
    items follow `response`. `responses` adds documented error statuses ({409: "why"}). `upload`
    names the multipart/form-data field of a file upload (the view reads it from request.files),
    and `produces` the media type of a success body that is not JSON (`"*/*"` for downloads).
    The endpoint name defaults to the view's name and must be unique across the API blueprint
    (Flask refuses a duplicate at import); `blueprint` is for documented paths outside /api/v1.
    """
    target = blueprint or api_bp
    roles = tuple(auth) if auth is not None else None

    def decorate(view: Callable) -> Callable:
        name = endpoint or view.__name__

        @wraps(view)
        def run(**kwargs: Any) -> Any:
            if roles is not None:
                require_role(signed_in_user(), *roles)
            errors: dict[str, str] = {}
            if query:
                kwargs["query"] = query_values(query, errors)
            if paginated:
                query_values(PAGE_FIELDS, errors)  # so bad paging is named with the other mistakes
            if body is not None:
                cleaned, body_errors = body.check(json_body())
                errors.update(body_errors)
                kwargs["body"] = cleaned
            if errors:
                raise Invalid(fields=errors)
            return view(**kwargs)

        target.add_url_rule(rule, endpoint=name, view_func=run, methods=list(methods))
        REGISTRY[f"{target.name}.{name}"] = ApiRoute(
            endpoint=f"{target.name}.{name}", rule=rule, methods=tuple(m.upper() for m in methods),
            summary=summary, description=description, body=body, query=tuple(query), auth=roles,
            status=status, response=response, paginated=paginated, responses=dict(responses or {}),
            tags=tuple(tags), upload=upload, produces=produces)
        return run

    return decorate

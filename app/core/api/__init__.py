"""The JSON API v1 blueprint (mounted at /api/v1): accounts, tokens, audit trail and the OpenAPI document."""

from flask import Blueprint, g

bp = Blueprint("api", __name__)


@bp.before_request
def _identify_caller_afresh() -> None:
    # Flask reuses an app context that is already pushed (tests, scripts) and Flask-Login caches
    # the user in g: forget it, so every API call is judged by its own bearer token.
    g.pop("_login_user", None)


@bp.after_request
def _announce_bearer_scheme(response):
    # RFC 6750: a 401 from a bearer-protected API names the scheme it expects.
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="codebridge"')
    return response


# Register the routes of core's subjects and the OpenAPI document (plumbing imports `bp`, so below it).
import app.core.accounts.api  # noqa: E402
import app.core.api.openapi  # noqa: E402
import app.core.audit.api  # noqa: E402,F401
from app.core.api.plumbing import init_api  # noqa: E402


@bp.record_once
def _init_api(state) -> None:
    init_api(state.app, state.url_prefix or "")

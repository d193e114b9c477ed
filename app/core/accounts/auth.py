"""How a request gets its user (the session cookie for pages, a bearer token for the API) and signs in."""

from __future__ import annotations

from flask import Request, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from app.core.accounts.services import open_session, user_for_api_token, user_for_session
from app.core.models import User
from app.extensions import login_manager

login_manager.login_view = "core.sign_in"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session cookie (or remember cookie) whose server-side session is still live."""
    if is_api_request():  # the API never trusts cookies: that would need CSRF protection
        return None
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    return user_for_session(int(user_id), key)


@login_manager.request_loader
def load_user_from_bearer(req: Request) -> User | None:
    if not req.path.startswith("/api/"):
        return None
    scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return user_for_api_token(token.strip())


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on a brand-new session, so nothing from before sign-in survives it.

    The cookie names a server-side session row, which sign-out ends for every copy of the cookie.
    """
    session.clear()
    open_session(user)
    login_user(user, remember=remember)

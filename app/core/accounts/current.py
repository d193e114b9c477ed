"""Who is making this request: the one way code asks, pages and API alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import current_user

if TYPE_CHECKING:
    from app.core.models import User


def signed_in_user() -> User | None:
    """Who is making this request (session cookie on pages, bearer token on the API), or None.

    None for anonymous visitors and outside a request (a job rendering an e-mail).
    """
    return current_user._get_current_object() if current_user and current_user.is_authenticated else None

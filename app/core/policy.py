"""Access rules: one decorator for role guards and one `can()` registry for object rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request

from app.core.accounts.current import signed_in_user
from app.core.errors import NotAllowed, Unauthenticated
from app.core.models import User
from app.extensions import login_manager

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the function deciding whether a user may perform `action` on an object."""

    def register(fn: Rule) -> Rule:
        _RULES[action] = fn
        return fn

    return register


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """Whether `user` may perform `action` on `obj`; coordinators are not implicitly allowed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    check = _RULES.get(action)
    if check is None:
        raise KeyError(f"no policy rule registered for {action!r}")
    return bool(check(user, obj))


def require(user: User | None, action: str, obj: Any = None) -> None:
    """Raise NotAllowed (or Unauthenticated) unless `user` may perform `action` on `obj`."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthenticated()
    if not can(user, action, obj):
        raise NotAllowed()


def require_role(user: User | None, *roles: str) -> None:
    """Raise Unauthenticated for anonymous users and NotAllowed for users of another role."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthenticated()
    if user.role not in roles:
        raise NotAllowed()


def roles_required(*roles: str) -> Callable:
    """View decorator: the signed-in user (session or bearer token) must have one of `roles`.

    Anonymous page visitors are sent to sign in; anonymous API callers get 401; others get 403.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = signed_in_user()
            if user is None:
                if request.path.startswith("/api/"):
                    raise Unauthenticated()
                return login_manager.unauthorized()
            require_role(user, *roles)
            return view(*args, **kwargs)

        return guarded

    return decorate


signed_in_required = roles_required("nonprofit", "volunteer", "coordinator")

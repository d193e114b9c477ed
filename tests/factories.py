"""Plain factory functions: each adds its object, flushes, and returns the model."""

from __future__ import annotations

import itertools

from app.core import passwords
from app.core.models import User
from app.extensions import db

DEFAULT_PASSWORD = "correct horse battery"
_sequence = itertools.count(1)
_password_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is deliberately slow; tests reuse one hash per distinct password.
    if password not in _password_hash_cache:
        _password_hash_cache[password] = passwords.hash_password(password)
    return _password_hash_cache[password]


def make_user(role: str = "volunteer", *, email: str | None = None, name: str | None = None,
              password: str = DEFAULT_PASSWORD, locale: str = "en", **fields) -> User:
    n = next(_sequence)
    user = User(email=email or f"{role}{n}@example.org", name=name or f"{role.title()} {n}",
                role=role, locale=locale, password_hash=_hash(password), **fields)
    db.session.add(user)
    db.session.flush()
    return user

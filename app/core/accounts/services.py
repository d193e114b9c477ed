"""Account services: sign-up, sign-in, passwords, sessions, language and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.core.accounts import passwords
from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import LOCALES, ROLES, ApiToken, User, UserSession
from app.extensions import db

SELF_SERVICE_ROLES = ("nonprofit", "volunteer")
# The e-mails a user may turn off in their account settings (User.email_preferences keys).
EMAIL_PREFERENCE_KEYS = ("claims", "checkins", "delivery", "digests", "messages", "events")
RESET_SALT = "codebridge.password-reset"


def normalise_email(email: str) -> str:
    """The canonical form of an e-mail address; raises Invalid('email') when it is not one."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise Invalid("email", _("Enter a valid e-mail address, like name@example.org.")) from None


def check_new_password(password: str, field: str = "password") -> None:
    """Raise Invalid(field) for passwords that are too short, too long or too common."""
    if len(password or "") < passwords.MIN_LENGTH:
        raise Invalid(field, _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH))
    if len(password) > 256:
        raise Invalid(field, _("Use at most 256 characters."))
    if passwords.is_common(password):
        raise Invalid(field, _("This password is among the most common ones and easy to guess. "
                               "Choose another."))


def _name_error(name: str) -> str | None:
    """Why a (stripped) display name is not acceptable, or None when it is."""
    if not name:
        return _("Tell us your name.")
    if len(name) > 120:
        return _("Use at most 120 characters.")
    return None


def create_user(*, email: str, password: str, name: str, role: str, locale: str = "zh_CN",
                actor: User | None = None, allow_coordinator: bool = False) -> User:
    """Create an account and commit. Raises Invalid for bad fields, Conflict for a taken e-mail.

    Coordinators can only be created with `allow_coordinator=True` (the command line).
    """
    errors: dict[str, str] = {}
    allowed_roles = ROLES if allow_coordinator else SELF_SERVICE_ROLES
    if role not in allowed_roles:
        errors["role"] = _("Choose nonprofit staff or volunteer engineer.")
    name = (name or "").strip()
    name_error = _name_error(name)
    if name_error:
        errors["name"] = name_error
    if locale not in LOCALES:
        errors["locale"] = _("Choose Chinese (zh_CN) or English (en).")
    for check, _field, value in ((normalise_email, "email", email),
                                (check_new_password, "password", password)):
        try:
            check(value)
        except Invalid as error:
            errors.update(error.fields)
    if errors:
        raise Invalid(fields=errors)
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(_("An account with this e-mail already exists. Sign in, or reset your password."),
                       code="email_taken")
    user = User(email=email, name=name, role=role, locale=locale,
                password_hash=passwords.hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor or user, role=role)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None. Blocked users never authenticate."""
    try:
        email = normalise_email(email)
    except Invalid:
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        passwords.verify_password(_dummy_hash(), password or "")  # same timing for unknown e-mails
        return None
    if not passwords.verify_password(user.password_hash, password or "") or user.is_blocked:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


@cache
def _dummy_hash() -> str:
    return passwords.hash_password("codebridge-timing-equaliser")


def record_sign_in(user: User) -> None:
    """Note a successful sign-in in the audit trail and commit."""
    user.last_sign_in_at = utcnow()
    audit.record("user.signed_in", user, actor=user)
    db.session.commit()


def open_session(user: User) -> str:
    """Start a server-side session for `user` and commit; returns its key (for the cookie only).

    The key is also set on `user.session_key`, so `user.get_id()` names this session.
    """
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_token_digest(key)))
    db.session.commit()
    user.session_key = key
    return key


def user_for_session(user_id: int, key: str) -> User | None:
    """The active user of a live session (one not ended), with `session_key` set; None otherwise."""
    if not key or len(key) > 100:
        return None
    user = db.session.scalar(
        sa.select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.key_hash == _token_digest(key),
               UserSession.ended_at.is_(None)))
    if user is None or user.is_blocked:
        return None
    user.session_key = key
    return user


def end_session(user: User) -> None:
    """End the session `user` was loaded for (sign-out), so copies of its cookies stop working; commits."""
    if user.session_key:
        db.session.execute(sa.update(UserSession)
                           .where(UserSession.key_hash == _token_digest(user.session_key),
                                  UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
    audit.record("user.signed_out", user, actor=user)
    db.session.commit()


def _end_other_sessions(user: User, *, keep_session: str | None = None,
                        keep_token: str | None = None, tokens: bool = True) -> None:
    """End the user's sessions (and, with `tokens`, revoke their API tokens) but the ones kept."""
    now = utcnow()
    sessions = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_session:
        sessions = sessions.where(UserSession.key_hash != _token_digest(keep_session))
    db.session.execute(sessions.values(ended_at=now))
    if tokens:
        revoked = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        if keep_token:
            revoked = revoked.where(ApiToken.token_hash != _token_digest(keep_token))
        db.session.execute(revoked.values(revoked_at=now))


def end_all_sessions(user: User, *, reason: str = "signed_out_everywhere") -> None:
    """End every signed-in session of the user, this one included; API tokens stay. Commits."""
    _end_other_sessions(user, tokens=False)
    audit.record(f"user.{reason}", user, actor=user)
    db.session.commit()


def change_password(user: User, current_password: str, new_password: str, *,
                    current_token: str | None = None) -> None:
    """Change the password; every other session and API token ends, the current ones stay.

    The current session is `user.session_key` (a page) or `current_token` (an API call).
    Raises Invalid for a wrong current password or an unacceptable new one. Commits.
    """
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise Invalid("current_password", _("That is not your current password."))
    check_new_password(new_password, "new_password")
    user.password_hash = passwords.hash_password(new_password)
    _end_other_sessions(user, keep_session=user.session_key, keep_token=current_token)
    audit.record("user.password_changed", user, actor=user)
    db.session.commit()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_reset_token(user: User) -> str:
    """A signed, expiring token bound to the current password hash, so it works only once."""
    return _reset_serializer().dumps({"id": user.id, "p": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or user.password_hash[-16:] != data.get("p"):
        return None
    return user


def send_password_reset(email: str) -> None:
    """E-mail a reset link to the account with this address, if there is one, and commit.

    Never says whether the account exists, so callers answer the same either way: unknown or
    malformed addresses and blocked accounts get no e-mail and raise nothing.
    """
    try:
        email = normalise_email(email)
    except Invalid:
        return
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or user.is_blocked:
        return
    send_email(user, "password_reset", N_("Reset your Codebridge password"),
               "accounts/password_reset",
               token=password_reset_token(user))
    audit.record("user.password_reset_requested", user)
    db.session.commit()


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; every session and API token ends. Commits.

    Raises Invalid('token') for an expired or used link, Invalid('password') for a weak password.
    """
    user = user_for_reset_token(token)
    if user is None:
        raise Invalid("token", _("This reset link has expired or was already used. Ask for a new one."))
    check_new_password(new_password)
    user.password_hash = passwords.hash_password(new_password)
    _end_other_sessions(user)
    audit.record("user.password_reset", user, actor=user)
    db.session.commit()
    return user


def update_settings(user: User, *, name: str | None = None, locale: str | None = None,
                    email_preferences: dict[str, bool] | None = None) -> User:
    """Change the user's name, language and e-mail choices (only the values given) and commit.

    Raises Invalid (all bad fields at once) for an empty or too-long name, a locale other than
    zh_CN/en, or an e-mail kind outside EMAIL_PREFERENCE_KEYS.
    """
    errors: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        name_error = _name_error(name)
        if name_error:
            errors["name"] = name_error
    if locale is not None and locale not in LOCALES:
        errors["locale"] = _("Choose Chinese (zh_CN) or English (en).")
    unknown = set(email_preferences or {}) - set(EMAIL_PREFERENCE_KEYS)
    if unknown:
        errors["email_preferences"] = _("Unknown kind of e-mail: %(kinds)s.",
                                        kinds=", ".join(sorted(unknown)))
    if errors:
        raise Invalid(fields=errors)
    changed = []
    if name is not None and name != user.name:
        user.name = name
        changed.append("name")
    if locale is not None and locale != user.locale:
        user.locale = locale
        changed.append("locale")
    if email_preferences is not None:
        preferences = {**(user.email_preferences or {}),
                       **{key: bool(value) for key, value in email_preferences.items()}}
        if preferences != (user.email_preferences or {}):
            user.email_preferences = preferences  # a new dict, so the JSON column sees the change
            changed.append("email_preferences")
    if changed:
        audit.record("user.settings_changed", user, actor=user, changed=changed)
        db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise Invalid("locale", _("Choose Chinese (zh_CN) or English (en)."))
    if user.locale != locale:
        user.locale = locale
        audit.record("user.locale_changed", user, actor=user, locale=locale)
        db.session.commit()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(user: User, name: str = "api") -> str:
    """Create a bearer token for the user and commit; only its hash is stored."""
    token = "cb_" + secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), name=name,
                            expires_at=utcnow() + timedelta(days=days)))
    audit.record("api_token.issued", user, actor=user)
    db.session.commit()
    return token


def user_for_api_token(token: str) -> User | None:
    """The active user owning a valid, unexpired, unrevoked token; None otherwise."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at < now):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or user.is_blocked:
        return None
    return user


def revoke_api_token(user: User, token: str) -> bool:
    """Revoke one of the user's tokens; returns whether one was revoked. Commits."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                      ApiToken.user_id == user.id))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("api_token.revoked", user, actor=user)
    db.session.commit()
    return True

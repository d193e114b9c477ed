"""API endpoints for accounts: sign up, trade credentials for a bearer token, revoke it, read and edit me."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.accounts import services as accounts
from app.core.accounts import throttle
from app.core.accounts.current import signed_in_user
from app.core.api.fields import choice, email_address, integer, moment, password, text
from app.core.api.plumbing import SIGNED_IN, api_route, bearer_token, iso
from app.core.api.schema import EMAIL_MAX, Field, Schema
from app.core.errors import Unauthenticated
from app.core.models import LOCALES, User
from app.extensions import limiter

NAME_MAX = 120  # users.name is VARCHAR(120)

USER = Schema(
    "User",
    integer("id", required=True),
    email_address("email", required=True),
    text("name", max_length=NAME_MAX, required=True),
    choice("role", ("nonprofit", "volunteer", "coordinator"), required=True),
    choice("locale", LOCALES, required=True),
    moment("created_at", required=True),
    description="An account. Never carries the password or session data.",
)

NEW_USER = Schema(
    "NewUser",
    email_address("email", required=True),
    password("password", min_length=8, required=True,
             description="At least 8 characters, not one of the most common passwords."),
    text("name", max_length=NAME_MAX, required=True),
    choice("role", accounts.SELF_SERVICE_ROLES, required=True,
           description="Coordinator accounts are created only from the command line."),
    choice("locale", LOCALES, description="Defaults to the request's language."),
)

CREDENTIALS = Schema(
    "Credentials",
    text("email", max_length=EMAIL_MAX, required=True),  # any shape: a wrong one simply matches no account
    password("password", required=True),
)

TOKEN = Schema(
    "Token",
    Field("token", required=True, description="Send it as `Authorization: Bearer <token>`."),
    Field("user", "object", schema=USER, required=True),
)

PROFILE = Schema(
    "Profile",
    text("name", max_length=NAME_MAX, required=True),
    choice("locale", LOCALES),
).as_partial("ProfilePatch")


def user_json(user: User) -> dict[str, Any]:
    """The caller-facing JSON of an account: no password hash, no session version."""
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "locale": user.locale, "created_at": iso(user.created_at)}


def user_summary(user: User | None) -> dict[str, Any] | None:
    """How another user appears in someone else's data (no e-mail address)."""
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": user.role}


@api_route("/users", ["POST"], summary=_l("Create a nonprofit or volunteer account"),
           body=NEW_USER, status=201, response=USER, tags=["accounts"],
           responses={409: _l("An account with this e-mail already exists (code email_taken)."),
                      429: _l("Too many sign-ups from this address; try again later.")})
@limiter.shared_limit(throttle.configured("SIGN_UP_RATE_LIMIT"), "sign-up", key_func=throttle.address)
def create_user(body: dict[str, Any]):
    locale = body.get("locale") or str(get_locale() or "zh_CN")
    user = accounts.create_user(email=body["email"], password=body["password"], name=body["name"],
                                role=body["role"], locale=locale if locale in LOCALES else "zh_CN")
    return user_json(user), 201


@api_route("/auth/token", ["POST"], summary=_l("Trade e-mail and password for a bearer token"),
           body=CREDENTIALS, response=TOKEN, tags=["accounts"],
           description=_l("Limited to 10 attempts a minute per address and e-mail, and 50 failed "
                          "attempts in 10 minutes per address."),
           responses={401: _l("Wrong e-mail or password."), 429: _l("Too many attempts.")})
@limiter.shared_limit(throttle.configured("SIGN_IN_RATE_LIMIT"), "sign-in",
                      key_func=throttle.address_and_email)
@limiter.shared_limit(throttle.configured("SIGN_IN_FAILURE_LIMIT"), "sign-in-failures",
                      key_func=throttle.address, deduct_when=throttle.failed)
def issue_token(body: dict[str, Any]):
    user = accounts.authenticate(body["email"], body["password"])
    if user is None:
        raise Unauthenticated(_("That e-mail and password do not match an account. "
                                "Check them and try again."), code="invalid_credentials")
    token = accounts.issue_api_token(user)
    return {"token": token, "user": user_json(user)}, 200, {"Cache-Control": "no-store"}


@api_route("/auth/token", ["DELETE"], summary=_l("Revoke the bearer token used for this call"),
           auth=SIGNED_IN, status=204, tags=["accounts"], endpoint="revoke_token")
def revoke_token():
    accounts.revoke_api_token(signed_in_user(), bearer_token() or "")
    return "", 204


@api_route("/me", ["GET"], summary=_l("The signed-in account"), auth=SIGNED_IN, response=USER,
           tags=["accounts"])
def read_me():
    return user_json(signed_in_user())


@api_route("/me", ["PATCH"], summary=_l("Change your name or language"), auth=SIGNED_IN,
           body=PROFILE, response=USER, tags=["accounts"])
def update_me(body: dict[str, Any]):
    user = accounts.update_settings(signed_in_user(), name=body.get("name"),
                                    locale=body.get("locale"))
    return user_json(user)

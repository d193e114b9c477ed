"""Account forms, and how every form view hands its form to a service: they check shape, services decide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import EqualTo, InputRequired, Length, StopValidation

from app.core.accounts.services import EMAIL_PREFERENCE_KEYS
from app.core.cleaning import NUL_MESSAGE, has_nul
from app.core.errors import Conflict, DomainError, Invalid
from app.core.i18n import LANGUAGE_NAMES

ROLE_CHOICES = [SelectChoice("nonprofit", _l("Nonprofit staff: my organisation needs software")),
                SelectChoice("volunteer", _l("Volunteer engineer: I want to build it"))]
LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]

T = TypeVar("T")


def refuse_nul(form: FlaskForm, field: Field) -> None:
    """Validator: no NUL character in the text (or in any item of a list field).

    PostgreSQL can't store or compare text holding one, so it would be a server error further on;
    the API's schema refuses it the same way.
    """
    if has_nul(field.data):
        raise StopValidation(str(NUL_MESSAGE))


def _email_field() -> EmailField:
    return EmailField(_l("E-mail"), validators=[
        InputRequired(message=_l("Enter your e-mail address.")),
        Length(max=254, message=_l("Use at most 254 characters.")),
    ], render_kw={"autocomplete": "email", "spellcheck": "false"})


def _new_password_field(label) -> PasswordField:
    return PasswordField(label, validators=[InputRequired(message=_l("Choose a password."))],
                         description=_l("At least 8 characters. Common passwords are refused."),
                         render_kw={"autocomplete": "new-password"})


def _confirm_field(other: str) -> PasswordField:
    return PasswordField(_l("Repeat the new password"), validators=[
        InputRequired(message=_l("Type the new password again.")),
        EqualTo(other, message=_l("The two passwords are not the same.")),
    ], render_kw={"autocomplete": "new-password"})


def _name_field() -> StringField:
    return StringField(_l("Your name"), validators=[
        InputRequired(message=_l("Tell us your name.")),
        Length(max=120, message=_l("Use at most 120 characters.")), refuse_nul,
    ], render_kw={"autocomplete": "name"})


def _language_field() -> RadioField:
    return RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="zh_CN",
                      validate_choice=False)  # the service names the allowed values


class SignUpForm(FlaskForm):
    # Choices are not validated here: accounts.create_user refuses other roles with its own message.
    role = RadioField(_l("I am joining as"), choices=ROLE_CHOICES, validate_choice=False,
                      validators=[InputRequired(message=_l("Choose nonprofit staff or volunteer engineer."))])
    name = _name_field()
    email = _email_field()
    password = _new_password_field(_l("Password"))
    locale = _language_field()


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"),
                             validators=[InputRequired(message=_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field("password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(message=_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _new_password_field(_l("New password"))
    confirm = _confirm_field("new_password")


class AccountSettingsForm(FlaskForm):
    name = _name_field()
    locale = _language_field()
    claims = BooleanField(_l("Claims: someone claims a seat on my project, or my claim is answered"))
    checkins = BooleanField(_l("Check-ins: new check-ins, replies and reminders"))
    delivery = BooleanField(_l("Delivery and reviews: the work is handed over, answered or reviewed"))
    digests = BooleanField(_l("Digests: a weekly summary of new projects and progress"))
    messages = BooleanField(_l("Messages: coordinators and teams write to me"))

    EMAIL_FIELDS = EMAIL_PREFERENCE_KEYS  # one BooleanField per key, same names

    def email_preferences(self) -> dict[str, bool]:
        """The e-mail choices as stored in User.email_preferences."""
        return {key: bool(getattr(self, key).data) for key in self.EMAIL_FIELDS}

    def fill_from(self, user) -> None:
        """Show the user's current settings (anything not turned off counts as on)."""
        self.name.data = user.name
        self.locale.data = user.locale
        for key in self.EMAIL_FIELDS:
            getattr(self, key).data = (user.email_preferences or {}).get(key, True) is not False


def show_service_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error messages on the form fields they name, or above the form.

    Invalid errors carry one sentence per field; a Conflict for a taken e-mail belongs to the
    e-mail field. Anything that names no field of this form is shown as a form-level error.
    """
    fields = dict(error.fields) if isinstance(error, Invalid) else {}
    if isinstance(error, Conflict) and error.code == "email_taken":
        fields = {"email": error.message}
    if not fields:
        form.form_errors.append(error.message)
        return
    for name, message in fields.items():
        field = form._fields.get(name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What became of a form handed to a service: done with the service's result, or shown again."""

    is_done: bool = False
    result: T | None = None
    error: DomainError | None = None  # the service's refusal, now shown on the form
    status: int = 200  # for showing the form again: 200 not submitted, 422 invalid, else the error's


def submit_form(form: FlaskForm, action: Callable[[], T], *,
                on_form: tuple[type[DomainError], ...] = (Invalid, Conflict)) -> Submission[T]:
    """Run `action` (the view's one service call) once `form` is submitted and valid.

    A service error of a type in `on_form` goes onto the form through show_service_errors; any
    other error propagates to the caller (and so to the error pages). Never raises by itself.
    """
    if not form.validate_on_submit():
        return Submission(status=422 if form.is_submitted() else 200)
    try:
        result = action()
    except on_form as error:
        show_service_errors(form, error)
        return Submission(error=error, status=error.status)
    return Submission(is_done=True, result=result)

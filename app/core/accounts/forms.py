"""Account forms: sign up, sign in, password reset and change, and the account settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import EqualTo, InputRequired, Length

from app.core.accounts.services import EMAIL_PREFERENCE_KEYS
from app.core.forms import LANGUAGE_CHOICES, refuse_nul

ROLE_CHOICES = [SelectChoice("nonprofit", _l("Nonprofit staff: my organisation needs software")),
                SelectChoice("volunteer", _l("Volunteer engineer: I want to build it"))]


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
    events = BooleanField(_l("Matching events: a place frees up for me, or my match is confirmed"))

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

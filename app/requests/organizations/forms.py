"""Organisation forms: profile, invitations, verification decisions. They check shape; services decide."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import LANGUAGE_CHOICES, refuse_nul
from app.core.templating import current_locale
from app.requests.organizations.causes import causes
from app.requests.organizations.services import LIMITS


def _limit(field: str, **render_kw: Any) -> dict[str, Any]:
    return {"maxlength": LIMITS[field], **render_kw}


class CheckboxListField(SelectMultipleField):
    """Several choices as check boxes (the service checks the values)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganizationForm(FlaskForm):
    """The profile. Every rule (required fields, known causes, addresses) is the service's, so one
    submission names every field that needs attention at once.
    """

    name = StringField(_l("Name of the organisation"), render_kw=_limit("name"),
                       description=_l("As registered, so a coordinator can find it in the official records."))
    description = TextAreaField(_l("What your organisation does"), render_kw=_limit("description", rows=6),
                                description=_l("Whom you serve, where, and how. Volunteers read this "
                                               "before they join a project."))
    cause_areas = CheckboxListField(_l("Cause areas"), validate_choice=False,
                                    description=_l("Choose every area your work belongs to."))
    region = StringField(_l("Region"), render_kw=_limit("region"),
                         description=_l("For example: 北京, Sichuan, or online."))
    website = URLField(_l("Website (optional)"),
                       render_kw=_limit("website", placeholder="https://", spellcheck="false"))
    registration_number = StringField(_l("Registration number (optional)"),
                                      render_kw=_limit("registration_number"),
                                      description=_l("The unified social credit code (统一社会信用代码) or "
                                                     "registration certificate number. It speeds up "
                                                     "verification."))
    contact_name = StringField(_l("Contact person"), render_kw=_limit("contact_name", autocomplete="name"))
    contact_phone = StringField(_l("Contact phone"),
                                render_kw=_limit("contact_phone", autocomplete="tel", inputmode="tel"))
    contact_email = EmailField(_l("Contact e-mail"),
                               render_kw=_limit("contact_email", autocomplete="email", spellcheck="false"))
    base_version = HiddenField()  # the profile's version when the form was filled (edit only)

    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = current_locale()
        self.cause_areas.choices = [SelectChoice(c.slug, c.label(locale)) for c in causes()]

    def profile(self) -> dict[str, Any]:
        """The typed values, as keyword arguments for the organisation services."""
        return {name: self[name].data for name in (
            "name", "description", "cause_areas", "region", "website", "registration_number",
            *self.CONTACT_FIELDS)}

    def fill_from(self, organization) -> None:
        """Show the organisation's current profile, and remember the version it is."""
        for name in self.profile():
            self[name].data = getattr(organization, name)
        self.base_version.data = str(organization.version)

    def base_version_number(self) -> int | None:
        """The version of the profile the form was filled from, if the page said so."""
        value = (self.base_version.data or "").strip()
        return int(value) if value.isdigit() else None

    def typed_differences(self, organization) -> list[tuple[str, str]]:
        """(label, what was typed) for each field whose typed value differs from the saved profile."""
        labels = {str(choice.value): str(choice.label) for choice in self.cause_areas.choices}
        differences = []
        for name, typed in self.profile().items():
            saved = getattr(organization, name)
            if name == "cause_areas":
                if sorted(typed or []) != sorted(saved or []):
                    differences.append((str(self[name].label.text),
                                        ", ".join(labels.get(slug, slug) for slug in typed or [])))
            elif (typed or "").strip() != (saved or ""):
                differences.append((str(self[name].label.text), (typed or "").strip()))
        return differences


class InvitationForm(FlaskForm):
    email = EmailField(_l("Your colleague's e-mail"), validators=[
        InputRequired(message=_l("Enter your colleague's e-mail address, like name@example.org.")),
        Length(max=254, message=_l("Use at most 254 characters."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class JoinWithNewAccountForm(FlaskForm):
    """An invited colleague's new account: the e-mail is the invited address, so it is not asked."""

    name = StringField(_l("Your name"), validators=[
        InputRequired(message=_l("Tell us your name.")),
        Length(max=120, message=_l("Use at most 120 characters.")), refuse_nul],
        render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Choose a password."))],
                             description=_l("At least 8 characters. Common passwords are refused."),
                             render_kw={"autocomplete": "new-password"})
    locale = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="zh_CN", validate_choice=False)


DECISION_CHOICES = [
    SelectChoice("verified", _l("Verify: the registration and contact check out")),
    SelectChoice("rejected", _l("Reject for now: something is missing or does not match")),
]


class VerificationDocumentForm(FlaskForm):
    """One supporting document: a registration certificate, a letter with the seal, and so on."""

    file = FileField(_l("Choose a document"))


class VerificationDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validate_choice=False,
                          validators=[InputRequired(message=_l("Choose verified or rejected."))])
    note = TextAreaField(_l("Note to the organisation"), validators=[
        Length(max=20_000, message=_l("Use at most %(max)d characters.")), refuse_nul],
        render_kw={"rows": 4},
        description=_l("The organisation's staff read this on their page and in an e-mail. When you "
                       "reject, say what to send or change."))

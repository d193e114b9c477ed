"""Forms of the guided intake: one question per step, built from the question set in requests/intake/."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.api.schema import TEXT_MAX, TITLE_MAX
from app.requests.intake import services as intake
from app.requests.intake.content import IntakeQuestion
from app.requests.models import HelpRequest, Organization

# The guided intake's steps, in order: one per question, then files, then a last look before submitting.
QUESTION_STEPS = ("title", "problem", "current_process", "users", "data_kept", "must_do", "rhythm",
                  "constraints", "deadline")
STEPS = (*QUESTION_STEPS, "attachments", "review")
STEP_LABELS = {
    "title": _l("Title"),
    "problem": _l("What is hard today"),
    "current_process": _l("How you do it now"),
    "users": _l("Who would use it"),
    "data_kept": _l("Information you keep"),
    "must_do": _l("What it must do"),
    "rhythm": _l("How often to hear from the team"),
    "constraints": _l("Limits to work within"),
    "deadline": _l("Date it must be ready by"),
    "attachments": _l("Examples and files"),
    "review": _l("Check and submit"),
}


class DayField(DateField):
    """A date input (YYYY-MM-DD) whose error says what to type, in the reader's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date as YYYY-MM-DD, like 2025-06-30.")) from None


class CheckboxListField(SelectMultipleField):
    """Several check boxes sharing one name; unknown values are left to the service."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Any subset of the options is fine; a forged value is simply not an option."""


def _length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


class NewRequestForm(FlaskForm):
    """The first step of a new request: which organisation, and the title."""

    # Optional here: the service names the field when no organisation of the user's was chosen.
    organization_id = RadioField(_l("Which organisation is this for?"), coerce=int, validate_choice=False,
                                 validators=[Optional()])
    title = StringField(_l("Title"), validators=[_length(TITLE_MAX)])

    def __init__(self, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.organization_id.choices = [SelectChoice(o.id, o.name) for o in organizations]
        self.organizations = organizations

    def chosen_organization(self) -> Organization | None:
        """The organisation chosen among the user's (their only one if none was sent), or None."""
        if self.organization_id.data is None and len(self.organizations) == 1:
            return self.organizations[0]
        return next((o for o in self.organizations if o.id == self.organization_id.data), None)


class AttachmentForm(FlaskForm):
    """One file for the request (wireframe, Excel template, photo of a paper form, PDF)."""

    file = FileField(_l("Choose a file"))


class WithdrawForm(FlaskForm):
    """Withdraw a request, optionally saying why."""

    reason = TextAreaField(_l("Why are you withdrawing it? (optional)"), validators=[_length(TEXT_MAX)],
                           description=_l("The organisation's staff and coordinators see this on the "
                                          "request's timeline."))


class StepForm(FlaskForm):
    """The form of one question step; `answers()` gives the values for intake.update_draft."""

    key: str = ""

    def answers(self, locale: str) -> dict[str, Any]:
        return {self.key: self[self.key].data}

    def error_field(self, name: str) -> Field | None:
        """The field showing a service error about request field `name`."""
        return self._fields.get(f"{name}_note") or self._fields.get(name)


class _ChoiceStepForm(StepForm):
    def answers(self, locale: str) -> dict[str, Any]:
        chosen = [self[self.key].data] if self[self.key].data else []
        values = {self.key: intake.join_choices(self.key, chosen, self[f"{self.key}_note"].data, locale)}
        if self.key == "rhythm" and chosen:
            values["checkin_cadence"] = chosen[0]  # the team's check-in rhythm follows the choice
        return values


class _ChecklistStepForm(StepForm):
    def answers(self, locale: str) -> dict[str, Any]:
        chosen = list(self[self.key].data or [])
        return {self.key: intake.join_choices(self.key, chosen, self[f"{self.key}_note"].data, locale)}


class _ListStepForm(StepForm):
    def answers(self, locale: str) -> dict[str, Any]:
        return {self.key: (self[self.key].data or "").splitlines()}


def _text(question: IntakeQuestion, locale: str) -> str:
    return question.question.get(locale) or question.question["en"]


def step_form_class(question: IntakeQuestion, locale: str) -> type[StepForm]:
    """A form class for `question`, labelled in `locale`; the field is named after the request field."""
    label, key = _text(question, locale), question.key
    limit = question.max_length or (TITLE_MAX if key == "title" else TEXT_MAX)
    options = [SelectChoice(value, text.get(locale) or text["en"]) for value, text in question.options]
    fields: dict[str, Any] = {"key": key}
    base: type[StepForm] = StepForm
    if question.kind == "text":
        fields[key] = StringField(label, validators=[_length(limit)])
    elif question.kind in ("textarea", "list"):
        help_text = _l("One item per line.") if question.kind == "list" else None
        fields[key] = TextAreaField(label, validators=[_length(limit)], description=help_text,
                                    render_kw={"rows": 8})
        base = _ListStepForm if question.kind == "list" else StepForm
    elif question.kind == "choice":
        fields[key] = RadioField(label, choices=options, validators=[Optional()], validate_choice=False)
        fields[f"{key}_note"] = TextAreaField(_l("Anything to add? (optional)"),
                                              validators=[_length(limit)], render_kw={"rows": 3})
        base = _ChoiceStepForm
    elif question.kind == "checklist":
        fields[key] = CheckboxListField(label, choices=options)
        fields[f"{key}_note"] = TextAreaField(_l("Anything else the engineers must know? (optional)"),
                                              validators=[_length(limit)], render_kw={"rows": 4})
        base = _ChecklistStepForm
    else:
        fields[key] = DayField(label, validators=[Optional()],
                               description=_l("Leave it empty if there is no hard date."))
    return type(f"{key.title().replace('_', '')}StepForm", (base,), fields)


def step_form(question: IntakeQuestion, locale: str, help_request: HelpRequest, *,
              submitted: bool) -> StepForm:
    """The step's form: filled from the POSTed data when `submitted`, else from the saved draft."""
    form_class = step_form_class(question, locale)
    if submitted:
        return form_class()
    key = question.key
    value = getattr(help_request, key)
    if question.kind == "list":
        return form_class(formdata=None, data={key: "\n".join(value or [])})
    if question.kind in ("choice", "checklist"):
        chosen, note = intake.split_choices(key, value)
        choice = chosen if question.kind == "checklist" else (chosen[0] if chosen else None)
        return form_class(formdata=None, data={key: choice, f"{key}_note": note})
    return form_class(formdata=None, data={key: value})

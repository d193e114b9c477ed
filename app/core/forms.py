"""How every form view hands its form to a service (forms check shape, services decide) and shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice
from wtforms.validators import StopValidation

from app.core.cleaning import NUL_MESSAGE, has_nul
from app.core.errors import Conflict, DomainError, Invalid
from app.core.i18n import LANGUAGE_NAMES

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]

T = TypeVar("T")


def refuse_nul(form: FlaskForm, field: Field) -> None:
    """Validator: no NUL character in the text (or in any item of a list field).

    PostgreSQL can't store or compare text holding one, so it would be a server error further on;
    the API's schema refuses it the same way.
    """
    if has_nul(field.data):
        raise StopValidation(str(NUL_MESSAGE))


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


def render_form(template: str, form: FlaskForm, **context) -> tuple[str, int]:
    """Render a form page: 200 when first shown, 422 when a submitted form comes back with errors."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status

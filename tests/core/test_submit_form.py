"""submit_form: a form view's one service call, with the service's refusals shown on the form."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from app.core.errors import Conflict, Invalid
from app.core.forms import submit_form


class NoteForm(FlaskForm):
    note = StringField("Note", validators=[InputRequired(message="Write a note.")])


def _never_called():
    raise AssertionError("the service ran")


def test_a_form_shown_for_the_first_time_does_not_reach_the_service(app):
    with app.test_request_context("/notes", method="GET"):
        submission = submit_form(NoteForm(), _never_called)
    assert (submission.is_done, submission.status) == (False, 200)


def test_a_form_failing_its_validators_comes_back_with_422_without_reaching_the_service(app):
    with app.test_request_context("/notes", method="POST", data={"note": ""}):
        form = NoteForm()
        submission = submit_form(form, _never_called)
    assert (submission.is_done, submission.status) == (False, 422)
    assert form.note.errors == ["Write a note."]


def test_a_valid_form_reaches_the_service_and_carries_its_result(app):
    with app.test_request_context("/notes", method="POST", data={"note": "hello"}):
        form = NoteForm()
        submission = submit_form(form, lambda: form.note.data.upper())
    assert (submission.is_done, submission.result, submission.error) == (True, "HELLO", None)


def test_the_services_invalid_lands_on_the_field_it_names_with_422(app):
    def refuse():
        raise Invalid("note", "That note is taken.")

    with app.test_request_context("/notes", method="POST", data={"note": "hello"}):
        form = NoteForm()
        submission = submit_form(form, refuse)
    assert (submission.is_done, submission.status) == (False, 422)
    assert isinstance(submission.error, Invalid)
    assert form.note.errors == ["That note is taken."]


def test_the_services_conflict_is_shown_above_the_form_with_409(app):
    def refuse():
        raise Conflict("Someone answered first.")

    with app.test_request_context("/notes", method="POST", data={"note": "hello"}):
        form = NoteForm()
        submission = submit_form(form, refuse)
    assert (submission.is_done, submission.status) == (False, 409)
    assert form.form_errors == ["Someone answered first."]


def test_an_error_the_form_does_not_show_reaches_the_error_pages(app):
    def refuse():
        raise Conflict("Someone answered first.")

    with app.test_request_context("/notes", method="POST", data={"note": "hello"}):
        form = NoteForm()
        with pytest.raises(Conflict):
            submit_form(form, refuse, on_form=(Invalid,))
    assert form.form_errors == []

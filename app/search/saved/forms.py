"""Saved-search forms: keeping the current search with a digest of new matches, and deleting one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from app.search.models import DIGEST_FREQUENCIES

FREQUENCY_LABELS = {"daily": _l("Every day"), "weekly": _l("Every week")}
NAME_MAX = 120


class SaveSearchForm(FlaskForm):
    """Keep the current search under a name, with a digest of new matches daily or weekly."""

    name = StringField(_l("Name"), validators=[
        InputRequired(message=_l("Give the search a name, like “Flask projects in education”.")),
        Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.", max=NAME_MAX))],
        render_kw={"maxlength": NAME_MAX})
    frequency = RadioField(_l("Send me new matches"), default="weekly", validate_choice=False,
                           choices=[SelectChoice(value, FREQUENCY_LABELS[value])
                                    for value in DIGEST_FREQUENCIES])
    search = HiddenField()  # the search's own query string, read back with search_form()


class DeleteForm(FlaskForm):
    """A button that deletes something: only its CSRF token is checked."""

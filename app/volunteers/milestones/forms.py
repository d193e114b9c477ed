"""Milestone forms: plan one, tick one off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.core.api.schema import TITLE_MAX


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[InputRequired(message=_l("Name the milestone.")),
                                                     Length(max=TITLE_MAX)])
    due_on = DateField(_l("Due on (optional)"), validators=[Optional()])


class MilestoneDoneForm(FlaskForm):
    """Tick a milestone off (only the CSRF token)."""

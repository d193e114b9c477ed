"""Delivery forms: the team's hand-over, the organisation's acceptance and its request for changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.core.web_addresses import WEB_ADDRESS_MAX as URL_MAX


class DeliveryForm(FlaskForm):
    repository_url = StringField(
        _l("Code repository"), validators=[InputRequired(message=_l("Enter the repository's address.")),
                                           Length(max=URL_MAX)],
        description=_l("For example https://github.com/your-team/project."),
        render_kw={"type": "url", "inputmode": "url", "autocomplete": "url"})
    demo_url = StringField(_l("Live link (optional)"), validators=[Optional(), Length(max=URL_MAX)],
                           description=_l("Where the nonprofit can try it now."),
                           render_kw={"type": "url", "inputmode": "url"})
    handover_notes = TextAreaField(
        _l("Hand-over notes"), validators=[InputRequired(message=_l("Write the hand-over notes."))],
        description=_l("How to run it, where and how to host it, how to maintain it, and its licence."),
        render_kw={"rows": 8})


class AcceptDeliveryForm(FlaskForm):
    """Only the CSRF token: accepting is one button."""


class ChangesForm(FlaskForm):
    body = TextAreaField(_l("What should change?"),
                         validators=[InputRequired(message=_l("Say what should change."))],
                         description=_l("The team reads this and the project goes back to work."),
                         render_kw={"rows": 5})

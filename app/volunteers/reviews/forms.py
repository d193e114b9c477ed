"""Review form: a rating from 1 to 5 and a few sentences about working together."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired

RATING_CHOICES = [SelectChoice(5, _l("5: excellent")), SelectChoice(4, _l("4: good")),
                  SelectChoice(3, _l("3: fair")), SelectChoice(2, _l("2: poor")),
                  SelectChoice(1, _l("1: very poor"))]


class ReviewForm(FlaskForm):
    rating = RadioField(_l("Rating"), choices=RATING_CHOICES, coerce=int, validate_choice=False,
                        validators=[InputRequired(message=_l("Choose a rating."))])
    body = TextAreaField(_l("Your review"),
                         validators=[InputRequired(message=_l("Write a sentence or two."))],
                         description=_l("What went well, and what could be better. Everyone can read it."),
                         render_kw={"rows": 5})

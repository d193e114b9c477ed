"""Check-in forms: the team's progress report, an answer to it, and a coordinator's nudge."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.volunteers.progress.services import HOURS_MAX

STATUS_CHOICES = [SelectChoice("on_track", _l("On track")), SelectChoice("at_risk", _l("At risk")),
                  SelectChoice("blocked", _l("Blocked"))]


class CheckInForm(FlaskForm):
    summary = TextAreaField(_l("What was done"), validators=[InputRequired(message=_l("Say what was done."))],
                            description=_l("Everyone following the request can read this."),
                            render_kw={"rows": 3})
    next_steps = TextAreaField(_l("What comes next"), validators=[Optional()], render_kw={"rows": 2})
    blockers = TextAreaField(_l("Anything in the way"), validators=[Optional()],
                             description=_l("Only the team, the organisation and coordinators see this."),
                             render_kw={"rows": 2})
    hours = DecimalField(_l("Hours given since the last check-in"), default=0, places=1,
                         validators=[InputRequired(message=_l("Enter the hours, 0 if none.")),
                                     NumberRange(min=0, max=HOURS_MAX)],
                         render_kw={"min": 0, "max": int(HOURS_MAX), "step": "0.5", "inputmode": "decimal"})
    status = RadioField(_l("How the project stands"), choices=STATUS_CHOICES, default="on_track",
                        validate_choice=False)
    percent_complete = IntegerField(
        _l("Percent complete"), default=0,
        validators=[InputRequired(message=_l("Enter a whole number from 0 to 100.")),
                    NumberRange(min=0, max=100)],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"})

    def values(self) -> dict:
        """The form's data as the check-in service's keyword arguments."""
        return {"summary": self.summary.data, "next_steps": self.next_steps.data or "",
                "blockers": self.blockers.data or "", "hours": float(self.hours.data or 0),
                "status": self.status.data, "percent_complete": self.percent_complete.data}


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[InputRequired(message=_l("Write an answer."))],
                         render_kw={"rows": 2})


class NudgeForm(FlaskForm):
    note = TextAreaField(_l("A word for the team (optional)"), validators=[Optional()], render_kw={"rows": 2})

"""Claim forms: claim a seat, answer a claim, leave a team, renew or conclude a commitment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.volunteers.claims.services import DEFAULT_COMMITMENT_MONTHS, HOURS_MAX, HOURS_MIN

ROLE_CHOICES = [SelectChoice("member", _l("Team member")),
                SelectChoice("lead", _l("Lead: I keep the team and the nonprofit in step"))]
COMMITMENT_CHOICES = [SelectChoice(1, _l("1 month")), SelectChoice(3, _l("3 months")),
                      SelectChoice(6, _l("6 months")), SelectChoice(12, _l("12 months"))]


def _commitment_field(label) -> RadioField:
    # Choices are not validated here: the service refuses other values with its own message.
    return RadioField(label, choices=COMMITMENT_CHOICES, coerce=int, default=DEFAULT_COMMITMENT_MONTHS,
                      validate_choice=False,
                      validators=[InputRequired(message=_l("Choose how long you commit."))])


class ClaimForm(FlaskForm):
    role = RadioField(_l("I join as"), choices=ROLE_CHOICES, default="member", validate_choice=False,
                      validators=[InputRequired(message=_l("Choose lead or member."))])
    hours_per_week = IntegerField(
        _l("Hours a week I commit"), default=4,
        validators=[InputRequired(message=_l("Enter the hours a week you commit.")),
                    NumberRange(min=HOURS_MIN, max=HOURS_MAX,
                                message=_l("Enter a number from %(min)d to %(max)d."))],
        description=_l("Be honest: most volunteers give 4 to 6 hours a week, evenings and weekends."),
        render_kw={"min": HOURS_MIN, "max": HOURS_MAX, "inputmode": "numeric"})
    commitment_months = _commitment_field(_l("For how long"))
    message = TextAreaField(
        _l("A message to the organisation"),
        description=_l("What you bring, and when you are usually available."),
        render_kw={"rows": 4})

    def values(self) -> dict:
        """The form's data as the claim service's keyword arguments."""
        return {"role": self.role.data, "hours_per_week": self.hours_per_week.data,
                "commitment_months": self.commitment_months.data, "message": self.message.data}


class DecisionForm(FlaskForm):
    """Accept or decline a claim; the note is optional and the volunteer reads it."""

    note = TextAreaField(_l("A note for the volunteer (optional)"), validators=[Optional()],
                         render_kw={"rows": 2})


class LeaveForm(FlaskForm):
    """Withdraw a claim, or release a seat (coordinators); the note says why."""

    note = TextAreaField(_l("Why (optional)"), validators=[Optional()], render_kw={"rows": 2})


class RenewForm(FlaskForm):
    commitment_months = _commitment_field(_l("Renew for"))


class ConcludeForm(FlaskForm):
    exit_note = TextAreaField(
        _l("How do you leave the work?"),
        validators=[InputRequired(message=_l("Tell the team how you leave the work."))],
        description=_l("What is done, what is half-way, and where the next volunteer should start."),
        render_kw={"rows": 5})

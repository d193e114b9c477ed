"""Forms of the coordinator review: the spec editor, thread messages, send back and reject."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.api.schema import TEXT_MAX
from app.core.forms import refuse_nul
from app.requests.review.services import EFFORT_HOURS_MAX, NOTE_MAX, TEAM_SIZE_MAX
from app.requests.review.spec_text import LIST_SECTIONS, SECTION_LABELS, TEXT_SECTIONS

ONE_PER_LINE = _l("One per line.")
_TEXT_LENGTH = Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters."))


def _section(name: str, description: Any = None, *validators: Any) -> TextAreaField:
    return TextAreaField(SECTION_LABELS[name], validators=[*validators, _TEXT_LENGTH],
                         description=description, render_kw={"rows": 4})


class SpecForm(FlaskForm):
    """Every section of the spec; list sections are edited as one item per line.

    `skills.choices` is set by the view from the taxonomy; unknown slugs are refused by the service.
    """

    base_version = HiddenField()
    summary = _section("summary", _l("Two or three sentences an engineer reads first."), DataRequired(
        message=_l("Write a summary: two or three sentences an engineer reads first.")))
    background = _section("background", _l("The nonprofit, its work today and why it needs this."))
    users_and_roles = _section("users_and_roles", ONE_PER_LINE)
    data_entities = _section("data_entities", ONE_PER_LINE)
    user_stories = _section("user_stories", _l("One per line, like “As a field volunteer I can …”."))
    acceptance_criteria = _section("acceptance_criteria", ONE_PER_LINE)
    constraints = _section("constraints", _l("Hosting, privacy, devices, connectivity. One per line."))
    open_questions = _section("open_questions", _l("What the nonprofit still has to answer. One per line."))
    skills = SelectMultipleField(SECTION_LABELS["skills"], validate_choice=False, validators=[refuse_nul])
    team_size = IntegerField(SECTION_LABELS["team_size"], validators=[
        InputRequired(message=_l("Enter how many engineers the project needs.")),
        NumberRange(1, TEAM_SIZE_MAX, message=_l("Enter a whole number from %(min)s to %(max)s."))])
    effort_hours = IntegerField(SECTION_LABELS["effort_hours"], validators=[
        InputRequired(message=_l("Enter the estimated effort in hours.")),
        NumberRange(1, EFFORT_HOURS_MAX, message=_l("Enter a whole number from %(min)s to %(max)s."))],
        description=_l("All engineers together, for the whole project."))
    effort_reasoning = _section("effort_reasoning")
    note = StringField(_l("Note for the version history"), validators=[
        Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.")), refuse_nul],
        description=_l("Optional: what you changed and why. Everyone who can see the spec can read it."))

    def fill_from(self, content: dict[str, Any], version: int | None) -> None:
        """Show a spec's canonical content, list sections one item per line."""
        for name in TEXT_SECTIONS:
            self[name].data = content[name]
        for name in LIST_SECTIONS:
            self[name].data = "\n".join(content[name])
        self.skills.data = list(content["skills"])
        self.team_size.data = content["team_size"]
        self.effort_hours.data = content["effort_hours"]
        self.base_version.data = str(version) if version is not None else ""

    def spec_changes(self) -> dict[str, Any]:
        """The sections as the service takes them (list sections split into lines)."""
        changes: dict[str, Any] = {name: self[name].data or "" for name in TEXT_SECTIONS}
        changes.update({name: (self[name].data or "").splitlines() for name in LIST_SECTIONS})
        changes.update(skills=list(self.skills.data or []), team_size=self.team_size.data,
                       effort_hours=self.effort_hours.data)
        return changes

    def base_version_number(self) -> int | None:
        """The version the editor started from, if the page said so."""
        value = (self.base_version.data or "").strip()
        return int(value) if value.isdigit() else None


class MessageForm(FlaskForm):
    """A message in the request's discussion."""

    body = TextAreaField(_l("Your message"), validators=[
        DataRequired(message=_l("Write a message first.")), _TEXT_LENGTH],
        description=_l("Plain text. The other side gets an e-mail."), render_kw={"rows": 4})
    next = HiddenField()


class SendBackForm(FlaskForm):
    """Questions that send a request back to its nonprofit."""

    message = TextAreaField(_l("Questions for the nonprofit"), validators=[
        DataRequired(message=_l("Write the questions the nonprofit should answer.")), _TEXT_LENGTH],
        description=_l("They land in the discussion and are e-mailed to the organisation's staff."),
        render_kw={"rows": 4})


class RejectForm(FlaskForm):
    """The reason a request is not accepted."""

    reason = TextAreaField(_l("Reason for rejecting"), validators=[DataRequired(
        message=_l("Say why the request is rejected: the nonprofit will read it.")), _TEXT_LENGTH],
        description=_l("E-mailed to the organisation's staff and kept on the request's private timeline."),
        render_kw={"rows": 3})

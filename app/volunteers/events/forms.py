"""Event forms: registering and ranking (H5's section), and the coordinator's event, feature, check-in
and board forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.core.forms import refuse_nul

# --- public and volunteer forms -------------------------------------------------------------------

# An engineer ranks at most this many projects: the engine weighs the first few choices most, and a
# long column of selects is hard to use on a phone.
MOST_RANKED = 5


class RankingForm(FlaskForm):
    """Register or change the ranking: choice 1, 2, 3... each a select of the featured projects.

    Built by `ranking_form` with one select per rank; a blank select ranks nothing.
    """

    choice_fields: tuple[str, ...] = ()
    project_ids: frozenset[int] = frozenset()

    def rank_fields(self) -> list[Any]:
        return [self[name] for name in self.choice_fields]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen: dict[int, int] = {}
        for rank, field in enumerate(self.rank_fields(), start=1):
            value = (field.data or "").strip()
            if not value:
                continue
            if not value.isdigit() or int(value) not in self.project_ids:
                field.errors = [*field.errors, str(_l("Choose one of the projects featured at this event."))]
                valid = False
            elif int(value) in chosen:
                field.errors = [*field.errors, str(_l("You chose this project already as choice %(num)d.",
                                                      num=chosen[int(value)]))]
                valid = False
            else:
                chosen[int(value)] = rank
        return valid

    def preferences(self) -> list[int]:
        """The chosen projects' request ids, best first (blank selects left out)."""
        return [int(field.data) for field in self.rank_fields() if (field.data or "").strip().isdigit()]


def ranking_form(projects: list[tuple[int, str]], current: list[int] | None = None) -> RankingForm:
    """A ranking form over the featured projects (id, title), filled with `current` when shown first."""
    ranks = min(len(projects), MOST_RANKED)
    choices = [SelectChoice("", _l("No choice")),
               *(SelectChoice(str(request_id), title) for request_id, title in projects)]
    fields = {f"choice_{rank}": SelectField(_l("Choice %(num)d", num=rank), choices=choices,
                                            validate_choice=False, validators=[Optional()])
              for rank in range(1, ranks + 1)}
    form_class = type("EventRankingForm", (RankingForm,), {
        **fields, "choice_fields": tuple(fields), "project_ids": frozenset(pid for pid, _title in projects)})
    if current is None:
        return form_class()
    return form_class(data={f"choice_{rank}": str(request_id)
                            for rank, request_id in enumerate(current[:ranks], start=1)})


class RegistrationActionForm(FlaskForm):
    """Cancel a registration: only the CSRF token."""


# --- coordinators ---------------------------------------------------------------------------------

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalTimeField(DateTimeLocalField):
    """A date and time typed in the page's time zone (Beijing time by default), read as UTC."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, format=TIME_FORMATS, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date and time, like 2026-12-20 14:00.")) from None

    def utc(self) -> datetime | None:
        """What was typed, as an aware UTC time (None when left empty)."""
        return to_utc(self.data).replace(tzinfo=UTC) if self.data else None


def local_time(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the page's local time, to fill a LocalTimeField."""
    return to_user_timezone(moment).replace(tzinfo=None) if moment else None


def _length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


class EventForm(FlaskForm):
    """Create or edit an event: what, when, where (a city and place, or an online link), how many."""

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Give the event a name.")),
                                               _length(200), refuse_nul])
    starts_at = LocalTimeField(_l("Starts"), validators=[InputRequired(message=_l("Enter when it starts."))],
                               description=_l("Beijing time."))
    ends_at = LocalTimeField(_l("Ends"), validators=[Optional()])
    online = BooleanField(_l("Online event"))
    city = StringField(_l("City"), validators=[_length(100), refuse_nul])
    location = StringField(_l("Place"), validators=[_length(200), refuse_nul],
                           description=_l("The venue and room, for an event in a city."))
    online_url = StringField(_l("Online link"), validators=[_length(500), refuse_nul],
                             description=_l("The meeting link, for an online event."),
                             render_kw={"inputmode": "url"})
    capacity = IntegerField(_l("Capacity"), validators=[
        InputRequired(message=_l("Enter how many engineers can come.")),
        NumberRange(min=1, max=100000, message=_l("Enter a number from %(min)d to %(max)d."))],
        description=_l("Past this number, new registrations join the waiting list."),
        render_kw={"min": 1, "inputmode": "numeric"})
    registration_closes_at = LocalTimeField(
        _l("Registration closes"), validators=[Optional()],
        description=_l("Engineers can register and change their ranking until then; without it, "
                       "until the event ends."))
    description = TextAreaField(_l("Description"), validators=[_length(5000), refuse_nul],
                                render_kw={"rows": 5})

    @classmethod
    def of(cls, event: Any) -> EventForm:
        """The form filled with an event's current values, times in the page's time zone."""
        return cls(data={
            "name": event.name, "starts_at": local_time(event.starts_at),
            "ends_at": local_time(event.ends_at),
            "online": event.online, "city": event.city, "location": event.location,
            "online_url": event.online_url or "", "capacity": event.capacity,
            "registration_closes_at": local_time(event.registration_closes_at),
            "description": event.description})

    def values(self) -> dict[str, Any]:
        """The form's data as create_event's / update_event's keyword arguments."""
        return {"name": (self.name.data or "").strip(), "starts_at": self.starts_at.utc(),
                "ends_at": self.ends_at.utc(), "city": (self.city.data or "").strip(),
                "location": (self.location.data or "").strip(), "online": bool(self.online.data),
                "online_url": (self.online_url.data or "").strip() or None, "capacity": self.capacity.data,
                "registration_closes_at": self.registration_closes_at.utc(),
                "description": (self.description.data or "").strip()}


class ConfirmForm(FlaskForm):
    """A button that does one thing once the coordinator has read what it does (publish, close)."""


class FeatureForm(FlaskForm):
    """Feature one or more open requests (their ids, as the search's Feature buttons send them)."""

    request_ids = StringField(validators=[InputRequired(message=_l("Choose a request to feature."))])

    def ids(self) -> list[int]:
        return _ids(self.request_ids.data)


class RequestSearchForm(FlaskForm):
    """The no-script search for open requests to feature (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search open requests"), validators=[Optional(), _length(200)])


class CheckInForm(FlaskForm):
    """Check one person in: by their row's button (user_id) or by the code they show."""

    user_id = HiddenField()
    check_in_code = StringField(_l("Check-in code"), validators=[Optional(), _length(16), refuse_nul],
                                render_kw={"autocomplete": "off", "autocapitalize": "characters"})

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.user_id.data or "").strip().isdigit() and not (self.check_in_code.data or "").strip():
            missing = _l("Enter the code the engineer shows, or choose them in the list.")
            self.check_in_code.errors = [*self.check_in_code.errors, str(missing)]
            return False
        return True


class BoardForm(FlaskForm):
    """The board's buttons (run, confirm, lock, unlock): only the CSRF token and who they concern."""

    user_id = HiddenField()


class MoveForm(FlaskForm):
    """Move one engineer to another featured project, or take them off ("")."""

    user_id = HiddenField(validators=[InputRequired()])
    request_id = SelectField(_l("Move to"), choices=[], validate_choice=False)


def _ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").replace(",", " ").split() if part.isdigit()]

"""The volunteer profile form: skills with levels, time and place, languages, causes, links, bio, phone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.models import Skill
from app.core.templating import current_locale
from app.requests.organizations.causes import causes
from app.volunteers.models import VolunteerProfile
from app.volunteers.profiles.queries import LANGUAGES, LEVEL_NAMES
from app.volunteers.profiles.services import (
    DEFAULT_TIMEZONE,
    HOURS_MAX,
    HOURS_MIN,
    LIMITS,
)

# Offered in the time-zone field's list; any other IANA name may be typed.
COMMON_TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "Asia/Singapore",
                    "Asia/Tokyo", "Asia/Seoul", "Europe/London", "Europe/Berlin", "America/New_York",
                    "America/Los_Angeles", "America/Vancouver", "Australia/Sydney", "UTC")
DEFAULT_LEVEL = "3"


class CheckboxListField(SelectMultipleField):
    """Several choices as check boxes (the service checks the values)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def level_field_name(slug: str) -> str:
    """The form field holding the level of one skill (slugs use hyphens, field names underscores)."""
    return "level_" + slug.replace("-", "_")


def _level_choices() -> list[SelectChoice]:
    return [SelectChoice(str(level), _l("%(level)d · %(name)s", level=level, name=name))
            for level, name in LEVEL_NAMES.items()]


class ProfileForm(FlaskForm):
    """Shape only: every rule (ranges, known skills, time zones, addresses) is the service's, so one
    submission names every field that needs attention at once and the API and the page agree.
    """

    skills = CheckboxListField(_l("Your skills"), validate_choice=False,
                               description=_l("Tick what you can do and say how well: 1 is learning, "
                                              "5 is expert."))
    hours_per_week = StringField(_l("Hours a week you can give"),
                                 render_kw={"inputmode": "numeric", "type": "number", "min": HOURS_MIN,
                                            "max": HOURS_MAX},
                                 description=_l("A whole number from %(min)d to %(max)d. Most volunteers "
                                                "give 5 or 6 hours, in the evenings and at weekends.",
                                                min=HOURS_MIN, max=HOURS_MAX))
    city = StringField(_l("City"), render_kw={"maxlength": LIMITS["city"], "autocomplete": "address-level2"},
                       description=_l("Where you live, for on-site work and matching events. For example: "
                                      "上海 or Chengdu."))
    timezone = StringField(_l("Time zone"), default=DEFAULT_TIMEZONE,
                           render_kw={"maxlength": LIMITS["timezone"], "list": "timezone-options",
                                      "spellcheck": "false", "autocapitalize": "off"},
                           description=_l("An IANA name, such as Asia/Shanghai or Europe/London."))
    remote = RadioField(_l("How you work"), validate_choice=False, default="remote", choices=[
        SelectChoice("remote", _l("Remotely, online")),
        SelectChoice("onsite", _l("On site, in my city")),
    ])
    languages = CheckboxListField(_l("Languages you work in"), validate_choice=False)
    causes = CheckboxListField(_l("Causes you care about"), validate_choice=False,
                               description=_l("Projects in these areas are recommended to you first."))
    github_url = URLField(_l("GitHub or Gitee profile (optional)"),
                          render_kw={"maxlength": LIMITS["github_url"], "placeholder": "https://",
                                     "spellcheck": "false"})
    portfolio_url = URLField(_l("Portfolio or personal site (optional)"),
                             render_kw={"maxlength": LIMITS["portfolio_url"], "placeholder": "https://",
                                        "spellcheck": "false"})
    bio = TextAreaField(_l("A short bio"), render_kw={"maxlength": LIMITS["bio"], "rows": 5},
                        description=_l("What you do and what you would like to build, in at most "
                                       "2,000 characters. Nonprofits read this when you claim a seat."))
    phone = StringField(_l("Phone (private)"),
                        render_kw={"maxlength": LIMITS["phone"], "autocomplete": "tel", "inputmode": "tel"},
                        description=_l("Only you see it. Nobody else does, coordinators included."))

    SKILL_FIELDS = ("skills",)
    PLACE_FIELDS = ("hours_per_week", "city", "timezone", "remote")
    ABOUT_FIELDS = ("bio", "github_url", "portfolio_url")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = current_locale()
        self.languages.choices = [SelectChoice(code, str(label)) for code, label in LANGUAGES.items()]
        self.causes.choices = [SelectChoice(c.slug, c.label(locale)) for c in causes()]

    def level_of(self, slug: str):
        """The level select of one skill."""
        return self[level_field_name(slug)]

    def fill_from(self, profile: VolunteerProfile | None) -> None:
        """Show the saved profile (or the defaults before the first save)."""
        if profile is None:
            return
        self.skills.data = [held.skill.slug for held in profile.skills]
        for held in profile.skills:
            if level_field_name(held.skill.slug) in self:
                self.level_of(held.skill.slug).data = str(held.level)
        self.hours_per_week.data = str(profile.hours_per_week)
        self.remote.data = "remote" if profile.remote else "onsite"
        for name in ("city", "timezone", "languages", "causes", "github_url", "portfolio_url", "bio",
                     "phone"):
            self[name].data = getattr(profile, name)

    def changes(self) -> dict[str, Any]:
        """The typed values, as keyword arguments for `profiles.update_profile`."""
        chosen = list(dict.fromkeys(self.skills.data or []))
        skills = [{"name": slug,
                   "level": self.level_of(slug).data if level_field_name(slug) in self else None}
                  for slug in chosen]
        values = {name: self[name].data for name in ("hours_per_week", "city", "timezone", "github_url",
                                                     "portfolio_url", "bio", "phone")}
        return {"skills": skills, "remote": self.remote.data != "onsite",
                "languages": list(self.languages.data or []), "causes": list(self.causes.data or []),
                **values}


def profile_form(skills: Sequence[Skill], **kwargs: Any) -> ProfileForm:
    """A ProfileForm with one level select per skill of the taxonomy (named `level_<slug>`)."""
    fields = {level_field_name(skill.slug): SelectField(_l("Level"), choices=_level_choices(),
                                                        default=DEFAULT_LEVEL, validate_choice=False)
              for skill in skills}
    form_class = type("ProfileFormWithLevels", (ProfileForm,), fields)
    return form_class(**kwargs)

"""Saving a volunteer profile: every field checked (skills named in either language), one commit.

Reading profiles, the skills type-ahead, the public facts and completeness live in
`app.volunteers.profiles.queries`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.core.audit import services as audit
from app.core.cleaning import clean_text_into, phone_problem
from app.core.errors import Conflict, Invalid, NotAllowed
from app.core.models import Skill, User
from app.core.web_addresses import web_address
from app.extensions import db
from app.requests.organizations.causes import causes
from app.volunteers.models import VolunteerProfile, VolunteerSkill
from app.volunteers.profiles.queries import LANGUAGES, fold, get_profile, resolve_skill_names

HOURS_MIN, HOURS_MAX = 1, 40
MAX_SKILLS = 30
# Column widths of VolunteerProfile; a longer value would fail only on PostgreSQL, so check them here.
LIMITS = {"city": 100, "timezone": 60, "github_url": 255, "portfolio_url": 255, "bio": 2000, "phone": 40}
DEFAULT_TIMEZONE = "Asia/Shanghai"
EDITABLE_FIELDS = ("skills", "hours_per_week", "city", "timezone", "remote", "languages", "causes",
                   "github_url", "portfolio_url", "bio", "phone")


def _clean_hours(value: Any, errors: dict[str, str]) -> int | None:
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,3}", text) or not (
            HOURS_MIN <= int(text) <= HOURS_MAX):
        errors["hours_per_week"] = _("Enter the hours you can give each week, a whole number from "
                                     "%(min)d to %(max)d.", min=HOURS_MIN, max=HOURS_MAX)
        return None
    return int(text)


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _clean_timezone(value: Any, errors: dict[str, str]) -> str | None:
    name = clean_text_into(errors, value, "timezone", max_length=LIMITS["timezone"])
    if name is None:
        return None
    if not name:
        return DEFAULT_TIMEZONE
    known = _known_timezones()
    try:
        valid = name in known if known else ZoneInfo(name) is not None
    except (ZoneInfoNotFoundError, ValueError):
        valid = False
    if not valid:
        errors["timezone"] = _("“%(value)s” is not a time zone we know. Use an IANA name such as "
                               "Asia/Shanghai or Europe/London.", value=name[:60])
        return None
    return name


def _clean_url(value: Any, field: str, errors: dict[str, str]) -> str | None:
    text = clean_text_into(errors, value, field, max_length=LIMITS[field])
    if not text:
        return None
    candidate = web_address(text)  # people type "github.com/name"; the scheme is added
    if candidate is None:
        errors[field] = _("Enter a web address starting with http:// or https://, like "
                          "https://github.com/your-name.")
        return None
    return candidate


def _clean_phone(value: Any, errors: dict[str, str]) -> str | None:
    text = clean_text_into(errors, value, "phone", max_length=LIMITS["phone"])
    problem = phone_problem(text) if text else None
    if problem:
        errors["phone"] = problem
        return None
    return text or None


def _word_map(entries: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Code → code, plus each entry's label in Chinese and in English → code (folded)."""
    words: dict[str, str] = {}
    for code, label in entries:
        words[fold(code)] = code
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                words[fold(str(label))] = code
    return words


def _clean_choices(values: Any, field: str, words: dict[str, str], problem: Callable[[str], str],
                   errors: dict[str, str]) -> list[str] | None:
    """Known codes in the order given (labels in either language accepted), each bad item named."""
    if not isinstance(values, list | tuple):
        errors[field] = _("Send a list.")
        return None
    cleaned: list[str] = []
    failed = False
    for index, value in enumerate(values):
        code = words.get(fold(value)) if isinstance(value, str) else None
        if code is None:
            errors[f"{field}[{index}]"] = problem(str(value)[:60])
            failed = True
        elif code not in cleaned:
            cleaned.append(code)
    return None if failed else cleaned


def _clean_languages(values: Any, errors: dict[str, str]) -> list[str] | None:
    def problem(value: str) -> str:
        return _("“%(value)s” is not a language we know. Use a code such as zh, en or yue.", value=value)

    return _clean_choices(values, "languages", _word_map(LANGUAGES.items()), problem, errors)


def _clean_causes(values: Any, errors: dict[str, str]) -> list[str] | None:
    words = {fold(word): cause.slug for cause in causes() for word in (cause.slug, cause.en, cause.zh)}

    def problem(value: str) -> str:
        return _("“%(value)s” is not one of our cause areas. Use a slug such as health or education.",
                 value=value)

    return _clean_choices(values, "causes", words, problem, errors)


def _clean_remote(value: Any, errors: dict[str, str]) -> bool | None:
    if not isinstance(value, bool):
        errors["remote"] = _("Choose whether you work remotely or on site.")
        return None
    return value


def _skill_label(skill: Skill) -> str:
    locale = get_locale()
    return skill.display_name("en" if locale is not None and locale.language == "en" else "zh_CN")


def _clean_skills(values: Any, errors: dict[str, str]) -> dict[int, tuple[Skill, int]] | None:
    """{skill id: (skill, level)} from [{name, level}], every bad entry named as skills[i].name/.level."""
    if not isinstance(values, list | tuple):
        errors["skills"] = _("Send a list.")
        return None
    if len(values) > MAX_SKILLS:
        errors["skills"] = _("Choose at most %(n)d skills: the ones you would like to use.", n=MAX_SKILLS)
        return None
    names = [str(entry.get("name", "")) if isinstance(entry, dict) else "" for entry in values]
    found, problems = resolve_skill_names(names)
    chosen: dict[int, tuple[Skill, int]] = {}
    for index, (entry, skill) in enumerate(zip(values, found, strict=True)):
        raw_level = entry.get("level") if isinstance(entry, dict) else None
        level = int(raw_level) if re.fullmatch(r"[1-5]", str(raw_level).strip()) else None
        if index in problems:
            errors[f"skills[{index}].name"] = problems[index]
        elif skill is not None and skill.id in chosen:
            errors[f"skills[{index}].name"] = _("%(skill)s is listed twice. Keep it once, with one level.",
                                                skill=_skill_label(skill))
        if level is None:
            label = _skill_label(skill) if skill is not None else names[index][:60]
            errors[f"skills[{index}].level"] = _("Choose a level from 1 (learning) to 5 (expert) for "
                                                 "%(skill)s.", skill=label)
        if skill is not None and level is not None:
            chosen.setdefault(skill.id, (skill, level))
    return chosen


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Every given field checked at once; raises Invalid naming each bad one."""
    errors: dict[str, str] = {}
    cleaners: dict[str, Callable[[Any], Any]] = {
        "skills": lambda value: _clean_skills(value, errors),
        "hours_per_week": lambda value: _clean_hours(value, errors),
        "city": lambda value: clean_text_into(errors, value, "city", max_length=LIMITS["city"]) or None,
        "timezone": lambda value: _clean_timezone(value, errors),
        "remote": lambda value: _clean_remote(value, errors),
        "languages": lambda value: _clean_languages(value, errors),
        "causes": lambda value: _clean_causes(value, errors),
        "github_url": lambda value: _clean_url(value, "github_url", errors),
        "portfolio_url": lambda value: _clean_url(value, "portfolio_url", errors),
        "bio": lambda value: clean_text_into(errors, value, "bio", max_length=LIMITS["bio"]) or "",
        "phone": lambda value: _clean_phone(value, errors),
    }
    cleaned = {name: cleaners[name](value) for name, value in changes.items()}
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _replace_skills(profile: VolunteerProfile, chosen: dict[int, tuple[Skill, int]]) -> bool:
    """Make the profile's skills exactly `chosen`; True when anything changed."""
    changed = False
    for held in list(profile.skills):
        if held.skill_id not in chosen:
            profile.skills.remove(held)
            changed = True
        elif held.level != chosen[held.skill_id][1]:
            held.level = chosen[held.skill_id][1]
            changed = True
    held_ids = {held.skill_id for held in profile.skills}
    for skill_id, (skill, level) in chosen.items():
        if skill_id not in held_ids:
            profile.skills.append(VolunteerSkill(skill=skill, level=level))
            changed = True
    return changed


def update_profile(user: User, **changes: Any) -> VolunteerProfile:
    """Save the volunteer's own profile and commit; fields not given keep their values.

    Accepts `skills` ([{name, level}] where name is a slug, a name in either language or a
    synonym), `hours_per_week` (1-40), `city`, `timezone` (IANA), `remote` (bool), `languages`
    (codes or names), `causes` (slugs or names), `github_url`/`portfolio_url` (http or https),
    `bio` (at most 2,000 characters) and `phone` (private). The first save creates the profile.
    Records an audit event naming the fields that changed, never their private values.
    Raises NotAllowed for non-volunteers, Invalid naming every bad field (skills[i].name,
    languages[i], ...) at once, and Conflict if another save created the profile at the same moment.
    """
    if not user.is_volunteer:
        raise NotAllowed(_("Only volunteer engineers have a profile with skills and hours."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_profile() got unknown fields: {sorted(unknown)}")
    cleaned = _clean(changes)
    profile = get_profile(user)
    created = profile is None
    if profile is None:
        profile = VolunteerProfile(user_id=user.id, hours_per_week=6, timezone=DEFAULT_TIMEZONE, remote=True,
                                   languages=[], causes=[], bio="")
        db.session.add(profile)
    # On the first save every given field counts as changed, even one equal to its default.
    changed = [name for name in EDITABLE_FIELDS
               if name in cleaned and (_apply(profile, name, cleaned[name]) or created)]
    audit.record("volunteer_profile.updated", actor=user, target_type="volunteer_profiles",
                 target_id=user.id, created=created, changed=changed)
    try:
        db.session.commit()
    except IntegrityError:  # two first saves at once both tried to insert the profile row
        db.session.rollback()
        raise Conflict(_("Your profile was saved from somewhere else at the same moment. Reload the "
                         "page and save again."), code="profile_conflict") from None
    return profile


def _apply(profile: VolunteerProfile, name: str, value: Any) -> bool:
    """Set one cleaned field; True when the stored value changed."""
    if name == "skills":
        return _replace_skills(profile, value)
    if getattr(profile, name) == value:
        return False
    setattr(profile, name, list(value) if isinstance(value, list) else value)
    return True

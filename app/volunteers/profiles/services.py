"""Volunteer profiles: skills looked up in both languages, saving, the public facts and completeness."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.core.audit import services as audit
from app.core.cleaning import clean_text_into, phone_problem
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.models import Skill, User
from app.core.web_addresses import web_address
from app.extensions import db
from app.requests.models import HelpRequest, Organization
from app.requests.organizations.services import causes
from app.volunteers.models import CheckIn, Claim, Review, VolunteerProfile, VolunteerSkill

HOURS_MIN, HOURS_MAX = 1, 40
MAX_SKILLS = 30
# Column widths of VolunteerProfile; a longer value would fail only on PostgreSQL, so check them here.
LIMITS = {"city": 100, "timezone": 60, "github_url": 255, "portfolio_url": 255, "bio": 2000, "phone": 40}
DEFAULT_TIMEZONE = "Asia/Shanghai"
SUGGESTION_LIMIT = 8
QUERY_MAX = 60
REVIEWS_SHOWN = 20
EDITABLE_FIELDS = ("skills", "hours_per_week", "city", "timezone", "remote", "languages", "causes",
                   "github_url", "portfolio_url", "bio", "phone")

# Languages a volunteer can work in: ISO 639 codes, named in the reader's language.
LANGUAGES: dict[str, Any] = {
    "zh": _l("Mandarin Chinese"), "yue": _l("Cantonese"), "en": _l("English"),
    "wuu": _l("Wu Chinese (Shanghainese)"), "nan": _l("Min Nan (Hokkien, Teochew)"), "hak": _l("Hakka"),
    "bo": _l("Tibetan"), "ug": _l("Uyghur"), "mn": _l("Mongolian"), "ii": _l("Yi"), "za": _l("Zhuang"),
    "csl": _l("Chinese Sign Language"), "ja": _l("Japanese"), "ko": _l("Korean"), "fr": _l("French"),
    "de": _l("German"), "es": _l("Spanish"), "ru": _l("Russian"), "ar": _l("Arabic"),
}
LEVEL_NAMES: dict[int, Any] = {1: _l("Learning"), 2: _l("Some experience"), 3: _l("Comfortable"),
                               4: _l("Strong"), 5: _l("Expert")}

_SEPARATORS = re.compile(r"[\s\-_./·&+,，、()（）]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def level_name(level: int) -> str:
    """The translated word for a skill level (1 learning … 5 expert)."""
    return str(LEVEL_NAMES.get(level, level))


def language_name(code: str) -> str:
    """The translated name of a language code; an unknown code is shown as it is."""
    return str(LANGUAGES.get(code, code))


# --- skills: type-ahead and names ---------------------------------------------------------------

def _fold(text: str) -> str:
    """Full-width and case variants as one: ＳＱＬ, sql and SQL fold alike."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _compact(text: str) -> str:
    """The folded text without spaces and punctuation, so "mini program" meets "mini-program"."""
    return _SEPARATORS.sub("", _fold(text))


@dataclass(frozen=True)
class SkillSuggestion:
    """A skill matching what someone typed, with the word that matched when it is not a name."""

    skill: Skill
    matched: str | None


def _words(skill: Skill) -> list[tuple[str, bool]]:
    """Every word a skill answers to, each flagged True when it is one of its names."""
    names = [(skill.slug, True), (skill.name_en, True), (skill.name_zh, True)]
    return names + [(synonym, False) for synonym in skill.synonyms or []]


def _match_rank(query: str, word: str, allow_inside: bool) -> int | None:
    """0 exact, 1 prefix, 2 a later word's prefix, 3 inside a word; None when the word doesn't match."""
    compact = _compact(word)
    if not compact:
        return None
    if compact == query:
        return 0
    if compact.startswith(query):
        return 1
    if any(part.startswith(query) for part in _SEPARATORS.split(_fold(word))[1:]):
        return 2
    if allow_inside and query in compact:
        return 3
    return None


def suggest_skills(query: str, limit: int = SUGGESTION_LIMIT) -> list[SkillSuggestion]:
    """Skills whose Chinese or English name, slug or synonyms match `query`, best first.

    Matching ignores case, full-width forms, spaces and hyphens. An exact word beats a prefix,
    a prefix beats the start of a later word, which beats a match inside a word (allowed for
    Chinese text or queries of two letters or more); names beat synonyms. Empty queries give [].
    """
    wanted = _compact(query[:QUERY_MAX])
    if not wanted:
        return []
    allow_inside = len(wanted) >= 2 or bool(_CJK.search(wanted))
    ranked: list[tuple[tuple[int, int, int, str], SkillSuggestion]] = []
    for skill in db.session.scalars(sa.select(Skill)):
        best: tuple[int, int, str] | None = None  # (rank, 1 for a synonym, the word)
        for word, is_name in _words(skill):
            rank = _match_rank(wanted, word, allow_inside)
            if rank is not None and (best is None or (rank, int(not is_name)) < best[:2]):
                best = (rank, int(not is_name), word)
        if best is not None:
            rank, synonym, word = best
            suggestion = SkillSuggestion(skill, word if synonym else None)
            # Among equal matches the shorter name first: it is usually the broader skill.
            ranked.append(((rank, synonym, len(skill.name_en), skill.slug), suggestion))
    ranked.sort(key=lambda pair: pair[0])
    return [suggestion for _key, suggestion in ranked[:limit]]


def resolve_skill_names(names: Sequence[str]) -> tuple[list[Skill | None], dict[int, str]]:
    """The skill each name means: a slug, an English or Chinese name, or a synonym (in that order).

    Returns one Skill (or None) per name, and for names that match nothing, or match several
    skills equally well, a sentence saying so by position. One query for all names.
    """
    tiers: list[dict[str, list[Skill]]] = [{}, {}, {}]
    for skill in db.session.scalars(sa.select(Skill).order_by(Skill.slug)):
        for tier, words in enumerate(([skill.slug], [skill.name_en, skill.name_zh], skill.synonyms or [])):
            for word in words:
                bucket = tiers[tier].setdefault(_compact(word), [])
                if skill not in bucket:
                    bucket.append(skill)
    found: list[Skill | None] = []
    problems: dict[int, str] = {}
    for position, name in enumerate(names):
        key = _compact(name)
        if not key:
            found.append(None)
            problems[position] = _("Name the skill: its slug, or its name in Chinese or English.")
            continue
        candidates = next((tier[key] for tier in tiers if key in tier), [])
        if len(candidates) == 1:
            found.append(candidates[0])
            continue
        found.append(None)
        if candidates:
            problems[position] = _("“%(name)s” could mean several skills: %(choices)s. Use one of "
                                   "these slugs.", name=name[:60],
                                   choices=", ".join(s.slug for s in candidates))
        else:
            problems[position] = _("“%(name)s” is not in our skills list. Use a skill's slug, or its "
                                   "name or synonym in Chinese or English.", name=name[:60])
    return found, problems


def skills_by_category() -> list[tuple[str, list[Skill]]]:
    """Every skill of the taxonomy, grouped by category slug, categories and skills in taxonomy order."""
    groups: dict[str, list[Skill]] = {}
    for skill in db.session.scalars(sa.select(Skill).order_by(Skill.id)):
        groups.setdefault(skill.category, []).append(skill)
    return list(groups.items())


# --- reading a profile --------------------------------------------------------------------------

def get_profile(user: User) -> VolunteerProfile | None:
    """The volunteer's saved profile with its skills loaded, or None before the first save."""
    return db.session.scalar(
        sa.select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
        .options(joinedload(VolunteerProfile.skills).joinedload(VolunteerSkill.skill)))


def sorted_skills(profile: VolunteerProfile | None, locale: str) -> list[VolunteerSkill]:
    """The profile's skills, strongest first, then by name in `locale`."""
    if profile is None:
        return []
    return sorted(profile.skills, key=lambda vs: (-vs.level, vs.skill.display_name(locale).casefold()))


# --- saving a profile ---------------------------------------------------------------------------

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
        words[_fold(code)] = code
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                words[_fold(str(label))] = code
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
        code = words.get(_fold(value)) if isinstance(value, str) else None
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
    words = {_fold(word): cause.slug for cause in causes() for word in (cause.slug, cause.en, cause.zh)}

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


# --- the public profile -------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveredProject:
    """A delivered request the volunteer completed a seat on."""

    request_id: int
    title: str
    organization_name: str
    role: str
    delivered_at: datetime | None


@dataclass(frozen=True)
class PublicProfile:
    """What anyone may read about a volunteer: never their e-mail address or phone number."""

    user: User
    profile: VolunteerProfile | None
    delivered: list[DeliveredProject]
    hours_given: float
    reviews: list[Review]
    review_count: int
    average_rating: float | None


def public_profile(user_id: int, viewer: User | None = None) -> PublicProfile:
    """The public facts of a volunteer in a fixed number of queries (no N+1 whatever the history).

    Delivered projects are requests in `delivered` whose claim by the volunteer is `completed`;
    hours given sum the volunteer's check-ins; reviews are those whose subject is the volunteer,
    newest first (the latest 20, with the count and average of all). Raises NotFound for an
    unknown id, a user who is not a volunteer, and a blocked volunteer unless a coordinator asks.
    """
    user = db.session.get(User, user_id)
    if user is None or not user.is_volunteer:
        raise NotFound()
    if user.is_blocked and not (viewer is not None and getattr(viewer, "is_coordinator", False)):
        raise NotFound()
    profile = get_profile(user)
    delivered = [DeliveredProject(*row) for row in db.session.execute(
        sa.select(HelpRequest.id, HelpRequest.title, Organization.name, Claim.role, HelpRequest.delivered_at)
        .join(Claim, Claim.request_id == HelpRequest.id)
        .join(Organization, Organization.id == HelpRequest.organization_id)
        .where(Claim.volunteer_id == user.id, Claim.status == "completed", HelpRequest.status == "delivered")
        .distinct()
        .order_by(HelpRequest.delivered_at.desc(), HelpRequest.id.desc()))]
    hours = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckIn.hours), 0))
                              .where(CheckIn.author_id == user.id))
    count, average = db.session.execute(
        sa.select(sa.func.count(Review.id), sa.func.avg(Review.rating))
        .where(Review.subject_user_id == user.id)).one()
    reviews = list(db.session.scalars(
        sa.select(Review).where(Review.subject_user_id == user.id)
        .options(joinedload(Review.author), joinedload(Review.help_request))
        .order_by(Review.created_at.desc(), Review.id.desc()).limit(REVIEWS_SHOWN)))
    return PublicProfile(user=user, profile=profile, delivered=delivered, hours_given=float(hours or 0),
                         reviews=reviews, review_count=count or 0,
                         average_rating=round(float(average), 1) if average is not None else None)


# --- completeness (the dashboard panel) ---------------------------------------------------------

@dataclass(frozen=True)
class Completeness:
    """Which parts of a profile are filled in, and whether recommendations can work yet."""

    done: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def percent(self) -> int:
        total = len(self.done) + len(self.missing)
        return round(100 * len(self.done) / total) if total else 100

    @property
    def ready_for_recommendations(self) -> bool:
        return "skills" not in self.missing and "hours" not in self.missing


COMPLETENESS_PARTS = ("skills", "hours", "city", "languages", "causes", "bio")


def completeness(user: User) -> Completeness:
    """How complete the volunteer's profile is. Hours count once the profile was saved (the
    default of 6 is not the volunteer's word); a remote volunteer needs no city."""
    profile = get_profile(user)
    filled = {
        "skills": profile is not None and bool(profile.skills),
        "hours": profile is not None,
        "city": profile is not None and (bool(profile.city) or profile.remote),
        "languages": profile is not None and bool(profile.languages),
        "causes": profile is not None and bool(profile.causes),
        "bio": profile is not None and bool((profile.bio or "").strip()),
    }
    return Completeness(done=tuple(p for p in COMPLETENESS_PARTS if filled[p]),
                        missing=tuple(p for p in COMPLETENESS_PARTS if not filled[p]))

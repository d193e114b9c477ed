"""Reading profiles: skills found in Chinese or English, a profile, its public facts and completeness."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.core.errors import NotFound
from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Organization
from app.volunteers.models import CheckIn, Claim, Review, VolunteerProfile, VolunteerSkill

SUGGESTION_LIMIT = 8
QUERY_MAX = 60
REVIEWS_SHOWN = 20

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


def fold(text: str) -> str:
    """Full-width and case variants as one: ＳＱＬ, sql and SQL fold alike."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _compact(text: str) -> str:
    """The folded text without spaces and punctuation, so "mini program" meets "mini-program"."""
    return _SEPARATORS.sub("", fold(text))


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
    if any(part.startswith(query) for part in _SEPARATORS.split(fold(word))[1:]):
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

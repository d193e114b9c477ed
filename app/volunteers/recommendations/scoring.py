"""Recommendation scoring: how well an open request suits a volunteer, and why (pure: no Flask, no DB).

The score mixes four things a volunteer would weigh themselves, each between 0 and 1:

- skills (weight 0.60): the share of the request's skills the volunteer has, each counted by level
  (a beginner's skill counts half, an expert's fully);
- causes (0.15): whether the organisation works on a cause the volunteer cares about;
- hours (0.15): the weekly hours one seat needs against the hours the volunteer has;
- place (0.10): remote work both sides accept, or the same city.

Hours and place only make a project *practical*, not *suitable*: their weight is scaled by the skill
share (half without any matching skill, in full with every skill), so a project whose skills the
volunteer lacks never outranks a good skill match merely because it is small and remote. A full
match scores 1. A request is recommended only when it shares a skill or a cause with the volunteer.

Reasons are structured (`Reason(kind, params)`) so this module stays pure;
`app.volunteers.recommendations.queries` turns them into sentences in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

WEIGHTS = {"skills": 0.60, "causes": 0.15, "hours": 0.15, "place": 0.10}
LEVELS = range(1, 6)
# Without a deadline, one seat's share of the effort is spread over the default claim commitment:
# three months (Claim.commitment_months defaults to 3), about 13 weeks.
DEFAULT_WEEKS = 13
NEUTRAL = 0.5  # a part we cannot judge (no effort estimate, no skills listed) counts half


@dataclass(frozen=True)
class VolunteerFacts:
    """What the scorer knows of a volunteer: skills {slug: level 1-5}, hours, causes and place."""

    skills: Mapping[str, int]
    hours_per_week: int
    causes: frozenset[str] = frozenset()
    city: str | None = None
    remote: bool = True


@dataclass(frozen=True)
class RequestFacts:
    """What the scorer knows of an open request."""

    request_id: int
    skills: tuple[str, ...]
    team_size: int
    seats_free: int
    effort_hours: int | None = None
    deadline: date | None = None
    causes: tuple[str, ...] = ()
    region: str = ""
    remote_ok: bool = True


@dataclass(frozen=True)
class Reason:
    """One reason to show: `kind` names the sentence, `params` fill it (slugs, numbers, names)."""

    kind: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation:
    """A scored request: `score` in [0, 1] and the reasons, strongest first."""

    request_id: int
    score: float
    reasons: tuple[Reason, ...]
    parts: Mapping[str, float]


def weekly_hours_needed(facts: RequestFacts, today: date) -> int | None:
    """About how many hours a week one seat needs: effort ÷ team ÷ weeks left (None without an estimate).

    The weeks run to the deadline when there is one (at least one week), otherwise DEFAULT_WEEKS.
    Rounded up to whole hours, never below 1.
    """
    if not facts.effort_hours or facts.effort_hours <= 0:
        return None
    weeks = DEFAULT_WEEKS
    if facts.deadline is not None:
        weeks = max(1, math.ceil((facts.deadline - today).days / 7))
    return max(1, math.ceil(facts.effort_hours / max(facts.team_size, 1) / weeks))


def _level_weight(level: int) -> float:
    """A skill at level 1 counts 0.5, at level 5 counts 1.0, linearly between."""
    level = min(max(level, LEVELS.start), LEVELS.stop - 1)
    return 0.5 + 0.5 * (level - 1) / 4


def _normal(text: str | None) -> str:
    return (text or "").strip().casefold()


def score_request(volunteer: VolunteerFacts, request: RequestFacts, today: date) -> Recommendation | None:
    """Score one request for one volunteer; None when they share neither a skill nor a cause.

    Requests without a free seat are never recommended. The result is deterministic for the
    same inputs (no clock inside: `today` decides how many weeks remain before a deadline).
    """
    if request.seats_free <= 0:
        return None
    matched = [slug for slug in request.skills if slug in volunteer.skills]
    shared_causes = [cause for cause in request.causes if cause in volunteer.causes]
    if not matched and not shared_causes:
        return None

    if request.skills:
        skills = sum(_level_weight(volunteer.skills[slug]) for slug in matched) / len(request.skills)
    else:
        skills = NEUTRAL
    needed = weekly_hours_needed(request, today)
    if needed is None:
        hours = NEUTRAL
    else:
        hours = min(1.0, volunteer.hours_per_week / needed) if volunteer.hours_per_week > 0 else 0.0
    causes = 1.0 if shared_causes else 0.0
    same_city = bool(request.region) and _normal(request.region) == _normal(volunteer.city)
    place = 1.0 if (request.remote_ok and volunteer.remote) or same_city else 0.0
    parts = {"skills": skills, "hours": hours, "causes": causes, "place": place}
    practical = (WEIGHTS["hours"] * hours + WEIGHTS["place"] * place) * (0.5 + 0.5 * skills)
    score = round(WEIGHTS["skills"] * skills + WEIGHTS["causes"] * causes + practical, 4)

    reasons: list[Reason] = []
    if matched:
        # Strongest skills first, so "matches your Flask and PostgreSQL" names what they know best.
        ordered = sorted(matched, key=lambda slug: (-volunteer.skills[slug], request.skills.index(slug)))
        reasons.append(Reason("skills", {"skills": tuple(ordered)}))
    if needed is not None:
        kind = "hours_fit" if volunteer.hours_per_week >= needed else "hours_short"
        reasons.append(Reason(kind, {"needed": needed, "available": volunteer.hours_per_week}))
    for cause in shared_causes:
        reasons.append(Reason("cause", {"cause": cause}))
    if same_city:
        reasons.append(Reason("same_city", {"region": request.region}))
    elif request.remote_ok and volunteer.remote:
        reasons.append(Reason("remote", {}))
    return Recommendation(request.request_id, score, tuple(reasons), parts)


def rank(volunteer: VolunteerFacts, requests: Iterable[RequestFacts], today: date,
         order: Mapping[int, int] | None = None) -> list[Recommendation]:
    """The recommendable requests, best first; ties keep `order` (request id → position), else by id.

    Pass the candidates' newest-first position as `order` so equally good requests show the newer first.
    """
    scored = [r for r in (score_request(volunteer, each, today) for each in requests) if r is not None]
    position = order or {}
    return sorted(scored, key=lambda r: (-r.score, position.get(r.request_id, 0), r.request_id))

"""Recommendations for a volunteer: load their profile and the candidate requests, score, explain in words.

Read-only: nothing here changes state. The scoring itself is `app.volunteers.recommendations.scoring` (pure).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from app.core.db import utcnow
from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Organization, RequestSkill
from app.requests.organizations.causes import cause_label
from app.volunteers.models import LIVE_CLAIM_STATUSES, Claim, VolunteerProfile, VolunteerSkill
from app.volunteers.recommendations.scoring import Reason, RequestFacts, VolunteerFacts, rank

# Enough to fill the dashboard and a few pages of the list; the rest are weaker matches.
CANDIDATE_LIMIT = 500


@dataclass(frozen=True)
class RecommendedRequest:
    """A request to show a volunteer, its score in [0, 1] and the reasons as sentences."""

    help_request: HelpRequest
    score: float
    reasons: list[str]


def load_profile(user: User) -> VolunteerProfile | None:
    """The volunteer's profile with its skills (two queries), or None if they have none yet."""
    return db.session.scalar(
        sa.select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
        .options(selectinload(VolunteerProfile.skills).selectinload(VolunteerSkill.skill)))


def volunteer_facts(profile: VolunteerProfile) -> VolunteerFacts:
    """What the scorer needs from a profile."""
    return VolunteerFacts(skills={vs.skill.slug: vs.level for vs in profile.skills},
                          hours_per_week=profile.hours_per_week,
                          causes=frozenset(profile.causes or []), city=profile.city,
                          remote=profile.remote)


def request_facts(help_request: HelpRequest) -> RequestFacts:
    """What the scorer needs from a request (its organisation and skills loaded)."""
    organization = help_request.organization
    return RequestFacts(request_id=help_request.id, skills=tuple(s.slug for s in help_request.skills),
                        team_size=help_request.team_size, seats_free=help_request.seats_free,
                        effort_hours=help_request.effort_hours, deadline=help_request.deadline,
                        causes=tuple(organization.cause_areas or []), region=organization.region or "",
                        remote_ok=help_request.remote_ok)


def candidates(profile: VolunteerProfile) -> list[HelpRequest]:
    """Open requests with a free seat sharing a skill or a cause with the profile, newest first.

    One query with the organisation joined, plus one for the skills; requests the volunteer
    already holds a live claim on are left out.
    """
    skill_ids = [vs.skill_id for vs in profile.skills]
    shares = [HelpRequest.id.in_(sa.select(RequestSkill.request_id)
                                 .where(RequestSkill.skill_id.in_(skill_ids)))] if skill_ids else []
    # Cause areas are a JSON list of slugs: match the quoted slug in its text, on SQLite and PostgreSQL.
    shares += [sa.cast(Organization.cause_areas, sa.Text).contains(f'"{cause}"', autoescape=True)
               for cause in (profile.causes or []) if isinstance(cause, str) and cause]
    if not shares:
        return []
    claimed = sa.select(Claim.request_id).where(Claim.volunteer_id == profile.user_id,
                                                Claim.status.in_(LIVE_CLAIM_STATUSES))
    statement = (
        sa.select(HelpRequest).join(HelpRequest.organization)
        .where(HelpRequest.status == "open", HelpRequest.seats_taken < HelpRequest.team_size,
               HelpRequest.id.not_in(claimed), sa.or_(*shares))
        .options(contains_eager(HelpRequest.organization), selectinload(HelpRequest.skills))
        .order_by(HelpRequest.published_at.desc(), HelpRequest.id.desc())
        .limit(CANDIDATE_LIMIT))
    return list(db.session.scalars(statement).unique())


def reason_text(reason: Reason, skills: dict[str, Skill], locale: str) -> str:
    """One reason as a sentence in `locale` (the request's language is already `locale`)."""
    params = reason.params
    if reason.kind == "skills":
        names = [skills[slug].display_name(locale) if slug in skills else str(slug)
                 for slug in params["skills"]]  # type: ignore[union-attr]
        return _("matches your %(skills)s", skills=format_list(names, locale=locale))
    if reason.kind == "hours_fit":
        return _("needs about %(needed)d h/week, you have %(available)d",
                 needed=params["needed"], available=params["available"])
    if reason.kind == "hours_short":
        return _("needs about %(needed)d h/week, more than your %(available)d",
                 needed=params["needed"], available=params["available"])
    if reason.kind == "cause":
        return _("cause: %(cause)s", cause=cause_label(str(params["cause"]), locale))
    if reason.kind == "same_city":
        return _("in your city: %(region)s", region=params["region"])
    if reason.kind == "remote":
        return _("remote work is welcome")
    raise ValueError(f"unknown reason kind {reason.kind!r}")


def recommendations_for(user: User, locale: str, *, limit: int | None = None) -> list[RecommendedRequest]:
    """The open requests best suited to `user`, best first, each with its reasons in `locale`.

    Empty when the user has no volunteer profile or shares no skill or cause with any open
    request with a free seat. Three or four queries, however many requests there are.
    """
    profile = load_profile(user)
    if profile is None:
        return []
    found = candidates(profile)
    by_id = {r.id: r for r in found}
    ranked = rank(volunteer_facts(profile), [request_facts(r) for r in found], utcnow().date(),
                  order={r.id: position for position, r in enumerate(found)})
    if limit is not None:
        ranked = ranked[:limit]
    out = []
    for each in ranked:
        help_request = by_id[each.request_id]
        skills = {skill.slug: skill for skill in help_request.skills}
        out.append(RecommendedRequest(help_request, each.score,
                                      [reason_text(r, skills, locale) for r in each.reasons]))
    return out

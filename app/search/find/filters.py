"""Visibility and filters in the database: who may list which statuses, filter values read as slugs,
the filtered statement, facet counts and spec summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa

from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Organization, RequestSkill, SpecVersion
from app.requests.organizations.causes import causes
from app.requests.pages.listings import RequestListing
from app.requests.policy import PUBLIC_STATUSES, is_member
from app.search.find.params import SearchParams

SUBSTRING_WORDS_MAX = 8  # words matched one by one when the database answers for the index
# Hours per effort size: the same steps as `documents.effort_size`, as ranges a query can use.
EFFORT_HOURS: dict[str, tuple[int, int | None]] = {"small": (0, 80), "medium": (80, 180),
                                                   "large": (180, None)}
TEXT_COLUMNS = (HelpRequest.title, HelpRequest.problem, HelpRequest.current_process, HelpRequest.users,
                HelpRequest.data_kept)


def visible_statuses(params: SearchParams, viewer: User | None) -> tuple[str, ...] | None:
    """The statuses `viewer` may list with these params: None for every status, () for none at all.

    Coordinators, and staff listing their own organisation, see every status; everyone else sees
    public statuses only, and only `open` when no status is asked for. Drafts, intake and withdrawn
    requests are never listed to anyone else, whatever `status` says.
    """
    privileged = viewer is not None and getattr(viewer, "is_authenticated", False) and (
        viewer.is_coordinator
        or (params.organization_id is not None and is_member(viewer, params.organization_id)))
    if params.status is not None:
        if privileged or params.status in PUBLIC_STATUSES:
            return (params.status,)
        return ()
    return None if privileged else ("open",)


def cause_slug(value: str | None) -> str | None:
    """The cause slug for a slug or a cause's name in either language; unknown text is kept as it is."""
    if not value or not value.strip():
        return None
    wanted = value.strip().casefold()
    for cause in causes():
        if wanted in (cause.slug, cause.en.casefold(), cause.zh.casefold()):
            return cause.slug
    return value.strip()


def skill_slugs(values: Sequence[str]) -> tuple[str, ...]:
    """Skill slugs for slugs or skill names in either language (one query); unknown values kept as given.

    An unknown skill stays a filter that nothing matches, so the page can offer to drop it.
    """
    wanted = [v.strip() for v in values if v and v.strip()]
    if not wanted:
        return ()
    folded = {v.casefold() for v in wanted}
    rows = db.session.execute(sa.select(Skill.slug, Skill.name_en, Skill.name_zh).where(sa.or_(
        Skill.slug.in_(wanted), sa.func.lower(Skill.name_en).in_(folded), Skill.name_zh.in_(wanted))))
    by_word: dict[str, str] = {}
    for slug, name_en, name_zh in rows:
        for word in (slug, name_en, name_zh):
            by_word[word.casefold()] = slug
    slugs: list[str] = []
    for value in wanted:
        slug = by_word.get(value.casefold(), value)
        if slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def filtered(params: SearchParams, statuses: tuple[str, ...] | None) -> sa.Select:
    """Every request matching the filters and visible with `statuses` (organisation joined)."""
    statement = sa.select(HelpRequest).join(HelpRequest.organization)
    if statuses is not None:
        statement = statement.where(HelpRequest.status.in_(statuses) if statuses else sa.false())
    for slug in params.skills:  # a request must need every skill asked for
        statement = statement.where(HelpRequest.id.in_(
            sa.select(RequestSkill.request_id).join(Skill, Skill.id == RequestSkill.skill_id)
            .where(Skill.slug == slug)))
    if params.cause:
        # Cause areas are a JSON list of slugs: match the quoted slug in its text (SQLite and PostgreSQL).
        statement = statement.where(
            sa.cast(Organization.cause_areas, sa.Text).contains(f'"{params.cause}"', autoescape=True))
    if params.region:
        statement = statement.where(sa.func.lower(Organization.region) == params.region.strip().lower())
    if params.effort:
        low, high = EFFORT_HOURS[params.effort]
        statement = statement.where(HelpRequest.effort_hours >= low)
        if high is not None:
            statement = statement.where(HelpRequest.effort_hours < high)
    if params.remote:
        statement = statement.where(HelpRequest.remote_ok.is_(True))
    if params.verified:
        statement = statement.where(Organization.verification == "verified")
    if params.has_free_seats:
        statement = statement.where(HelpRequest.seats_taken < HelpRequest.team_size)
    if params.organization_id is not None:
        statement = statement.where(HelpRequest.organization_id == params.organization_id)
    if params.published_after is not None:
        statement = statement.where(HelpRequest.published_at > params.published_after)
    return statement


def substring_match(statement: sa.Select, words: str) -> sa.Select:
    """Every word (up to SUBSTRING_WORDS_MAX) must appear in one of the request's own text fields."""
    for word in words.split()[:SUBSTRING_WORDS_MAX]:
        statement = statement.where(sa.or_(*(column.icontains(word, autoescape=True)
                                             for column in TEXT_COLUMNS)))
    return statement


def ordered(statement: sa.Select, sort: str) -> sa.Select:
    newest = sa.func.coalesce(HelpRequest.published_at, HelpRequest.created_at)
    if sort == "deadline":
        return statement.order_by(HelpRequest.deadline.is_(None), HelpRequest.deadline,
                                  newest.desc(), HelpRequest.id.desc())
    return statement.order_by(newest.desc(), HelpRequest.id.desc())


def facets_of(matching: sa.Select) -> dict[str, dict[str, int]]:
    """Counts of the matching requests per skill slug, cause area and region (two queries)."""
    ids = matching.with_only_columns(HelpRequest.id).order_by(None).scalar_subquery()
    skill_rows = db.session.execute(
        sa.select(Skill.slug, sa.func.count()).join(RequestSkill, RequestSkill.skill_id == Skill.id)
        .where(RequestSkill.request_id.in_(ids)).group_by(Skill.slug))
    per_organization = db.session.execute(
        sa.select(Organization.region, Organization.cause_areas, sa.func.count(HelpRequest.id))
        .join(HelpRequest, HelpRequest.organization_id == Organization.id)
        # Grouped by the key alone: PostgreSQL cannot compare JSON, and the other columns follow it.
        .where(HelpRequest.id.in_(ids)).group_by(Organization.id))
    cause_counts: Counter[str] = Counter()
    region_counts: Counter[str] = Counter()
    for region, cause_areas, count in per_organization:
        if region:
            region_counts[region] += count
        for cause in set(cause_areas or []):
            cause_counts[cause] += count
    return {"skills": dict(sorted(skill_rows.all())), "cause": dict(sorted(cause_counts.items())),
            "region": dict(sorted(region_counts.items()))}


def summaries_of(help_requests: Sequence[RequestListing]) -> dict[int, str]:
    """Each request's current spec summary, by request id, in one query."""
    ids = [r.id for r in help_requests if r.current_spec_version is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(SpecVersion.request_id, SpecVersion.content["summary"].as_string())
        .join(HelpRequest, (HelpRequest.id == SpecVersion.request_id)
              & (HelpRequest.current_spec_version == SpecVersion.version))
        .where(SpecVersion.request_id.in_(ids)))
    return {request_id: (summary or "").strip() for request_id, summary in rows}


def region_name(value: str | None) -> str | None:
    """The region as organisations spell it (matched without regard to case), or the text as given."""
    if not value or not value.strip():
        return None
    wanted = value.strip()
    stored = db.session.scalar(sa.select(Organization.region)
                               .where(sa.func.lower(Organization.region) == wanted.lower()).limit(1))
    return stored or wanted

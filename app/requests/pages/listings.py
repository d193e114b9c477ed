"""What a list of requests shows of each one, read with one plain query instead of the ORM.

Search pages, the search API and digests list up to 100 requests at a time and never change
them, so they read `RequestListing`s: a request's listing columns, its organisation's public
profile and its skills, in one query (the skills as a JSON array aggregated per request). They
have the attribute names of `HelpRequest`, `Organization` and `Skill` for everything a listing
shows, so the same templates and API serializers take either. Plain rows cost less than half of
building ORM objects with their relationships, which was most of a search request once the index
had answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from app.core.models import BilingualName, Skill
from app.extensions import db
from app.requests.models import HelpRequest, Organization, RequestSkill, Seats, Verifiable

# Field order is column order: the dataclasses below are filled positionally from these.
REQUEST_COLUMNS = (HelpRequest.id, HelpRequest.organization_id, HelpRequest.title, HelpRequest.status,
                   HelpRequest.team_size, HelpRequest.seats_taken, HelpRequest.effort_hours,
                   HelpRequest.remote_ok, HelpRequest.deadline, HelpRequest.published_at,
                   HelpRequest.current_spec_version, HelpRequest.created_at)
ORGANIZATION_COLUMNS = (Organization.id, Organization.name, Organization.description,
                        Organization.cause_areas, Organization.region, Organization.website,
                        Organization.registration_number, Organization.verification,
                        Organization.verified_at, Organization.created_at, Organization.updated_at)
SKILL_COLUMNS = (Skill.slug, Skill.name_en, Skill.name_zh)


class json_arrays(GenericFunction):  # lower case, like the SQL functions it stands for
    """Aggregate: a JSON array holding one array of the given columns per row (unordered)."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_arrays, "sqlite")
def _sqlite_json_arrays(element: json_arrays, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_arrays, "postgresql")
def _postgresql_json_arrays(element: json_arrays, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


# Each listed request's skills, as [[slug, name_en, name_zh], ...] (NULL for none).
_SKILLS = (sa.select(json_arrays(*SKILL_COLUMNS)).select_from(RequestSkill)
           .join(Skill, Skill.id == RequestSkill.skill_id).where(RequestSkill.request_id == HelpRequest.id)
           .correlate(HelpRequest).scalar_subquery())


@dataclass(frozen=True, slots=True)
class ListedOrganization(Verifiable):
    """An organisation's public profile, as a listing shows it (never its private contact)."""

    id: int
    name: str
    description: str
    cause_areas: list[Any]
    region: str
    website: str | None
    registration_number: str | None
    verification: str
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ListedSkill(BilingualName):
    slug: str
    name_en: str
    name_zh: str


@dataclass(frozen=True, slots=True)
class RequestListing(Seats):
    """A request as lists show it: title, status, seats, effort, dates, organisation and skills."""

    id: int
    organization_id: int
    title: str
    status: str
    team_size: int
    seats_taken: int
    effort_hours: int | None
    remote_ok: bool
    deadline: date | None
    published_at: datetime | None
    current_spec_version: int | None
    created_at: datetime
    organization: ListedOrganization
    skills: tuple[ListedSkill, ...]


def listings(statement: sa.Select) -> list[RequestListing]:
    """The requests `statement` selects, in its order, as listings.

    `statement` selects `HelpRequest` joined to its organisation, with any filters, order and
    window; only its columns are replaced.
    """
    rows = db.session.execute(
        statement.with_only_columns(*REQUEST_COLUMNS, *ORGANIZATION_COLUMNS, _SKILLS)).all()
    split, end = len(REQUEST_COLUMNS), len(REQUEST_COLUMNS) + len(ORGANIZATION_COLUMNS)
    return [RequestListing(*row[:split], organization=ListedOrganization(*row[split:end]),
                           skills=_skills(row[end])) for row in rows]


def _skills(aggregated: list[list[str]] | None) -> tuple[ListedSkill, ...]:
    # By slug, as `HelpRequest.skills` orders them.
    return tuple(ListedSkill(*skill) for skill in sorted(aggregated or ()))

"""Impact numbers: what delivered projects gave (home page) and the pipeline figures coordinators read."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.core.stats import stat_contributor
from app.extensions import db
from app.requests.models import REQUEST_STATUSES, HelpRequest
from app.volunteers.models import CLAIM_STATUSES, CheckIn, Claim

SECONDS_PER_DAY = 86400


def hourly_value() -> int:
    """The configured value of one volunteer hour, in yuan (HOURLY_VALUE_YUAN)."""
    return int(current_app.config.get("HOURLY_VALUE_YUAN", 0))


@stat_contributor
def impact_numbers() -> dict[str, int]:
    """Organisations helped (with a delivered request) and the estimated value of every hour given.

    One query with two scalar subqueries; hours are those reported in check-ins, the same figure
    the home page shows as hours given.
    """
    helped = (sa.select(sa.func.count(sa.distinct(HelpRequest.organization_id)))
              .where(HelpRequest.status == "delivered").scalar_subquery())
    hours = sa.select(sa.func.coalesce(sa.func.sum(CheckIn.hours), 0)).scalar_subquery()
    organizations_helped, hours_given = db.session.execute(sa.select(helped, hours)).one()
    return {"organizations_helped": int(organizations_helped or 0),
            "estimated_value_yuan": round(float(hours_given or 0) * hourly_value())}


@dataclass(frozen=True)
class PlatformStats:
    """The figures of GET /api/v1/stats."""

    requests_by_status: dict[str, int]
    claims_by_status: dict[str, int]
    checkins: int
    stalled_requests: int
    median_days_to_first_accepted_claim: float | None
    delivered_requests: int
    hours_given: float
    organizations_helped: int
    hourly_value_yuan: int
    estimated_value_yuan: int

    @property
    def claims(self) -> int:
        return sum(self.claims_by_status.values())


def _counts(column: sa.ColumnElement, statuses: tuple[str, ...]) -> dict[str, int]:
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all()
    counts = dict.fromkeys(statuses, 0)
    counts.update({status: count for status, count in rows})
    return counts


def median_days_to_first_accepted_claim() -> float | None:
    """Median days between publication and the first accepted claim, over requests that have both.

    Computed in Python from one grouped query, so it reads the same on SQLite and PostgreSQL;
    None when no published request has had a claim accepted yet.
    """
    rows = db.session.execute(
        sa.select(HelpRequest.published_at, sa.func.min(Claim.accepted_at))
        .join(Claim, Claim.request_id == HelpRequest.id)
        .where(HelpRequest.published_at.is_not(None), Claim.accepted_at.is_not(None))
        .group_by(HelpRequest.id, HelpRequest.published_at)).all()
    days = [max((first - published).total_seconds(), 0) / SECONDS_PER_DAY
            for published, first in rows if first is not None]
    if not days:
        return None
    return round(statistics.median(days), 1)


def platform_stats() -> PlatformStats:
    """Every figure coordinators read about the pipeline, each from one query."""
    by_status = _counts(HelpRequest.status, REQUEST_STATUSES)
    checkins, hours = db.session.execute(
        sa.select(sa.func.count(CheckIn.id), sa.func.coalesce(sa.func.sum(CheckIn.hours), 0))).one()
    stalled = db.session.scalar(sa.select(sa.func.count(HelpRequest.id)).where(
        HelpRequest.is_stalled.is_(True))) or 0
    impact = impact_numbers()
    return PlatformStats(
        requests_by_status=by_status, claims_by_status=_counts(Claim.status, CLAIM_STATUSES),
        checkins=int(checkins or 0), stalled_requests=int(stalled),
        median_days_to_first_accepted_claim=median_days_to_first_accepted_claim(),
        delivered_requests=by_status.get("delivered", 0), hours_given=round(float(hours or 0), 1),
        organizations_helped=impact["organizations_helped"], hourly_value_yuan=hourly_value(),
        estimated_value_yuan=impact["estimated_value_yuan"])

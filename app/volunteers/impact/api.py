"""API: the coordinators' platform figures (requests, claims, check-ins, delivery and impact)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.api.fields import integer
from app.core.api.plumbing import api_route
from app.core.api.schema import Field, Schema
from app.requests.models import REQUEST_STATUSES
from app.volunteers.impact import queries as impact
from app.volunteers.models import CLAIM_STATUSES


def _counts_schema(name: str, keys: tuple[str, ...]) -> Schema:
    return Schema(name, *(integer(key, required=True) for key in keys))


STATS = Schema(
    "PlatformStats",
    Field("requests_by_status", "object", schema=_counts_schema("RequestCounts", REQUEST_STATUSES),
          required=True),
    integer("claims", required=True),
    Field("claims_by_status", "object", schema=_counts_schema("ClaimCounts", CLAIM_STATUSES), required=True),
    integer("checkins", required=True), integer("stalled_requests", required=True),
    Field("median_days_to_first_accepted_claim", "number", nullable=True,
          description=_l("Median days from publication to the first accepted claim; null before any.")),
    integer("delivered_requests", required=True), Field("hours_given", "number", required=True),
    integer("organizations_helped", required=True), integer("hourly_value_yuan", required=True),
    integer("estimated_value_yuan", required=True),
)


@api_route("/stats", ["GET"], summary=_l("Platform figures for coordinators"), auth=("coordinator",),
           response=STATS, tags=("stats",),
           responses={403: _l("Only coordinators.")})
def read_stats():
    figures = impact.platform_stats()
    return {
        "requests_by_status": figures.requests_by_status, "claims": figures.claims,
        "claims_by_status": figures.claims_by_status, "checkins": figures.checkins,
        "stalled_requests": figures.stalled_requests,
        "median_days_to_first_accepted_claim": figures.median_days_to_first_accepted_claim,
        "delivered_requests": figures.delivered_requests, "hours_given": figures.hours_given,
        "organizations_helped": figures.organizations_helped,
        "hourly_value_yuan": figures.hourly_value_yuan, "estimated_value_yuan": figures.estimated_value_yuan,
    }

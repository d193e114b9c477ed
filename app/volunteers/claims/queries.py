"""Reading claims for pages and the API: one claim, my projects, a request's team, claims waiting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.models import User
from app.core.policy import can
from app.extensions import db
from app.requests.models import HelpRequest, Membership
from app.volunteers.claims.status import ASK_RENEWAL_BEFORE, EXPIRE_PENDING_AFTER
from app.volunteers.models import LIVE_CLAIM_STATUSES, Claim
from app.volunteers.progress.queries import Schedule, schedule_of


def get_claim(claim_id: int, viewer: User | None) -> Claim:
    """The claim with its request, organisation and volunteer, if `viewer` may see it.

    Raises NotFound when there is no such claim or the viewer may not see it.
    """
    claim = db.session.scalar(
        sa.select(Claim).where(Claim.id == claim_id)
        .options(joinedload(Claim.help_request).joinedload(HelpRequest.organization),
                 joinedload(Claim.volunteer)))
    if claim is None or not can(viewer, "claim.view", claim):
        raise NotFound()
    return claim



@dataclass(frozen=True)
class ProjectRow:
    """An accepted claim as "My projects" shows it: the team's check-in schedule, if it has one yet."""

    claim: Claim
    schedule: Schedule | None
    is_checkin_overdue: bool
    is_renewal_due: bool


@dataclass
class MyProjects:
    """A volunteer's claims, grouped the way they think of them."""

    pending: list[Claim] = field(default_factory=list)
    active: list[ProjectRow] = field(default_factory=list)
    completed: list[Claim] = field(default_factory=list)
    closed: list[Claim] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.pending or self.active or self.completed or self.closed)


def my_projects(user: User, now: datetime | None = None) -> MyProjects:
    """Every claim of `user`, newest first, grouped into waiting, active, completed and closed.

    Active ones carry their team's check-in schedule (app.volunteers.progress.queries): one query
    for the claims, and a couple per active project, of which there are at most LIVE_CLAIM_LIMIT.
    """
    now = now or utcnow()
    claims = db.session.scalars(
        sa.select(Claim).where(Claim.volunteer_id == user.id)
        .options(joinedload(Claim.help_request).joinedload(HelpRequest.organization))
        .order_by(Claim.created_at.desc(), Claim.id.desc()))
    projects = MyProjects()
    for claim in claims:
        if claim.status == "pending":
            projects.pending.append(claim)
        elif claim.status == "accepted":
            projects.active.append(project_row(claim, now))
        elif claim.status == "completed":
            projects.completed.append(claim)
        else:
            projects.closed.append(claim)
    return projects


def project_row(claim: Claim, now: datetime) -> ProjectRow:
    """An accepted claim with its team's check-in schedule and whether its commitment ends soon."""
    schedule = schedule_of(claim.help_request)
    renewal_due = claim.ends_on is not None and claim.ends_on <= (now + ASK_RENEWAL_BEFORE).date()
    return ProjectRow(claim, schedule, schedule is not None and schedule.due_at <= now, renewal_due)


@dataclass(frozen=True)
class Team:
    """A request's live claims: the accepted team (leads first) and the claims waiting (oldest first)."""

    members: list[Claim]
    pending: list[Claim]


def team_of(help_request: HelpRequest) -> Team:
    """The request's accepted and waiting claims with their volunteers, in one query."""
    claims = db.session.scalars(
        sa.select(Claim).where(Claim.request_id == help_request.id,
                               Claim.status.in_(LIVE_CLAIM_STATUSES))
        .options(joinedload(Claim.volunteer))
        .order_by(Claim.role, Claim.accepted_at, Claim.created_at, Claim.id))
    members, pending = [], []
    for claim in claims:
        (members if claim.status == "accepted" else pending).append(claim)
    pending.sort(key=lambda claim: (claim.created_at, claim.id))  # who has waited longest first
    return Team(members, pending)


def live_claim_of(user: User | None, help_request: HelpRequest) -> Claim | None:
    """The user's waiting or accepted claim on the request, if any (the partial unique index's pair)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Claim).where(
        Claim.request_id == help_request.id, Claim.volunteer_id == user.id,
        Claim.status.in_(LIVE_CLAIM_STATUSES)))


def expires_on(claim: Claim) -> date:
    """The day a waiting claim expires if nobody answers it."""
    return (claim.created_at + EXPIRE_PENDING_AFTER).date()


def waiting_for_staff(user: User, limit: int = 10) -> tuple[list[Claim], int]:
    """Claims waiting for an answer on the requests of `user`'s organisations: the oldest few, and
    how many there are in all (two queries)."""
    theirs = (sa.select(Claim)
              .join(HelpRequest, HelpRequest.id == Claim.request_id)
              .join(Membership, Membership.organization_id == HelpRequest.organization_id)
              .where(Membership.user_id == user.id, Claim.status == "pending"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(theirs.subquery())) or 0
    claims = list(db.session.scalars(
        theirs.options(joinedload(Claim.help_request), joinedload(Claim.volunteer))
        .order_by(Claim.created_at, Claim.id).limit(limit)))
    return claims, total


def volunteer_claims_query(user: User, status: str | None = None) -> sa.Select:
    """The volunteer's claims, newest first, with their requests loaded (for paging)."""
    query = (sa.select(Claim).where(Claim.volunteer_id == user.id)
             .options(joinedload(Claim.help_request), joinedload(Claim.volunteer),
                      joinedload(Claim.decided_by)))
    if status:
        query = query.where(Claim.status == status)
    return query.order_by(Claim.created_at.desc(), Claim.id.desc())


def request_claims_query(help_request: HelpRequest, status: str | None = None) -> sa.Select:
    """A request's claims, oldest first, with volunteers loaded (for paging)."""
    query = (sa.select(Claim).where(Claim.request_id == help_request.id)
             .options(joinedload(Claim.help_request), joinedload(Claim.volunteer),
                      joinedload(Claim.decided_by)))
    if status:
        query = query.where(Claim.status == status)
    return query.order_by(Claim.created_at, Claim.id)

"""Read-only helpers for the request pages: a request and its spec, its timeline, the open projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest, SpecVersion, TimelineEntry
from app.requests.policy import is_member, is_signed_in, visible_or_404

BROWSE_PAGE_SIZE = 20
BROWSE_MAX_PAGE_SIZE = 50


def request_for_page(request_id: int, viewer: User | None) -> HelpRequest:
    """The request with its organisation and skills loaded, if `viewer` may see it.

    Raises NotFound when there is no such request or the viewer may not see it (a draft, a request
    in intake or a withdrawn one, for anyone but its organisation's staff and coordinators).
    """
    help_request = db.session.scalar(
        sa.select(HelpRequest).where(HelpRequest.id == request_id)
        .options(joinedload(HelpRequest.organization), selectinload(HelpRequest.skills)))
    return visible_or_404(viewer, help_request)


def current_spec(help_request: HelpRequest) -> SpecVersion | None:
    """The spec version the request shows now (with its author), or None before intake drafted one."""
    if help_request.current_spec_version is None:
        return None
    return db.session.scalar(
        sa.select(SpecVersion).options(joinedload(SpecVersion.author))
        .where(SpecVersion.request_id == help_request.id,
               SpecVersion.version == help_request.current_spec_version))


def sees_private_steps(viewer: User | None, help_request: HelpRequest) -> bool:
    """The organisation's staff and coordinators also see the timeline's private steps (files, rejections)."""
    return is_signed_in(viewer) and (viewer.is_coordinator or is_member(viewer, help_request.organization_id))


def _timeline_query(help_request: HelpRequest, include_private: bool) -> sa.Select:
    query = sa.select(TimelineEntry).where(TimelineEntry.request_id == help_request.id)
    if not include_private:
        query = query.where(TimelineEntry.is_public.is_(True))
    return query


def timeline(help_request: HelpRequest, *, include_private: bool = False,
             limit: int | None = None) -> list[TimelineEntry]:
    """The request's timeline entries with their actors, newest first (ties: the later-added first).

    Private entries are left out unless `include_private`; `limit` keeps the newest few.
    """
    query = (_timeline_query(help_request, include_private).options(joinedload(TimelineEntry.actor))
             .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def timeline_page(help_request: HelpRequest, *, include_private: bool = False, page: int = 1,
                  per_page: int = 100) -> Pagination:
    """One page of the request's timeline, newest first, with actors loaded; past the end it is empty."""
    query = (_timeline_query(help_request, include_private).options(joinedload(TimelineEntry.actor))
             .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()))
    return db.paginate(query, page=max(page, 1), per_page=per_page, max_per_page=per_page, error_out=False)


def timeline_count(help_request: HelpRequest, *, include_private: bool = False) -> int:
    """How many timeline entries the request has (public ones only unless `include_private`)."""
    query = _timeline_query(help_request, include_private)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


@dataclass(frozen=True)
class OpenProjects:
    """A page of open requests (organisation and skills loaded) and each one's spec summary by id."""

    page: Pagination
    summaries: dict[int, str]

    @property
    def items(self) -> list[Any]:
        return list(self.page.items)


def open_projects(page: int = 1, per_page: int = BROWSE_PAGE_SIZE) -> OpenProjects:
    """Open requests, newest published first, one page of them, in a fixed number of queries.

    One COUNT, one SELECT joining the organisation, one SELECT for the page's skills and one for
    their current specs' summaries, however many requests the page holds. A page past the end is
    empty, never an error.
    """
    statement = (sa.select(HelpRequest).where(HelpRequest.status == "open")
                 .options(joinedload(HelpRequest.organization), selectinload(HelpRequest.skills))
                 .order_by(HelpRequest.published_at.desc(), HelpRequest.id.desc()))
    pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=BROWSE_MAX_PAGE_SIZE,
                             error_out=False)
    return OpenProjects(pagination, _summaries(list(pagination.items)))


def _summaries(help_requests: list[HelpRequest]) -> dict[int, str]:
    """Each request's current spec summary, by request id, in one query."""
    ids = [help_request.id for help_request in help_requests if help_request.current_spec_version is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(SpecVersion.request_id, SpecVersion.content)
        .join(HelpRequest, (HelpRequest.id == SpecVersion.request_id)
              & (HelpRequest.current_spec_version == SpecVersion.version))
        .where(SpecVersion.request_id.in_(ids)))
    return {request_id: str((content or {}).get("summary") or "").strip() for request_id, content in rows}

"""Read-only helpers for the request pages: a request and its spec, and its timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest, SpecVersion, TimelineEntry
from app.requests.policy import is_member, is_signed_in, visible_or_404


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

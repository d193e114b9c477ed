"""Coordinator review, read-only: the intake queue and its wait, spec versions and their comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import aliased, contains_eager, joinedload

from app.core.errors import NotFound
from app.core.models import User
from app.core.policy import require
from app.extensions import db
from app.requests.models import HelpRequest, SpecVersion
from app.requests.review.spec_text import DiffRow, clean_lines, diff_lines, spec_lines
from app.requests.review.thread import unread_count_for


@dataclass(frozen=True)
class QueueItem:
    """One request waiting in intake, with what a coordinator weighs before opening it."""

    help_request: HelpRequest
    open_question_count: int
    unread_count: int

    @property
    def waiting_since(self) -> datetime:
        return self.help_request.submitted_at or self.help_request.created_at


class _QueuePage(SelectPagination):
    """A page of queue rows: Flask-SQLAlchemy's own pagination keeps only a select's first column."""

    def _query_items(self) -> list[Any]:
        statement = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [QueueItem(help_request, len(clean_lines((content or {}).get("open_questions"))), unread or 0)
                for help_request, content, unread in self._query_args["session"].execute(statement)]


def intake_queue(user: User, *, page: int = 1, per_page: int = 25) -> SelectPagination:
    """Requests waiting in intake, longest-waiting first, one page of QueueItem.

    Each item carries the request with its organisation, the number of open questions in the
    current spec and the number of thread messages `user` has not read, all from one SELECT (plus
    one COUNT for the pages). Raises NotAllowed for anyone but a coordinator.
    """
    require(user, "request.review")
    current_spec = aliased(SpecVersion)
    statement = (
        sa.select(HelpRequest, current_spec.content, unread_count_for(user))
        .join(HelpRequest.organization).options(contains_eager(HelpRequest.organization))
        .outerjoin(current_spec, (current_spec.request_id == HelpRequest.id)
                   & (current_spec.version == HelpRequest.current_spec_version))
        .where(HelpRequest.status == "intake")
        .order_by(sa.func.coalesce(HelpRequest.submitted_at, HelpRequest.created_at), HelpRequest.id)
    )
    return _QueuePage(select=statement, session=db.session, page=page, per_page=per_page,
                      max_per_page=100, error_out=False)


def intake_waiting() -> tuple[int, datetime | None]:
    """How many requests wait in intake, and since when the longest-waiting one has (one query)."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(HelpRequest.id),
                  sa.func.min(sa.func.coalesce(HelpRequest.submitted_at, HelpRequest.created_at)))
        .where(HelpRequest.status == "intake")).one()
    return count, oldest


def spec_versions(help_request: HelpRequest) -> list[SpecVersion]:
    """The request's spec versions, newest first, with their authors (the caller checked visibility)."""
    return list(db.session.scalars(
        sa.select(SpecVersion).where(SpecVersion.request_id == help_request.id)
        .options(joinedload(SpecVersion.author)).order_by(SpecVersion.version.desc())))


def spec_version(help_request: HelpRequest, number: int) -> SpecVersion:
    """One version of the request's spec. Raises NotFound, saying so, when there is no such version."""
    spec = db.session.scalar(sa.select(SpecVersion).where(SpecVersion.request_id == help_request.id,
                                                          SpecVersion.version == number))
    if spec is None:
        raise NotFound(_("This spec has no version %(version)d.", version=number))
    return spec


@dataclass(frozen=True)
class SpecDiff:
    """Two versions compared line by line over their text rendering, in both layouts."""

    old: SpecVersion
    new: SpecVersion
    side_by_side: list[DiffRow]
    inline: list[DiffRow]
    added: int
    removed: int


def compare_versions(help_request: HelpRequest, old_number: int, new_number: int) -> SpecDiff:
    """Versions `old_number` and `new_number` of the request's spec compared (the caller checked
    visibility). Raises NotFound naming a version that does not exist.
    """
    old, new = spec_version(help_request, old_number), spec_version(help_request, new_number)
    side, inline = diff_lines(spec_lines(old.content), spec_lines(new.content))
    return SpecDiff(old=old, new=new, side_by_side=side, inline=inline,
                    added=sum(row.kind == "insert" for row in inline),
                    removed=sum(row.kind == "delete" for row in inline))

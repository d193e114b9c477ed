"""The search query service: search arguments → visibility and filters → the index (or the database) → rows.

One entry point, `search_requests(params, viewer)`, serves the search page, GET /api/v1/requests
and the saved-search digests. Words go to the Whoosh index (`app.search.engine.index.search`); the page's
rows are then read from the database as listings (`app.requests.pages.listings`) by a query that
re-applies visibility and every filter, so a stale index can hide a request for a moment but
never show one it should not. Without words, or for statuses the index does not hold (drafts,
intake, withdrawn: only staff and coordinators may list them), the database answers alone; it
also answers, with plain substring matching, when the index is missing or being rebuilt.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Organization, RequestSkill, SpecVersion
from app.requests.organizations.services import causes
from app.requests.pages.listings import RequestListing, listings
from app.requests.policy import PUBLIC_STATUSES, is_member
from app.search.engine import index
from app.search.indexing.documents import EFFORT_SIZES

log = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "deadline")
PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
QUERY_MAX = 500  # characters of `q` searched; the rest of a pasted essay adds nothing but cost
SUBSTRING_WORDS_MAX = 8  # words matched one by one when the database answers for the index
RELAXATIONS_MAX = 3
# Filters a "no results" page may offer to drop, in the order they are tried.
DROPPABLE = ("skills", "cause", "region", "effort", "remote", "verified", "has_free_seats", "status")
# Hours per effort size: the same steps as `documents.effort_size`, as ranges a query can use.
EFFORT_HOURS: dict[str, tuple[int, int | None]] = {"small": (0, 80), "medium": (80, 180),
                                                   "large": (180, None)}
TEXT_COLUMNS = (HelpRequest.title, HelpRequest.problem, HelpRequest.current_process, HelpRequest.users,
                HelpRequest.data_kept)


@dataclass(frozen=True)
class SearchParams:
    """What a search asks for: words, filters, order and page. Every field has a harmless default."""

    q: str = ""
    skills: tuple[str, ...] = ()
    cause: str | None = None
    region: str | None = None
    status: str | None = None
    effort: str | None = None
    remote: bool = False
    verified: bool = False
    has_free_seats: bool = False
    organization_id: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    published_after: datetime | None = None  # digests: only requests published since then

    @property
    def words(self) -> str:
        """The searched text: control characters (NUL included) dropped, trimmed, at most QUERY_MAX."""
        printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in self.q)
        return " ".join(printable.split())[:QUERY_MAX]

    @property
    def effective_sort(self) -> str:
        """The order used: relevance only makes sense with words, so without them it is newest."""
        if self.sort in SORTS and (self.sort != "relevance" or self.words):
            return self.sort
        return "relevance" if self.words else "newest"

    def changed(self, **changes: Any) -> SearchParams:
        """A copy with some fields changed; any change of filter or words goes back to page 1."""
        changes.setdefault("page", 1)
        return replace(self, **changes)

    def active_filters(self) -> list[tuple[str, Any]]:
        """(name, value) for each filter in use; skills count one by one."""
        active: list[tuple[str, Any]] = [("skills", slug) for slug in self.skills]
        for name in ("cause", "region", "effort", "status"):
            if getattr(self, name):
                active.append((name, getattr(self, name)))
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                active.append((name, True))
        return active

    def without(self, name: str, value: Any = None) -> SearchParams:
        """A copy without one filter (one skill of several when `value` names it)."""
        if name == "skills":
            kept = tuple(s for s in self.skills if value is not None and s != value)
            return self.changed(skills=kept)
        if name in ("remote", "verified", "has_free_seats"):
            return self.changed(**{name: False})
        return self.changed(**{name: None})

    def with_skill(self, slug: str) -> SearchParams:
        """A copy that also asks for this skill."""
        return self.changed(skills=(*self.skills, slug)) if slug not in self.skills else self

    def to_args(self) -> dict[str, Any]:
        """Query-string arguments for a link to this search (defaults left out; skills repeated)."""
        args: dict[str, Any] = {}
        if self.words:
            args["q"] = self.words
        if self.skills:
            args["skills"] = list(self.skills)
        for name in ("cause", "region", "status", "effort", "organization_id"):
            if getattr(self, name) is not None:
                args[name] = getattr(self, name)
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                args[name] = "1"
        if self.sort in SORTS and self.sort != ("relevance" if self.words else "newest"):
            args["sort"] = self.sort
        if self.page > 1:
            args["page"] = self.page
        if self.per_page != PER_PAGE_DEFAULT:
            args["per_page"] = self.per_page
        return args

    def saved_filters(self) -> dict[str, Any]:
        """The filters as a saved search keeps them (JSON): only the ones in use."""
        saved: dict[str, Any] = {}
        if self.skills:
            saved["skills"] = list(self.skills)
        for name in ("cause", "region", "effort"):
            if getattr(self, name) is not None:
                saved[name] = getattr(self, name)
        for name in ("remote", "verified", "has_free_seats"):
            if getattr(self, name):
                saved[name] = True
        return saved

    @classmethod
    def from_saved(cls, query: str, filters: dict[str, Any] | None, **extra: Any) -> SearchParams:
        """The search a saved search describes; unknown or malformed keys are ignored."""
        filters = filters or {}
        skills = filters.get("skills") or []
        values: dict[str, Any] = {
            "q": query or "",
            "skills": tuple(s for s in skills if isinstance(s, str)) if isinstance(skills, list) else (),
            "remote": filters.get("remote") is True,
            "verified": filters.get("verified") is True,
            "has_free_seats": filters.get("has_free_seats") is True,
        }
        for name in ("cause", "region"):
            if isinstance(filters.get(name), str):
                values[name] = filters[name]
        if filters.get("effort") in EFFORT_SIZES:
            values["effort"] = filters["effort"]
        return cls(**values, **extra)


@dataclass(frozen=True)
class Relaxation:
    """A filter a "no results" page offers to drop, and how many results the search has without it."""

    name: str
    value: Any
    total: int
    params: SearchParams


@dataclass
class SearchPage:
    """One page of results with what the page and the API show around them.

    Has the attributes the pagination macro reads (page, pages, has_prev, prev_num, has_next,
    next_num, iter_pages).
    """

    params: SearchParams
    items: list[RequestListing]
    total: int
    scores: dict[int, float] = field(default_factory=dict)
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    summaries: dict[int, str] = field(default_factory=dict)
    suggestion: str | None = None
    relaxations: list[Relaxation] = field(default_factory=list)
    engine: str = "database"

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def per_page(self) -> int:
        return self.params.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """Page numbers to link, with None for a gap (Flask-SQLAlchemy's Pagination's shape)."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number <= self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number


# --- visibility and filters ---------------------------------------------------------------------

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


def _filtered(params: SearchParams, statuses: tuple[str, ...] | None) -> sa.Select:
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


def _substring_match(statement: sa.Select, words: str) -> sa.Select:
    """Every word (up to SUBSTRING_WORDS_MAX) must appear in one of the request's own text fields."""
    for word in words.split()[:SUBSTRING_WORDS_MAX]:
        statement = statement.where(sa.or_(*(column.icontains(word, autoescape=True)
                                             for column in TEXT_COLUMNS)))
    return statement


def _ordered(statement: sa.Select, sort: str) -> sa.Select:
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


# --- the two engines ----------------------------------------------------------------------------

def _index_filters(params: SearchParams, statuses: tuple[str, ...] | None) -> dict[str, Any]:
    """The index's filters: the ones a saved search would keep, and the statuses the viewer may see."""
    filters = params.saved_filters()
    if statuses is not None:
        filters["status"] = list(statuses)
    return filters


def _uses_index(params: SearchParams, statuses: tuple[str, ...] | None) -> bool:
    """Words go to the index, unless the listing needs what it does not hold.

    The index holds published requests only and knows no organisation filter, so a listing of
    other statuses, or of one organisation, matches its words in the database.
    """
    if not params.words or params.organization_id is not None:
        return False
    return statuses is None or set(statuses) <= PUBLIC_STATUSES


def _index_unusable() -> bool:
    """Whether the index is missing, corrupt or being rebuilt (it then answers every search empty)."""
    return index.index_status() != "ok"


def _count_only(params: SearchParams, viewer: User | None) -> int:
    """How many results a search has, as cheaply as the engine allows."""
    statuses = visible_statuses(params, viewer)
    if statuses == ():
        return 0
    if _uses_index(params, statuses):
        return index.search(params.words, filters=_index_filters(params, statuses), sort="relevance",
                            page=1, per_page=1).total
    statement = _filtered(params, statuses)
    if params.words:
        statement = _substring_match(statement, params.words)
    counted = statement.with_only_columns(HelpRequest.id).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0


def _from_index(params: SearchParams, statuses: tuple[str, ...] | None) -> SearchPage:
    result = index.search(params.words, filters=_index_filters(params, statuses),
                          sort=params.effective_sort, page=params.page, per_page=params.per_page)
    rows: list[RequestListing] = []
    if result.ids:
        # Visibility and filters again, from the database: the index may lag behind a change.
        by_id = {r.id: r for r in listings(_filtered(params, statuses).where(HelpRequest.id.in_(result.ids)))}
        rows = [by_id[i] for i in result.ids if i in by_id]
    return SearchPage(params, rows, result.total, scores=dict(result.scores),
                      highlights=dict(result.highlights), facets=result.facets,
                      suggestion=result.suggestion, engine="index")


def _from_database(params: SearchParams, statuses: tuple[str, ...] | None) -> SearchPage:
    matching = _filtered(params, statuses)
    if params.words:
        matching = _substring_match(matching, params.words)
    counted = matching.with_only_columns(HelpRequest.id).order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    rows: list[RequestListing] = []
    if total and (params.page - 1) * params.per_page < total:
        rows = listings(_ordered(matching, params.effective_sort)
                        .limit(params.per_page).offset((params.page - 1) * params.per_page))
    facets = facets_of(matching) if total else {"skills": {}, "cause": {}, "region": {}}
    return SearchPage(params, rows, total, facets=facets)


def search_requests(params: SearchParams, viewer: User | None, *, relax: bool = True,
                    with_summaries: bool = True) -> SearchPage:
    """One page of the requests `viewer` may see that match `params`, with facets and summaries.

    Never raises for odd words: the index reads any text as plain words. When the index answers
    nothing because it is missing, corrupt or being rebuilt, the database matches the words as
    substrings instead (`engine` says which answered). With no result and `relax`, the page
    suggests filters to drop, each with its result count. Without `with_summaries` (the API's
    list items have none), the spec summaries are not read.
    """
    statuses = visible_statuses(params, viewer)
    if statuses == ():
        found = SearchPage(params, [], 0, facets={"skills": {}, "cause": {}, "region": {}})
    elif _uses_index(params, statuses):
        found = _from_index(params, statuses)
        # An unusable index answers empty (and schedules a rebuild): the database answers instead.
        if found.total == 0 and _index_unusable():
            log.warning("search index unusable: matching words in the database instead")
            found = _from_database(params, statuses)
    else:
        found = _from_database(params, statuses)
    if with_summaries:
        found.summaries = summaries_of(found.items)
    if relax and found.total == 0:
        found.relaxations = relaxations(params, viewer)
    return found


def relaxations(params: SearchParams, viewer: User | None) -> list[Relaxation]:
    """Filters whose removal would bring results back, the most results first (at most three)."""
    options = []
    for name, value in params.active_filters():
        if name not in DROPPABLE:
            continue
        wider = params.without(name, value)
        total = _count_only(wider, viewer)
        if total:
            options.append(Relaxation(name, value, total, wider))
    options.sort(key=lambda option: -option.total)
    return options[:RELAXATIONS_MAX]


def region_name(value: str | None) -> str | None:
    """The region as organisations spell it (matched without regard to case), or the text as given."""
    if not value or not value.strip():
        return None
    wanted = value.strip()
    stored = db.session.scalar(sa.select(Organization.region)
                               .where(sa.func.lower(Organization.region) == wanted.lower()).limit(1))
    return stored or wanted

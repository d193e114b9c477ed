"""Board reads: the engine's input from the database, the live board, refused pairs, the report, CSV rows."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core.db import utcnow
from app.core.models import Skill, User
from app.extensions import db
from app.requests.intake.drafting.wording import detect_language
from app.requests.models import HelpRequest, Membership, Organization, RequestSkill
from app.volunteers.events.board.reasons import reason_texts
from app.volunteers.events.board.scoring import Candidate, Project
from app.volunteers.events.queries import ManageSummary, featured_projects, manage_summary
from app.volunteers.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
    VolunteerProfile,
    VolunteerSkill,
)


@dataclass(frozen=True)
class RefusedPair:
    """A proposal that could not be confirmed, with the people's and project's names and why."""

    volunteer: User | None
    help_request: HelpRequest | None
    reason: str


def refused_pairs(conflicts: list[tuple[int, int, str]]) -> list[RefusedPair]:
    """confirm_matches' conflicts (user id, request id, sentence) with their names, in two queries."""
    if not conflicts:
        return []
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_({user_id for user_id, _r, _s in conflicts})))}
    requests = {r.id: r for r in db.session.scalars(
        sa.select(HelpRequest).where(HelpRequest.id.in_({rid for _u, rid, _s in conflicts})))}
    return [RefusedPair(users.get(user_id), requests.get(request_id), reason)
            for user_id, request_id, reason in conflicts]


MATCHABLE_REQUEST_STATUSES = ("open", "in_progress")


# The share of Chinese characters among the letters above which a request reads as Chinese: the spec
# drafter's own threshold (requests/intake/drafting/language.json).
CHINESE_SHARE = 0.3


DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def utc_offset_hours(zone_name: str | None, at: datetime) -> float:
    """The UTC offset in hours of an IANA zone at `at` (naive UTC); unknown zones count as Asia/Shanghai."""
    zone = _zone((zone_name or DEFAULT_TIMEZONE).strip() or DEFAULT_TIMEZONE)
    offset = at.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 8.0


def request_languages(title: str, problem: str) -> frozenset[str]:
    """The language a request's team works in, read from its own words: zh with enough Chinese, else en."""
    language = detect_language(f"{title}\n{problem}", CHINESE_SHARE, "zh_CN")
    return frozenset({"zh" if language.startswith("zh") else "en"})


def plan_weeks(deadline: date | None, today: date) -> int | None:
    """Whole weeks left until the deadline (at least one), None without one."""
    if deadline is None:
        return None
    return max(1, math.ceil((deadline - today).days / 7))


def matching_input(event: MatchingEvent, locked: Sequence[tuple[int, int]] = ()
                   ) -> tuple[list[Candidate], list[Project]]:
    """The engine's input for an event, in seven queries however many people and requests there are.

    Candidates: engineers registered and checked in (status registered, attended_at set), with their
    skills, weekly hours left after their live claims, languages, UTC offset at the event's start,
    ranking, and the requests they may not join: ones they hold a live claim on, ones whose
    organisation they are staff of, and every one for a blocked account. Projects: the featured
    requests open or in progress with a free seat, with their skills (slugs too), the skills their
    accepted team already brings, whether they still need a lead, effort, weeks to the deadline,
    language (from their own words) and the organisation's UTC offset (its region when that is a
    time zone, else Asia/Shanghai). `locked` pairs need no extra reads: locked engineers must be
    attending, so they are among the candidates.
    """
    del locked  # part of the interface; the locked engineers are candidates like the rest
    at = event.starts_at
    today = utcnow().date()
    attending = (sa.select(EventRegistration.volunteer_id)
                 .where(EventRegistration.event_id == event.id, EventRegistration.status == "registered",
                        EventRegistration.attended_at.is_not(None)))
    featured = (sa.select(HelpRequest.id).join(EventRequest, EventRequest.request_id == HelpRequest.id)
                .where(EventRequest.event_id == event.id, HelpRequest.status.in_(MATCHABLE_REQUEST_STATUSES),
                       HelpRequest.seats_taken < HelpRequest.team_size))

    people = db.session.execute(
        sa.select(EventRegistration.volunteer_id, EventRegistration.preferences, User.is_blocked,
                  VolunteerProfile.hours_per_week, VolunteerProfile.languages, VolunteerProfile.timezone)
        .join(User, User.id == EventRegistration.volunteer_id)
        .outerjoin(VolunteerProfile, VolunteerProfile.user_id == EventRegistration.volunteer_id)
        .where(EventRegistration.event_id == event.id, EventRegistration.status == "registered",
               EventRegistration.attended_at.is_not(None))
        .order_by(EventRegistration.volunteer_id)).all()
    skills: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, skill_id, level in db.session.execute(
            sa.select(VolunteerSkill.user_id, VolunteerSkill.skill_id, VolunteerSkill.level)
            .where(VolunteerSkill.user_id.in_(attending))):
        skills[user_id][skill_id] = level
    committed: dict[int, int] = defaultdict(int)
    excluded: dict[int, set[int]] = defaultdict(set)
    for user_id, request_id, hours in db.session.execute(
            sa.select(Claim.volunteer_id, Claim.request_id, Claim.hours_per_week)
            .where(Claim.volunteer_id.in_(attending), Claim.status.in_(LIVE_CLAIM_STATUSES))):
        committed[user_id] += hours or 0
        excluded[user_id].add(request_id)

    requests = db.session.execute(
        sa.select(HelpRequest.id, HelpRequest.title, HelpRequest.problem, HelpRequest.team_size,
                  HelpRequest.seats_taken, HelpRequest.effort_hours, HelpRequest.deadline,
                  HelpRequest.organization_id, Organization.region)
        .join(Organization, Organization.id == HelpRequest.organization_id)
        .where(HelpRequest.id.in_(featured)).order_by(HelpRequest.id)).all()
    request_skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for request_id, skill_id, slug in db.session.execute(
            sa.select(RequestSkill.request_id, RequestSkill.skill_id, Skill.slug)
            .join(Skill, Skill.id == RequestSkill.skill_id).where(RequestSkill.request_id.in_(featured))):
        request_skills[request_id].append((slug, skill_id))
    covered: dict[int, set[int]] = defaultdict(set)
    led: set[int] = set()
    for request_id, role, skill_id in db.session.execute(
            sa.select(Claim.request_id, Claim.role, VolunteerSkill.skill_id)
            .outerjoin(VolunteerSkill, VolunteerSkill.user_id == Claim.volunteer_id)
            .where(Claim.request_id.in_(featured), Claim.status == "accepted")):
        if role == "lead":
            led.add(request_id)
        if skill_id is not None:
            covered[request_id].add(skill_id)
    by_organization: dict[int, list[int]] = defaultdict(list)
    for row in requests:
        by_organization[row.organization_id].append(row.id)
    if by_organization:
        for user_id, organization_id in db.session.execute(
                sa.select(Membership.user_id, Membership.organization_id)
                .where(Membership.organization_id.in_(list(by_organization)),
                       Membership.user_id.in_(attending))):
            excluded[user_id].update(by_organization[organization_id])

    featured_ids = frozenset(row.id for row in requests)
    candidates = [
        Candidate(user_id=row.volunteer_id, skills=dict(skills.get(row.volunteer_id, {})),
                  hours_free=max((row.hours_per_week or 0) - committed.get(row.volunteer_id, 0), 0),
                  languages=frozenset(code for code in (row.languages or []) if isinstance(code, str)),
                  utc_offset_hours=utc_offset_hours(row.timezone, at),
                  preferences=tuple(r for r in (row.preferences or [])
                                    if isinstance(r, int) and not isinstance(r, bool)),
                  excluded=featured_ids if row.is_blocked else featured_ids & excluded[row.volunteer_id])
        for row in people]
    projects = []
    for row in requests:
        named = sorted(request_skills.get(row.id, []))
        projects.append(Project(
            request_id=row.id, skills=tuple(skill_id for _slug, skill_id in named),
            covered=frozenset(covered.get(row.id, ())), seats_free=max(row.team_size - row.seats_taken, 0),
            needs_lead=row.id not in led, effort_hours=row.effort_hours,
            weeks=plan_weeks(row.deadline, today),
            languages=request_languages(row.title or "", row.problem or ""),
            utc_offset_hours=utc_offset_hours(row.region, at),
            skill_slugs=tuple(slug for slug, _id in named), team_size=row.team_size))
    return candidates, projects


def event_matches(event: MatchingEvent) -> list[EventMatch]:
    """Every proposal and confirmed match of the event, by request and engineer, engineers loaded."""
    return list(db.session.scalars(
        sa.select(EventMatch).where(EventMatch.event_id == event.id)
        .options(selectinload(EventMatch.volunteer))
        .order_by(EventMatch.request_id, EventMatch.volunteer_id)))


def attending_registrations(event: MatchingEvent) -> list[EventRegistration]:
    """The checked-in engineers with a place (registered and attended), engineers loaded, by name."""
    return list(db.session.scalars(
        sa.select(EventRegistration).join(User, User.id == EventRegistration.volunteer_id)
        .where(EventRegistration.event_id == event.id, EventRegistration.status == "registered",
               EventRegistration.attended_at.is_not(None))
        .options(selectinload(EventRegistration.volunteer)).order_by(User.name, EventRegistration.id)))


def last_run_notes(event: MatchingEvent, kind: str) -> dict[int, list[dict]]:
    """The last run's reasons by id: `unmatched` engineers or `short` requests (stored with text keys)."""
    notes = (event.matching_notes or {}).get(kind) or {}
    return {int(key): list(reasons or []) for key, reasons in notes.items() if str(key).isdigit()}


@dataclass(frozen=True)
class BoardProject:
    """A featured request on the board: its proposals (and confirmed matches) and why seats stay free."""

    help_request: HelpRequest
    matches: list[EventMatch]
    short: list[str]

    @property
    def open_seats(self) -> int:
        """Free seats no proposal covers yet (confirmed matches already took theirs)."""
        proposed = sum(1 for match in self.matches if match.confirmed_at is None)
        return max(self.help_request.seats_free - proposed, 0)


@dataclass(frozen=True)
class BoardPerson:
    """An attending engineer the last run did not place, with why (empty: they came after the run)."""

    volunteer: User
    reasons: list[str]


@dataclass(frozen=True)
class Board:
    projects: list[BoardProject]
    unmatched: list[BoardPerson]
    waiting: list[User]  # checked in after the last run: the next run sees them
    reasons: dict[int, list[str]]  # match id -> its reasons as sentences
    summary: ManageSummary

    @property
    def proposal_count(self) -> int:
        return sum(1 for p in self.projects for m in p.matches if m.confirmed_at is None)

    @property
    def short_projects(self) -> list[BoardProject]:
        return [project for project in self.projects if project.open_seats > 0]


def board(event: MatchingEvent) -> Board:
    """The live board: each featured request with its proposals and reasons in the reader's language,
    attending engineers left unplaced with why, and those checked in since the last run."""
    projects = featured_projects(event)
    matches = event_matches(event)
    by_request: dict[int, list[EventMatch]] = defaultdict(list)
    for match in matches:
        by_request[match.request_id].append(match)
    reasons = {match.id: reason_texts(list(match.reasons or [])) for match in matches}
    short = last_run_notes(event, "short")
    unplaced = last_run_notes(event, "unmatched")
    seated = {match.volunteer_id for match in matches}
    unmatched, waiting = [], []
    for registration in attending_registrations(event):
        if registration.volunteer_id in seated:
            continue
        if registration.volunteer_id in unplaced:
            unmatched.append(BoardPerson(registration.volunteer,
                                         reason_texts(unplaced[registration.volunteer_id])))
        else:
            waiting.append(registration.volunteer)
    return Board([BoardProject(p.help_request, by_request.get(p.help_request.id, []),
                               reason_texts(short.get(p.help_request.id, []))) for p in projects],
                 unmatched, waiting, reasons, manage_summary(event))


@dataclass(frozen=True)
class ReportProject:
    help_request: HelpRequest
    confirmed: list[EventMatch]
    short: list[str]


@dataclass(frozen=True)
class Report:
    projects: list[ReportProject]
    unmatched: list[BoardPerson]
    summary: ManageSummary

    @property
    def attendance_rate(self) -> float | None:
        """Checked in over registered (None when nobody registered)."""
        registered = self.summary.registered_count
        return self.summary.attended_count / registered if registered else None

    @property
    def short_projects(self) -> list[ReportProject]:
        return [project for project in self.projects if project.help_request.seats_free > 0]


def report(event: MatchingEvent) -> Report:
    """After the event: confirmed matches per request, requests still short (with the last run's why),
    and checked-in engineers without a confirmed match, with why."""
    projects = featured_projects(event)
    matches = event_matches(event)
    confirmed: dict[int, list[EventMatch]] = defaultdict(list)
    by_person = {match.volunteer_id: match for match in matches}
    for match in matches:
        if match.confirmed_at is not None:
            confirmed[match.request_id].append(match)
    titles = {p.help_request.id: p.help_request.title for p in projects}
    short, unplaced = last_run_notes(event, "short"), last_run_notes(event, "unmatched")
    unmatched = []
    for registration in attending_registrations(event):
        match = by_person.get(registration.volunteer_id)
        if match is not None and match.confirmed_at is not None:
            continue
        if match is not None:
            why = [_("Proposed for “%(title)s”, but not confirmed.", title=titles.get(match.request_id, ""))]
        elif registration.volunteer_id in unplaced:
            why = reason_texts(unplaced[registration.volunteer_id])
        else:
            why = [_("Checked in after the last matching run.")]
        unmatched.append(BoardPerson(registration.volunteer, why))
    return Report([ReportProject(p.help_request, confirmed.get(p.help_request.id, []),
                                 reason_texts(short.get(p.help_request.id, []))) for p in projects],
                  unmatched, manage_summary(event))


REPORT_COLUMNS = ("request_id", "request_title", "volunteer_id", "volunteer_name", "role", "status", "score",
                  "locked", "confirmed_at", "reasons")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A name like "=HYPERLINK(...)" would run as a formula in a spreadsheet: show it as text.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def report_rows(event: MatchingEvent) -> list[list[object]]:
    """The report's CSV rows, header first: one per match, proposed or confirmed, reasons in the
    reader's language; no e-mail address or phone number."""
    titles = {p.help_request.id: p.help_request.title for p in featured_projects(event)}
    rows: list[list[object]] = [list(REPORT_COLUMNS)]
    for match in event_matches(event):
        rows.append([_cell(value) for value in (
            match.request_id, titles.get(match.request_id, ""), match.volunteer_id,
            match.volunteer.name if match.volunteer else "", match.role,
            "confirmed" if match.confirmed_at else "proposed", round(match.score, 4),
            "yes" if match.locked else "no", match.confirmed_at.isoformat() if match.confirmed_at else "",
            "; ".join(reason_texts(list(match.reasons or []))))])
    return rows


def board_state(event: MatchingEvent) -> dict[str, object]:
    """What the board's refresh script compares every few seconds: the counts, and a fingerprint that
    changes whenever a proposal, lock, confirmation, check-in or run changes what the board shows."""
    summary = manage_summary(event)
    pairs = db.session.execute(
        sa.select(EventMatch.volunteer_id, EventMatch.request_id, EventMatch.role, EventMatch.locked,
                  EventMatch.confirmed_at.is_not(None))
        .where(EventMatch.event_id == event.id).order_by(EventMatch.volunteer_id)).all()
    came = db.session.scalars(
        sa.select(EventRegistration.volunteer_id)
        .where(EventRegistration.event_id == event.id, EventRegistration.attended_at.is_not(None),
               EventRegistration.status == "registered").order_by(EventRegistration.volunteer_id)).all()
    fingerprint = "|".join([event.status, str(event.version), str(event.matched_at),
                            ",".join(":".join(str(value) for value in pair) for pair in pairs),
                            ",".join(str(user_id) for user_id in came)])
    return {"attended": summary.attended_count, "registered": summary.registered_count,
            "waitlisted": summary.waitlisted_count, "proposals": summary.proposal_count,
            "confirmed": summary.confirmed_count,
            "fingerprint": hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}

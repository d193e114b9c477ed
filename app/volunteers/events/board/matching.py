"""The matching engine: who takes which featured request's free seat (pure: numpy, scipy; no Flask, no DB).

Every (volunteer, seat) pair gets one score between 0 and 1.1, built from what a coordinator would
weigh, each part between 0 and 1:

- skills (weight 0.45): the request's skills the volunteer has, each counted by level (level ÷ 5) and
  by coverage: a skill the current team (accepted claims plus locked members) does not bring yet
  counts twice as much as one it already has. Coverage is fixed per seat before solving, so the
  problem stays a linear assignment;
- preference (0.20): the volunteer's ranking, 1st choice 1.0, each further rank 0.15 less (never
  below 0.4); a request they did not rank scores 0 here but stays allowed;
- hours (0.15): the weekly hours they have free against one seat's share of the effort (effort ÷ team
  ÷ weeks to the deadline, or over a DEFAULT_WEEKS plan without one; the reason says which);
- language (0.10): a language both sides work in;
- time zone (0.10): 1 at the same offset, falling to 0 at 8 hours apart;
- lead (+0.10): on a request's lead seat, for a volunteer at level 4 or 5 in a skill it needs.

A pair is feasible when the volunteer is not excluded from the request, has at least one free hour
a week, and has one of its skills (a request without skills accepts anyone). The assignment is exact
(`scipy.optimize.linear_sum_assignment` over the seat-expanded matrix) and places as many people as
possible first: every feasible pair carries a constant larger than any difference in total score, so
whenever every attending volunteer can be placed in a seat that fits their skills, every one is.
Among those assignments it maximises the total score. Locked pairs take their seats first.

The result is deterministic: inputs are sorted by id before anything is computed, so the same
candidates and projects in any order give the same proposal. Reasons are JSON-ready dicts
(`{"code": ..., figures}`); `app.volunteers.events.reasons.reason_texts` turns them into sentences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from app.volunteers.recommendations.scoring import DEFAULT_WEEKS

WEIGHTS = {"skills": 0.45, "preference": 0.20, "hours": 0.15, "language": 0.10, "timezone": 0.10}
LEAD_BONUS = 0.10
LEAD_LEVEL = 4  # a volunteer at this level or above in a needed skill can lead
UNCOVERED_WEIGHT, COVERED_WEIGHT = 1.0, 0.5
RANK_STEP, RANK_FLOOR = 0.15, 0.4
TIMEZONE_SPAN = 8.0  # hours apart at which the time-zone part reaches 0
NEUTRAL = 0.5  # a part we cannot judge (no effort estimate, no languages given) counts half
MAX_SCORE = sum(WEIGHTS.values()) + LEAD_BONUS
SHOWN_PROJECTS = 3  # how many projects an unmatched volunteer's reason names


@dataclass(frozen=True)
class Candidate:
    """An attending volunteer, as the engine sees them."""

    user_id: int
    skills: Mapping[int, int]  # skill_id -> level 1..5
    hours_free: int  # weekly hours not yet committed to live claims
    languages: frozenset[str]
    utc_offset_hours: float
    preferences: tuple[int, ...]  # featured request ids, best first
    excluded: frozenset[int]  # request ids they may not join


@dataclass(frozen=True)
class Project:
    """A featured request with free seats.

    `skill_slugs` (optional, parallel to `skills`) lets reasons name skills by slug, as stored
    reasons should; without it they carry the skill id. `team_size` (optional) is the whole team one
    seat's share of the effort is counted against; without it, the free seats.
    """

    request_id: int
    skills: tuple[int, ...]
    covered: frozenset[int]  # skills the current team (accepted claims) already brings
    seats_free: int
    needs_lead: bool  # no accepted lead yet: one free seat is a lead seat
    effort_hours: int | None
    weeks: int | None  # weeks until the deadline, None without one
    languages: frozenset[str]
    utc_offset_hours: float
    skill_slugs: tuple[str, ...] = ()
    team_size: int | None = None


@dataclass(frozen=True)
class Placement:
    user_id: int
    request_id: int
    role: str  # "lead" | "member"
    score: float
    reasons: tuple[dict, ...]
    locked: bool


@dataclass(frozen=True)
class Proposal:
    placements: tuple[Placement, ...]
    unmatched: dict[int, tuple[dict, ...]]  # user_id -> why nobody placed them
    short: dict[int, tuple[dict, ...]]  # request_id -> why seats stay free


def weekly_need(project: Project) -> tuple[int | None, int, bool]:
    """One seat's weekly hours (None without an effort estimate), the plan's weeks, whether assumed."""
    assumed = project.weeks is None
    weeks = DEFAULT_WEEKS if assumed else max(1, project.weeks or 1)
    if not project.effort_hours or project.effort_hours <= 0:
        return None, weeks, assumed
    team = project.team_size or max(project.seats_free, 1)
    return max(1, math.ceil(project.effort_hours / max(team, 1) / weeks)), weeks, assumed


class _Frame:
    """The candidates and projects as arrays (rows: candidates by user; columns: projects by request)"""

    def __init__(self, candidates: Sequence[Candidate], projects: Sequence[Project]) -> None:
        self.candidates = sorted(candidates, key=lambda c: c.user_id)
        self.projects = sorted(projects, key=lambda p: p.request_id)
        for kind, ids in (("candidate", [c.user_id for c in self.candidates]),
                          ("project", [p.request_id for p in self.projects])):
            if len(set(ids)) != len(ids):
                raise ValueError(f"each {kind} must appear once")
        self.row = {c.user_id: i for i, c in enumerate(self.candidates)}
        self.col = {p.request_id: j for j, p in enumerate(self.projects)}
        n, m = len(self.candidates), len(self.projects)

        skill_ids = sorted({s for p in self.projects for s in p.skills})
        self.skill_index = {s: k for k, s in enumerate(skill_ids)}
        self.slugs: dict[int, object] = {s: s for s in skill_ids}
        for p in self.projects:
            for skill, slug in zip(p.skills, p.skill_slugs, strict=False):
                self.slugs[skill] = slug
        n_skills = len(skill_ids)
        self.levels = np.zeros((n, n_skills), dtype=np.float64)
        rows, cols, vals = [], [], []
        for i, c in enumerate(self.candidates):
            for skill, level in c.skills.items():
                k = self.skill_index.get(skill)
                if k is not None:
                    rows.append(i)
                    cols.append(k)
                    vals.append(min(max(int(level), 1), 5))
        self.levels[rows, cols] = vals
        # Each volunteer has a handful of skills: sparse rows make the (volunteers × requests) products
        # cost what the skills they have cost, not every skill of the taxonomy.
        self.has = sparse.csr_matrix(self.levels > 0, dtype=np.float64)
        self.strong_skills = sparse.csr_matrix(self.levels >= LEAD_LEVEL, dtype=np.float64)
        self.level_share = sparse.csr_matrix(self.levels / 5.0)
        self.needs = np.zeros((m, n_skills), dtype=np.float64)
        for j, p in enumerate(self.projects):
            self.needs[j, [self.skill_index[s] for s in set(p.skills)]] = 1.0
        self.has_skills = self.needs.sum(axis=1) > 0

        self.hours = np.array([c.hours_free for c in self.candidates], dtype=np.float64)
        needs = [weekly_need(p) for p in self.projects]
        self.need_hours = np.array([h if h is not None else np.nan for h, _, _ in needs], dtype=np.float64)
        self.weeks = [(w, assumed) for _, w, assumed in needs]

        self.excluded = np.zeros((n, m), dtype=bool)
        rows, cols = [], []
        for i, c in enumerate(self.candidates):
            for request_id in c.excluded:
                j = self.col.get(request_id)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        self.excluded[rows, cols] = True

        # The volunteer's own rank (1 = first choice), kept when a choice above is full or gone; 0 unranked.
        self.rank = np.zeros((n, m), dtype=np.int32)
        rows, cols, ranks = [], [], []
        for i, c in enumerate(self.candidates):
            seen: set[int] = set()
            for position, request_id in enumerate(dict.fromkeys(c.preferences), start=1):
                j = self.col.get(request_id)
                if j is not None and j not in seen:
                    seen.add(j)
                    rows.append(i)
                    cols.append(j)
                    ranks.append(position)
        self.rank[rows, cols] = ranks

        languages = sorted({code for c in self.candidates for code in c.languages}
                           | {code for p in self.projects for code in p.languages})
        lang_index = {code: k for k, code in enumerate(languages)}
        self.cand_langs = np.zeros((n, len(languages)), dtype=np.float64)
        for i, c in enumerate(self.candidates):
            self.cand_langs[i, [lang_index[code] for code in c.languages]] = 1.0
        self.proj_langs = np.zeros((m, len(languages)), dtype=np.float64)
        for j, p in enumerate(self.projects):
            self.proj_langs[j, [lang_index[code] for code in p.languages]] = 1.0
        self.languages = languages
        self.cand_offset = np.array([c.utc_offset_hours for c in self.candidates], dtype=np.float64)
        self.proj_offset = np.array([p.utc_offset_hours for p in self.projects], dtype=np.float64)

    @cached_property
    def _overlap(self) -> np.ndarray:
        return (np.asarray(self.has @ self.needs.T) > 0) | ~self.has_skills[None, :]

    @cached_property
    def _feasible(self) -> np.ndarray:
        return self._overlap & ~self.excluded & (self.hours >= 1)[:, None]

    @cached_property
    def _strong(self) -> np.ndarray:
        return np.asarray(self.strong_skills @ self.needs.T) > 0

    def skill_overlap(self) -> np.ndarray:
        """(n, m) whether the volunteer has at least one of the request's skills (True without skills)."""
        return self._overlap

    def feasible(self) -> np.ndarray:
        """(n, m) pairs the engine may propose: not excluded, an hour free, and a skill in common."""
        return self._feasible

    def strong(self) -> np.ndarray:
        """(n, m) whether the volunteer is at LEAD_LEVEL or above in one of the request's skills."""
        return self._strong

    def scores(self, covered: list[set[int]]) -> np.ndarray:
        """(n, m) member-seat scores, with `covered[j]` the skills project j's team already brings."""
        weights = self.needs.copy()
        for j, skills in enumerate(covered):
            for skill in skills:
                k = self.skill_index.get(skill)
                if k is not None and weights[j, k]:
                    weights[j, k] = COVERED_WEIGHT / UNCOVERED_WEIGHT
        totals = weights.sum(axis=1)
        weights /= np.where(totals > 0, totals, 1.0)[:, None]
        # Built in place, one (volunteers × requests) array at a time, to keep the peak low.
        total = np.asarray(self.level_share @ weights.T)
        total[:, ~self.has_skills] = NEUTRAL
        total *= WEIGHTS["skills"]

        ranked = self.rank > 0
        preference = np.maximum(1.0 - RANK_STEP * (self.rank[ranked] - 1), RANK_FLOOR)
        total[ranked] += WEIGHTS["preference"] * preference

        part = np.empty_like(total)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide.outer(self.hours, self.need_hours, out=part)
        np.minimum(part, 1.0, out=part)
        part[:, np.isnan(self.need_hours)] = NEUTRAL
        part *= WEIGHTS["hours"]
        total += part

        np.greater(self.cand_langs @ self.proj_langs.T, 0, out=part)  # 1.0 where a language is shared
        part[:, self.proj_langs.sum(axis=1) == 0] = 1.0
        part[self.cand_langs.sum(axis=1) == 0, :] = NEUTRAL
        part *= WEIGHTS["language"]
        total += part

        np.subtract.outer(self.cand_offset, self.proj_offset, out=part)
        np.abs(part, out=part)
        np.remainder(part, 24.0, out=part)
        np.minimum(part, 24.0 - part, out=part)  # hours apart, the short way round the clock
        np.subtract(1.0, part / TIMEZONE_SPAN, out=part)
        np.clip(part, 0.0, 1.0, out=part)
        part *= WEIGHTS["timezone"]
        total += part
        return np.round(total, 6, out=total)


@dataclass(frozen=True)
class ScoreTable:
    """Every (volunteer, request) member-seat score, with rows and columns sorted by id."""

    user_ids: list[int]
    request_ids: list[int]
    scores: np.ndarray  # (volunteers, requests) member-seat score
    feasible: np.ndarray  # (volunteers, requests) may be proposed
    strong: np.ndarray  # (volunteers, requests) would earn the lead bonus on a lead seat


def score_table(candidates: Sequence[Candidate], projects: Sequence[Project]) -> ScoreTable:
    """The scores before any lock (coverage from each project's current team), for tests and benchmarks."""
    frame = _Frame(candidates, projects)
    shape = (len(frame.candidates), len(frame.projects))
    if not all(shape):
        return ScoreTable([c.user_id for c in frame.candidates], [p.request_id for p in frame.projects],
                          np.zeros(shape), np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool))
    scores = frame.scores([set(p.covered) for p in frame.projects])
    return ScoreTable([c.user_id for c in frame.candidates], [p.request_id for p in frame.projects],
                      scores, frame.feasible(), frame.strong())


def build_matrix(scores: np.ndarray, feasible: np.ndarray, strong: np.ndarray, seats: list[int],
                 lead_seat: list[bool], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seat-expanded cost matrix for the candidates in `rows` and the free seats per project.

    `scores`, `feasible` and `strong` are (candidates, projects). Returns (cost, seat_project,
    seat_is_lead): cost is (len(rows), total seats), to minimise; a feasible pair costs
    -(bonus + score), an infeasible one 0 (such pairs are dropped after solving).
    """
    seat_project = np.repeat(np.arange(len(seats)), seats)
    seat_is_lead = np.zeros(len(seat_project), dtype=bool)
    first = 0
    for count, lead in zip(seats, lead_seat, strict=True):
        if lead and count > 0:
            seat_is_lead[first] = True
        first += count
    if len(rows) == 0 or len(seat_project) == 0:
        return np.zeros((len(rows), len(seat_project))), seat_project, seat_is_lead
    seat_scores = scores[np.ix_(rows, seat_project)]
    lead_columns = np.flatnonzero(seat_is_lead)
    seat_scores[:, lead_columns] += LEAD_BONUS * strong[np.ix_(rows, seat_project[lead_columns])]
    # Placing one more person must always beat any gain in total score.
    bonus = MAX_SCORE * (min(len(rows), len(seat_project)) + 1)
    seat_scores += bonus
    np.negative(seat_scores, out=seat_scores)
    seat_scores[~feasible[np.ix_(rows, seat_project)]] = 0.0
    return seat_scores, seat_project, seat_is_lead


def solve(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact assignment (row indices, column indices) minimising the cost."""
    if cost.size == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return linear_sum_assignment(cost)


def _ordinal_rank(rank: int) -> dict:
    return {"code": "preference", "rank": rank} if rank else {"code": "unranked"}


def _pair_reasons(frame: _Frame, i: int, j: int, covered: set[int], lead: bool) -> list[dict]:
    c, p = frame.candidates[i], frame.projects[j]
    reasons: list[dict] = []
    if p.skills:
        matched = sorted((s for s in set(p.skills) if s in c.skills),
                         key=lambda s: (-c.skills[s], p.skills.index(s)))
        reasons.append({"code": "skills",
                        "matched": [{"skill": frame.slugs[s], "level": int(c.skills[s])} for s in matched],
                        "adds": [frame.slugs[s] for s in matched if s not in covered]})
    else:
        reasons.append({"code": "skills_open"})
    reasons.append(_ordinal_rank(int(frame.rank[i, j])))
    need, weeks, assumed = weekly_need(p)
    if need is None:
        reasons.append({"code": "hours_unknown", "hours": int(c.hours_free)})
    else:
        reasons.append({"code": "hours_fit" if c.hours_free >= need else "hours_short",
                        "hours": int(c.hours_free), "needed": need, "weeks": weeks, "assumed_weeks": assumed})
    shared = sorted(c.languages & p.languages)
    if shared:
        reasons.append({"code": "language", "languages": shared})
    elif p.languages and c.languages:
        reasons.append({"code": "language_gap", "languages": sorted(p.languages)})
    gap = abs(c.utc_offset_hours - p.utc_offset_hours) % 24.0
    gap = min(gap, 24.0 - gap)
    reasons.append({"code": "timezone", "hours_apart": round(gap, 1)})
    if lead:
        best = max((s for s in set(p.skills) if c.skills.get(s, 0) >= LEAD_LEVEL),
                   key=lambda s: (c.skills[s], -p.skills.index(s)))
        reasons.append({"code": "lead", "skill": frame.slugs[best], "level": int(c.skills[best])})
    return reasons


def propose(candidates: Sequence[Candidate], projects: Sequence[Project],
            locked: Sequence[tuple[int, int]] = ()) -> Proposal:
    """The best assignment of attending volunteers to the projects' free seats, with the reasons.

    `locked` pairs (user_id, request_id) are kept as given and take their seats first; a locked pair
    whose volunteer is not attending, is excluded from the request, or finds no free seat there
    raises ValueError, as does a volunteer locked twice.
    """
    frame = _Frame(candidates, projects)
    n, m = len(frame.candidates), len(frame.projects)
    seats = [max(p.seats_free, 0) for p in frame.projects]
    lead_open = [p.needs_lead for p in frame.projects]
    covered = [set(p.covered) for p in frame.projects]
    strong_all = frame.strong() if n and m else np.zeros((n, m), dtype=bool)

    placements: list[Placement] = []
    locked_rows: set[int] = set()
    for user_id, request_id in sorted(set(locked)):
        i, j = frame.row.get(user_id), frame.col.get(request_id)
        if i is None:
            raise ValueError(f"volunteer {user_id} is not attending, so cannot be locked")
        if j is None:
            raise ValueError(f"request {request_id} is not featured with free seats")
        if i in locked_rows:
            raise ValueError(f"volunteer {user_id} is locked to two requests")
        if frame.excluded[i, j]:
            raise ValueError(f"volunteer {user_id} may not join request {request_id}")
        if seats[j] <= 0:
            raise ValueError(f"request {request_id} has no free seat left for volunteer {user_id}")
        locked_rows.add(i)
        seats[j] -= 1
        lead = bool(lead_open[j] and strong_all[i, j])
        if lead:
            lead_open[j] = False
        placements.append(Placement(user_id, request_id, "lead" if lead else "member", 0.0, (), True))
    # Locked members' skills count as covered before the rest are placed.
    for placement in placements:
        covered[frame.col[placement.request_id]].update(frame.candidates[frame.row[placement.user_id]].skills)

    free_rows = np.array([i for i in range(n) if i not in locked_rows], dtype=int)
    if n and m:
        scores, feasible = frame.scores(covered), frame.feasible()
    else:
        scores, feasible = np.zeros((n, m)), np.zeros((n, m), dtype=bool)
    cost, seat_project, seat_is_lead = build_matrix(scores, feasible, strong_all, seats, lead_open, free_rows)
    row_ids, seat_ids = solve(cost)

    chosen: list[tuple[int, int, bool]] = []
    for r, s in zip(row_ids.tolist(), seat_ids.tolist(), strict=True):
        i, j = int(free_rows[r]), int(seat_project[s])
        if feasible[i, j]:
            chosen.append((i, j, bool(seat_is_lead[s] and strong_all[i, j])))

    final = []
    for placement in placements:  # locked: score and reasons as if proposed, plus the lock
        i, j = frame.row[placement.user_id], frame.col[placement.request_id]
        lead = placement.role == "lead"
        score = float(scores[i, j]) + (LEAD_BONUS if lead else 0.0)
        reasons = [{"code": "locked"}, *_pair_reasons(frame, i, j, set(frame.projects[j].covered), lead)]
        final.append(Placement(placement.user_id, placement.request_id, placement.role, round(score, 4),
                               tuple(reasons), True))
    for i, j, lead in chosen:
        score = float(scores[i, j]) + (LEAD_BONUS if lead else 0.0)
        final.append(Placement(frame.candidates[i].user_id, frame.projects[j].request_id,
                               "lead" if lead else "member", round(score, 4),
                               tuple(_pair_reasons(frame, i, j, covered[j], lead)), False))
    final.sort(key=lambda p: (p.request_id, p.role != "lead", p.user_id))

    placed_rows = {frame.row[p.user_id] for p in final}
    taken = np.zeros(m, dtype=int)
    leads = set()
    for p in final:
        taken[frame.col[p.request_id]] += 1
        if p.role == "lead":
            leads.add(frame.col[p.request_id])
    unmatched = _unmatched_reasons(frame, placed_rows, scores, feasible)
    short = _short_reasons(frame, taken, leads, covered, final, feasible, strong_all)
    return Proposal(tuple(final), unmatched, short)


def _unmatched_reasons(frame: _Frame, placed_rows: set[int], scores: np.ndarray,
                       feasible: np.ndarray) -> dict[int, tuple[dict, ...]]:
    n, m = len(frame.candidates), len(frame.projects)
    if n == 0:
        return {}
    if m == 0:
        return {c.user_id: ({"code": "no_projects"},) for c in frame.candidates}
    rows = np.array([i for i in range(n) if i not in placed_rows], dtype=int)
    fits = feasible[rows]
    fitting = fits.sum(axis=1)
    excluded_all = frame.excluded[rows].all(axis=1)
    # The projects to name for each: their own choices first (best rank first), then the best fits,
    # ties by request id; picked for all the unmatched at once.
    key = np.where(frame.rank[rows] > 0, frame.rank[rows], m + 1).astype(np.float64)
    key -= scores[rows]  # scores are below 2, ranks whole numbers: rank first, then score
    key += np.arange(m) * (1e-7 / max(m, 1))  # below the scores' rounding: ties go by request id
    key[~fits] = np.inf
    shown = min(SHOWN_PROJECTS, m)
    best = np.argpartition(key, shown - 1, axis=1)[:, :shown]
    best = np.take_along_axis(best, np.argsort(np.take_along_axis(key, best, axis=1), axis=1), axis=1)
    overlap = frame.skill_overlap()[rows] & frame.excluded[rows]
    result: dict[int, tuple[dict, ...]] = {}
    for r, i in enumerate(rows.tolist()):
        c = frame.candidates[i]
        if c.hours_free < 1:
            result[c.user_id] = ({"code": "no_hours", "hours": int(c.hours_free)},)
        elif excluded_all[r]:
            result[c.user_id] = ({"code": "excluded_everywhere"},)
        elif not fitting[r]:
            blocked = [frame.projects[j].request_id for j in np.flatnonzero(overlap[r])[:SHOWN_PROJECTS]]
            result[c.user_id] = ({"code": "no_skill_fit", "excluded": blocked},) if blocked else (
                {"code": "no_skill_fit"},)
        else:
            named = [frame.projects[j].request_id for j in best[r].tolist() if fits[r, j]]
            result[c.user_id] = ({"code": "seats_taken", "fitting": int(fitting[r]), "projects": named},)
    return result


def _short_reasons(frame: _Frame, taken: np.ndarray, leads: set[int], covered: list[set[int]],
                   placements: list[Placement], feasible: np.ndarray,
                   strong: np.ndarray) -> dict[int, tuple[dict, ...]]:
    n, m = len(frame.candidates), len(frame.projects)
    if m == 0:
        return {}
    fitting = feasible.sum(axis=0)
    ranked = (frame.rank > 0).sum(axis=0)
    anyone_has = (frame.levels > 0).any(axis=0) if n else np.zeros(len(frame.skill_index), dtype=bool)
    team_skills = [set(s) for s in covered]
    for p in placements:
        team_skills[frame.col[p.request_id]].update(frame.candidates[frame.row[p.user_id]].skills)
    result: dict[int, tuple[dict, ...]] = {}
    for j, p in enumerate(frame.projects):
        free = max(p.seats_free, 0) - int(taken[j])
        if free <= 0:
            continue
        seats = max(p.seats_free, 0)
        reasons: list[dict] = [{"code": "seats_left", "free": free, "seats": seats}]
        nobody = [frame.slugs[s] for s in sorted(set(p.skills))
                  if s not in team_skills[j] and not anyone_has[frame.skill_index[s]]]
        if n == 0:
            reasons.append({"code": "nobody_attending"})
        elif p.skills and not fitting[j] and len(nobody) == len(set(p.skills)):
            reasons.append({"code": "no_skill_fit_people", "skills": nobody})
        else:
            if nobody:
                reasons.append({"code": "nobody_has_skill", "skills": nobody})
            if fitting[j] < seats:
                reasons.append({"code": "few_fitting", "fitting": int(fitting[j]), "seats": seats})
            else:
                reasons.append({"code": "fits_went_elsewhere", "fitting": int(fitting[j])})
        if not ranked[j]:
            reasons.append({"code": "not_ranked"})
        if p.needs_lead and j not in leads and n and not strong[:, j].any():
            reasons.append({"code": "no_lead", "level": LEAD_LEVEL})
        result[p.request_id] = tuple(reasons)
    return result

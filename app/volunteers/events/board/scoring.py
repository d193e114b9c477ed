"""The engine's scores: its input types and every (volunteer, project) pair's score and feasibility.

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

Pure (numpy; no Flask, no DB); `app.volunteers.events.board.matching` assigns the seats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from app.volunteers.recommendations.scoring import DEFAULT_WEEKS

WEIGHTS = {"skills": 0.45, "preference": 0.20, "hours": 0.15, "language": 0.10, "timezone": 0.10}


LEAD_BONUS = 0.10


LEAD_LEVEL = 4  # a volunteer at this level or above in a needed skill can lead
UNCOVERED_WEIGHT, COVERED_WEIGHT = 1.0, 0.5
RANK_STEP, RANK_FLOOR = 0.15, 0.4


TIMEZONE_SPAN = 8.0  # hours apart at which the time-zone part reaches 0


NEUTRAL = 0.5  # a part we cannot judge (no effort estimate, no languages given) counts half


MAX_SCORE = sum(WEIGHTS.values()) + LEAD_BONUS


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


def weekly_need(project: Project) -> tuple[int | None, int, bool]:
    """One seat's weekly hours (None without an effort estimate), the plan's weeks, whether assumed."""
    assumed = project.weeks is None
    weeks = DEFAULT_WEEKS if assumed else max(1, project.weeks or 1)
    if not project.effort_hours or project.effort_hours <= 0:
        return None, weeks, assumed
    team = project.team_size or max(project.seats_free, 1)
    return max(1, math.ceil(project.effort_hours / max(team, 1) / weeks)), weeks, assumed


class Frame:
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
    frame = Frame(candidates, projects)
    shape = (len(frame.candidates), len(frame.projects))
    if not all(shape):
        return ScoreTable([c.user_id for c in frame.candidates], [p.request_id for p in frame.projects],
                          np.zeros(shape), np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool))
    scores = frame.scores([set(p.covered) for p in frame.projects])
    return ScoreTable([c.user_id for c in frame.candidates], [p.request_id for p in frame.projects],
                      scores, frame.feasible(), frame.strong())

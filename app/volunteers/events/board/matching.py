"""The matching engine: who takes which featured request's free seat (pure: numpy, scipy; no Flask, no DB).

The scores come from `app.volunteers.events.board.scoring`.
A pair is feasible when the volunteer is not excluded from the request, has at least one free hour
a week, and has one of its skills (a request without skills accepts anyone). The assignment is exact
(`scipy.optimize.linear_sum_assignment` over the seat-expanded matrix) and places as many people as
possible first: every feasible pair carries a constant larger than any difference in total score, so
whenever every attending volunteer can be placed in a seat that fits their skills, every one is.
Among those assignments it maximises the total score. Locked pairs take their seats first.

The result is deterministic: inputs are sorted by id before anything is computed, so the same
candidates and projects in any order give the same proposal. Reasons are JSON-ready dicts
(`{"code": ..., figures}`); `app.volunteers.events.board.reasons.reason_texts` turns them into sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from app.volunteers.events.board.scoring import (
    LEAD_BONUS,
    LEAD_LEVEL,
    MAX_SCORE,
    Candidate,
    Frame,
    Project,
    weekly_need,
)

SHOWN_PROJECTS = 3  # how many projects an unmatched volunteer's reason names


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


def _pair_reasons(frame: Frame, i: int, j: int, covered: set[int], lead: bool) -> list[dict]:
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
    frame = Frame(candidates, projects)
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


def _unmatched_reasons(frame: Frame, placed_rows: set[int], scores: np.ndarray,
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


def _short_reasons(frame: Frame, taken: np.ndarray, leads: set[int], covered: list[set[int]],
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

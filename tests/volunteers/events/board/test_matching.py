"""The matching engine (app.volunteers.events.board.matching): the exact optimum, seats, exclusions, locks,
determinism and reasons."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.volunteers.events.board.matching import Proposal, propose
from app.volunteers.events.board.scoring import LEAD_BONUS, Candidate, Project, score_table

PYTHON, SQL, REACT, GIS = 1, 2, 3, 4
SLUGS = {PYTHON: "python", SQL: "postgresql", REACT: "react", GIS: "gis"}


def person(user_id: int, skills: dict[int, int], *, hours: int = 8, prefs: tuple[int, ...] = (),
           excluded: frozenset[int] = frozenset(), languages: frozenset[str] = frozenset({"zh"}),
           offset: float = 8.0) -> Candidate:
    return Candidate(user_id=user_id, skills=skills, hours_free=hours, languages=languages,
                     utc_offset_hours=offset, preferences=prefs, excluded=excluded)


def project(request_id: int, skills: tuple[int, ...], *, seats: int = 1, lead: bool = False,
            covered: frozenset[int] = frozenset(), effort: int | None = 96, weeks: int | None = 8,
            languages: frozenset[str] = frozenset({"zh"}), offset: float = 8.0) -> Project:
    return Project(request_id=request_id, skills=skills, covered=covered, seats_free=seats, needs_lead=lead,
                   effort_hours=effort, weeks=weeks, languages=languages, utc_offset_hours=offset,
                   skill_slugs=tuple(SLUGS[s] for s in skills), team_size=seats)


def pairs(proposal: Proposal) -> set[tuple[int, int]]:
    return {(p.user_id, p.request_id) for p in proposal.placements}


def greedy(candidates: list[Candidate], projects: list[Project]) -> set[tuple[int, int]]:
    """The obvious alternative: take the best-scoring feasible pair, again and again."""
    table = score_table(candidates, projects)
    seats = {p.request_id: p.seats_free for p in projects}
    order = sorted(((table.scores[i, j], u, r) for i, u in enumerate(table.user_ids)
                    for j, r in enumerate(table.request_ids) if table.feasible[i, j]), reverse=True)
    chosen, placed = set(), set()
    for _score, user_id, request_id in order:
        if user_id not in placed and seats[request_id] > 0:
            chosen.add((user_id, request_id))
            placed.add(user_id)
            seats[request_id] -= 1
    return chosen


# --- hand-checked cases -----------------------------------------------------------------------------

def test_the_optimum_gives_the_all_rounder_to_the_project_only_they_can_fill_well():
    """Ann is the best at both; Bo only at Python. Greedy gives Ann Python (her 1st choice) and Bo the
    database work he is weak at; the optimum gives Ann the database and Bo Python."""
    ann = person(1, {PYTHON: 5, SQL: 5}, prefs=(10, 20))
    bo = person(2, {PYTHON: 5, SQL: 1})
    projects = [project(10, (PYTHON,)), project(20, (SQL,))]
    table = score_table([ann, bo], projects)
    # Ann–Python is the single best pair, so a greedy pass starts there.
    assert table.scores[0, 0] == table.scores.max()
    assert greedy([ann, bo], projects) == {(1, 10), (2, 20)}

    proposal = propose([ann, bo], projects)

    assert pairs(proposal) == {(1, 20), (2, 10)}
    greedy_total = table.scores[0, 0] + table.scores[1, 1]
    assert sum(p.score for p in proposal.placements) > greedy_total + 0.2


def test_everyone_is_placed_when_everyone_can_be_even_at_a_lower_total_score():
    """Greedy places Ann on her favourite, leaving Bo (Python only) nowhere; the engine places both."""
    ann = person(1, {PYTHON: 5, REACT: 5}, prefs=(10,))
    bo = person(2, {PYTHON: 2})
    projects = [project(10, (PYTHON,)), project(20, (REACT,))]
    assert greedy([ann, bo], projects) == {(1, 10)}

    proposal = propose([ann, bo], projects)

    assert pairs(proposal) == {(1, 20), (2, 10)}
    assert proposal.unmatched == {}
    assert proposal.short == {}


def test_a_strong_volunteer_takes_the_lead_seat_and_the_other_joins_as_member():
    strong = person(1, {PYTHON: 4})
    learner = person(2, {PYTHON: 2})
    proposal = propose([learner, strong], [project(10, (PYTHON,), seats=2, lead=True)])

    roles = {p.user_id: p.role for p in proposal.placements}
    assert roles == {1: "lead", 2: "member"}
    lead = next(p for p in proposal.placements if p.role == "lead")
    assert {"code": "lead", "skill": "python", "level": 4} in lead.reasons


def test_no_one_leads_without_the_level_and_the_request_says_so():
    proposal = propose([person(1, {PYTHON: 3})], [project(10, (PYTHON,), seats=2, lead=True)])

    assert [p.role for p in proposal.placements] == ["member"]
    codes = [r["code"] for r in proposal.short[10]]
    assert codes[0] == "seats_left" and "no_lead" in codes


def test_a_skill_the_team_lacks_counts_more_than_one_it_has():
    """Both projects need Python and SQL; project 10's team already brings Python, so the SQL expert
    is worth more there and the Python expert more on the empty project 20."""
    py = person(1, {PYTHON: 5})
    sql = person(2, {SQL: 5})
    projects = [project(10, (PYTHON, SQL), covered=frozenset({PYTHON})),
                project(20, (PYTHON, SQL), covered=frozenset({SQL}))]
    assert pairs(propose([py, sql], projects)) == {(1, 20), (2, 10)}
    swapped = [project(10, (PYTHON, SQL), covered=frozenset({SQL})),
               project(20, (PYTHON, SQL), covered=frozenset({PYTHON}))]
    assert pairs(propose([py, sql], swapped)) == {(1, 10), (2, 20)}


def test_preference_language_time_zone_and_hours_break_an_equal_skill_fit():
    ranked = person(1, {PYTHON: 4}, prefs=(20,))
    assert pairs(propose([ranked], [project(10, (PYTHON,)), project(20, (PYTHON,))])) == {(1, 20)}

    english = person(2, {PYTHON: 4}, languages=frozenset({"en"}))
    en_project = project(20, (PYTHON,), languages=frozenset({"en"}))
    assert pairs(propose([english], [project(10, (PYTHON,)), en_project])) == {(2, 20)}

    in_london = person(3, {PYTHON: 4}, offset=0.0)
    nearer = project(20, (PYTHON,), offset=1.0)
    assert pairs(propose([in_london], [project(10, (PYTHON,)), nearer])) == {(3, 20)}

    two_hours = person(4, {PYTHON: 4}, hours=2)
    small = project(20, (PYTHON,), effort=16, weeks=8)  # 2 h/week each
    assert pairs(propose([two_hours], [project(10, (PYTHON,), effort=400), small])) == {(4, 20)}


def test_seats_exclusions_hours_and_skills_are_always_respected():
    candidates = [
        person(1, {PYTHON: 5}, excluded=frozenset({10})),  # already on 10
        person(2, {PYTHON: 5}, hours=0),  # no hours left
        person(3, {GIS: 5}),  # no skill any project needs
        person(4, {PYTHON: 3}),
        person(5, {PYTHON: 4}),
    ]
    proposal = propose(candidates, [project(10, (PYTHON,))])

    assert pairs(proposal) == {(5, 10)}
    assert proposal.unmatched[1] == ({"code": "excluded_everywhere"},)
    assert proposal.unmatched[2] == ({"code": "no_hours", "hours": 0},)
    assert proposal.unmatched[3] == ({"code": "no_skill_fit"},)
    assert proposal.unmatched[4] == ({"code": "seats_taken", "fitting": 1, "projects": [10]},)


def test_a_request_without_skills_accepts_anyone():
    proposal = propose([person(1, {GIS: 1})], [project(10, ())])
    assert pairs(proposal) == {(1, 10)}
    assert {"code": "skills_open"} in proposal.placements[0].reasons


# --- locks ------------------------------------------------------------------------------------------

def test_locked_pairs_are_kept_and_the_rest_is_solved_around_them():
    ann = person(1, {PYTHON: 5, SQL: 5}, prefs=(10, 20))
    bo = person(2, {PYTHON: 5, SQL: 1})
    cy = person(3, {SQL: 4})
    projects = [project(10, (PYTHON,)), project(20, (SQL,))]
    # Unlocked, Ann goes to SQL and Bo to Python; the coordinator locks Ann to Python.
    proposal = propose([ann, bo, cy], projects, locked=[(1, 10)])

    assert pairs(proposal) == {(1, 10), (3, 20)}
    locked = [p for p in proposal.placements if p.locked]
    assert [(p.user_id, p.request_id) for p in locked] == [(1, 10)]
    assert locked[0].reasons[0] == {"code": "locked"}
    # A re-run with the same lock gives the same proposal.
    assert propose([cy, bo, ann], projects[::-1], locked=[(1, 10)]) == proposal


def test_a_locked_member_covers_their_skills_before_the_others_are_placed():
    sql_lock = person(1, {SQL: 5})
    py = person(2, {PYTHON: 5})
    sql = person(3, {SQL: 5})
    projects = [project(10, (PYTHON, SQL), seats=2), project(20, (PYTHON, SQL))]
    proposal = propose([sql_lock, py, sql], projects, locked=[(1, 10)])
    # Project 10 already has SQL from the lock, so the Python engineer completes it.
    assert pairs(proposal) == {(1, 10), (2, 10), (3, 20)}


@pytest.mark.parametrize(("locked", "message"), [
    ([(1, 10)], "may not join"),
    ([(2, 10), (3, 10)], "no free seat"),
    ([(9, 10)], "not attending"),
    ([(2, 99)], "not featured"),
    ([(2, 10), (2, 20)], "locked to two"),
])
def test_impossible_locks_are_refused(locked, message):
    candidates = [person(1, {PYTHON: 5}, excluded=frozenset({10})), person(2, {PYTHON: 5}),
                  person(3, {PYTHON: 5})]
    with pytest.raises(ValueError, match=message):
        propose(candidates, [project(10, (PYTHON,)), project(20, (PYTHON,))], locked=locked)


# --- determinism -------------------------------------------------------------------------------------

def random_instance(rng: random.Random, n: int, m: int) -> tuple[list[Candidate], list[Project]]:
    projects = [project(100 + j, tuple(rng.sample([PYTHON, SQL, REACT, GIS], rng.randint(0, 2))),
                        seats=rng.randint(1, 2), lead=rng.random() < 0.5,
                        covered=frozenset(rng.sample([PYTHON, SQL, REACT], rng.randint(0, 1))),
                        effort=rng.choice([None, 40, 120]), weeks=rng.choice([None, 4, 12]),
                        languages=frozenset(rng.sample(["zh", "en"], rng.randint(1, 2))),
                        offset=rng.choice([8.0, 0.0, -5.0])) for j in range(m)]
    ids = [p.request_id for p in projects]
    candidates = [person(i + 1, {s: rng.randint(1, 5) for s in rng.sample([PYTHON, SQL, REACT, GIS],
                                                                           rng.randint(0, 3))},
                         hours=rng.choice([0, 2, 5, 10]),
                         prefs=tuple(rng.sample(ids, rng.randint(0, len(ids)))),
                         excluded=frozenset(rng.sample(ids, rng.randint(0, min(1, len(ids))))),
                         languages=frozenset(rng.sample(["zh", "en"], rng.randint(0, 2))),
                         offset=rng.choice([8.0, 9.0, 1.0])) for i in range(n)]
    return candidates, projects


def test_the_same_input_in_any_order_gives_the_same_proposal():
    rng = random.Random(7)
    candidates, projects = random_instance(rng, 40, 12)
    first = propose(candidates, projects)
    for _ in range(3):
        rng.shuffle(candidates)
        rng.shuffle(projects)
        again = propose(candidates, projects)
        assert again == first
        assert [p.user_id for p in again.placements] == [p.user_id for p in first.placements]


def test_identical_volunteers_are_told_apart_by_id_every_time():
    twins = [person(i, {PYTHON: 4}) for i in (5, 3, 4)]
    results = {tuple(sorted(pairs(propose(order, [project(10, (PYTHON,))]))))
               for order in itertools.permutations(twins)}
    assert len(results) == 1


# --- the exact optimum against brute force ------------------------------------------------------------

def brute_force(candidates: list[Candidate], projects: list[Project]) -> tuple[int, float]:
    """(most people placed, best total score) over every assignment, lead bonus included."""
    table = score_table(candidates, projects)
    options = [[None] + [j for j in range(len(projects)) if table.feasible[i, j]]
               for i in range(len(candidates))]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        counts = [0] * len(projects)
        for j in choice:
            if j is not None:
                counts[j] += 1
        if any(count > projects[j].seats_free for j, count in enumerate(counts)):
            continue
        total = sum(table.scores[i, j] for i, j in enumerate(choice) if j is not None)
        for j, p in enumerate(projects):
            if p.needs_lead and any(choice[i] == j and table.strong[i, j] for i in range(len(candidates))):
                total += LEAD_BONUS
        placed = sum(j is not None for j in choice)
        best = max(best, (placed, round(total, 6)))
    return best


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n=st.integers(0, 5), m=st.integers(0, 3))
def test_the_engine_finds_the_brute_force_optimum_and_breaks_no_rule(seed, n, m):
    candidates, projects = random_instance(random.Random(seed), n, m)
    # Sort as the engine does, so brute force reads the same table.
    candidates.sort(key=lambda c: c.user_id)
    projects.sort(key=lambda p: p.request_id)
    proposal = propose(candidates, projects)
    table = score_table(candidates, projects)
    row = {u: i for i, u in enumerate(table.user_ids)}
    col = {r: j for j, r in enumerate(table.request_ids)}

    placed = [p.user_id for p in proposal.placements]
    assert len(placed) == len(set(placed))  # one project per person
    for p in projects:  # never more people than free seats, at most one lead
        on_it = [x for x in proposal.placements if x.request_id == p.request_id]
        assert len(on_it) <= p.seats_free
        assert sum(x.role == "lead" for x in on_it) <= (1 if p.needs_lead else 0)
    for x in proposal.placements:  # only feasible pairs: not excluded, hours, a skill in common
        assert table.feasible[row[x.user_id], col[x.request_id]]
        assert x.request_id not in next(c for c in candidates if c.user_id == x.user_id).excluded
    # Everyone is accounted for, and every request with a free seat says why.
    assert set(placed) | set(proposal.unmatched) == {c.user_id for c in candidates}
    assert not set(placed) & set(proposal.unmatched)
    for p in projects:
        taken = sum(x.request_id == p.request_id for x in proposal.placements)
        assert (p.request_id in proposal.short) == (taken < p.seats_free)

    best_placed, best_total = brute_force(candidates, projects)
    assert len(proposal.placements) == best_placed
    assert sum(x.score for x in proposal.placements) == pytest.approx(best_total, abs=1e-3)


# --- reasons ------------------------------------------------------------------------------------------

def test_a_proposal_names_its_real_factors():
    ann = person(1, {PYTHON: 4, SQL: 3, GIS: 2}, hours=6, prefs=(30, 10), languages=frozenset({"zh", "en"}),
                 offset=9.0)
    team_of_two = project(10, (PYTHON, SQL), seats=2, covered=frozenset({SQL}), effort=96, weeks=8)
    proposal = propose([ann], [team_of_two])

    (placement,) = proposal.placements
    assert placement.reasons == (
        {"code": "skills", "matched": [{"skill": "python", "level": 4}, {"skill": "postgresql", "level": 3}],
         "adds": ["python"]},
        {"code": "preference", "rank": 2},  # 30 has no free seat; 10 stays her 2nd choice
        {"code": "hours_fit", "hours": 6, "needed": 6, "weeks": 8, "assumed_weeks": False},
        {"code": "language", "languages": ["zh"]},
        {"code": "timezone", "hours_apart": 1.0},
    )
    assert 0 < placement.score <= 1.1


def test_hours_short_and_an_assumed_plan_are_said_plainly():
    proposal = propose([person(1, {PYTHON: 3}, hours=2)], [project(10, (PYTHON,), effort=130, weeks=None)])
    reasons = proposal.placements[0].reasons
    assert {"code": "hours_short", "hours": 2, "needed": 10, "weeks": 13, "assumed_weeks": True} in reasons
    assert {"code": "unranked"} in reasons


def test_unmatched_volunteers_and_short_requests_say_why():
    candidates = [person(1, {PYTHON: 5}, prefs=(10,)), person(2, {PYTHON: 3}, prefs=(10,)),
                  person(3, {GIS: 4}, excluded=frozenset({30}))]
    projects = [project(10, (PYTHON,)), project(20, (REACT,), seats=2), project(30, (GIS,), lead=True)]
    proposal = propose(candidates, projects)

    assert pairs(proposal) == {(1, 10)}
    assert proposal.unmatched == {
        2: ({"code": "seats_taken", "fitting": 1, "projects": [10]},),
        3: ({"code": "no_skill_fit", "excluded": [30]},),
    }
    assert proposal.short == {
        20: ({"code": "seats_left", "free": 2, "seats": 2},
             {"code": "no_skill_fit_people", "skills": ["react"]},
             {"code": "not_ranked"}),
        30: ({"code": "seats_left", "free": 1, "seats": 1},
             {"code": "few_fitting", "fitting": 0, "seats": 1},
             {"code": "not_ranked"}),
    }


def test_seats_lost_to_closer_fits_name_where_the_fitting_people_went():
    """Two people fit both projects; the one who fits project 20 better goes there, so 10 waits."""
    candidates = [person(1, {PYTHON: 5, SQL: 5}, prefs=(20,)), person(2, {SQL: 5}, prefs=(20,))]
    proposal = propose(candidates, [project(10, (PYTHON,)), project(20, (SQL,))])
    assert pairs(proposal) == {(1, 10), (2, 20)}

    proposal = propose(candidates, [project(10, (PYTHON, SQL), seats=2), project(20, (SQL,))])
    assert len(proposal.placements) == 2
    assert proposal.short[10][0] == {"code": "seats_left", "free": 1, "seats": 2}


def test_nobody_checked_in():
    proposal = propose([], [project(10, (PYTHON,))])
    assert proposal.placements == ()
    assert proposal.short == {10: ({"code": "seats_left", "free": 1, "seats": 1},
                                   {"code": "nobody_attending"}, {"code": "not_ranked"})}
    assert propose([person(1, {PYTHON: 3})], []).unmatched == {1: ({"code": "no_projects"},)}

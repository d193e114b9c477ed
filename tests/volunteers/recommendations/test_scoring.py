"""The pure recommendation scorer: table-driven cases of who should see which request first, and why."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from app.volunteers.recommendations.scoring import (
    DEFAULT_WEEKS,
    Reason,
    RequestFacts,
    VolunteerFacts,
    rank,
    score_request,
    weekly_hours_needed,
)

TODAY = date(2026, 3, 2)
FLASK_DEV = VolunteerFacts(skills={"flask": 5, "postgresql": 4, "vue": 1}, hours_per_week=6,
                           causes=frozenset({"education"}), city="Beijing", remote=True)


def request(request_id: int = 1, skills: tuple[str, ...] = ("flask", "postgresql"), **fields) -> RequestFacts:
    values = {"team_size": 1, "seats_free": 1, "effort_hours": 40, "causes": ("education",),
              "region": "Shanghai", "remote_ok": True}
    values.update(fields)
    return RequestFacts(request_id=request_id, skills=skills, **values)


@pytest.mark.parametrize(("facts", "expected"), [
    (request(effort_hours=None), None),  # no estimate: nothing to say
    (request(effort_hours=0), None),
    (request(effort_hours=40), 4),  # 40 h over 13 weeks ≈ 3.1 → about 4 h a week
    (request(effort_hours=120, team_size=2), 5),  # 60 h each over 13 weeks
    (request(effort_hours=40, deadline=TODAY + timedelta(weeks=2)), 20),  # a close deadline
    (request(effort_hours=40, deadline=TODAY - timedelta(days=3)), 40),  # overdue: at least one week
    (request(effort_hours=1), 1),  # never below one hour
])
def test_weekly_hours_needed(facts, expected):
    assert weekly_hours_needed(facts, TODAY) == expected


def test_the_default_span_is_the_default_claim_commitment():
    assert DEFAULT_WEEKS == 13  # three months


@pytest.mark.parametrize(("name", "volunteer", "facts", "recommended"), [
    ("shares skills", FLASK_DEV, request(causes=()), True),
    ("shares only a cause", FLASK_DEV, request(skills=("react",)), True),
    ("shares nothing", FLASK_DEV, request(skills=("react",), causes=("animals",)), False),
    ("no seat free", FLASK_DEV, request(seats_free=0), False),
    ("empty profile", VolunteerFacts(skills={}, hours_per_week=6), request(), False),
])
def test_who_gets_a_recommendation_at_all(name, volunteer, facts, recommended):
    assert (score_request(volunteer, facts, TODAY) is not None) is recommended, name


def test_a_full_match_scores_one():
    result = score_request(VolunteerFacts(skills={"flask": 5}, hours_per_week=10,
                                          causes=frozenset({"education"})),
                           request(skills=("flask",)), TODAY)
    assert result is not None
    assert result.score == 1.0
    assert result.parts == {"skills": 1.0, "hours": 1.0, "causes": 1.0, "place": 1.0}


@pytest.mark.parametrize(("levels", "expected_skills_part"), [
    ({"flask": 5, "postgresql": 5}, 1.0),
    ({"flask": 1, "postgresql": 1}, 0.5),  # beginners count half
    ({"flask": 3, "postgresql": 3}, 0.75),
    ({"flask": 5}, 0.5),  # one of two skills, at expert level
    ({"flask": 9, "postgresql": 0}, 0.75),  # out-of-range levels are clamped to 1..5
])
def test_skill_overlap_is_weighted_by_level(levels, expected_skills_part):
    result = score_request(VolunteerFacts(skills=levels, hours_per_week=6), request(causes=()), TODAY)
    assert result is not None and result.parts["skills"] == pytest.approx(expected_skills_part)


@pytest.mark.parametrize(("available", "expected_hours_part", "kind"), [
    (8, 1.0, "hours_fit"),
    (4, 1.0, "hours_fit"),  # exactly enough
    (2, 0.5, "hours_short"),
    (0, 0.0, "hours_short"),
])
def test_hours_fit(available, expected_hours_part, kind):
    result = score_request(VolunteerFacts(skills={"flask": 3}, hours_per_week=available),
                           request(effort_hours=40), TODAY)
    assert result is not None
    assert result.parts["hours"] == pytest.approx(expected_hours_part)
    assert Reason(kind, {"needed": 4, "available": available}) in result.reasons


@pytest.mark.parametrize(("volunteer_remote", "city", "remote_ok", "region", "place", "reason"), [
    (True, "Beijing", True, "Shanghai", 1.0, "remote"),
    (False, "Beijing", True, "Shanghai", 0.0, None),  # wants on-site work, and it is elsewhere
    (True, "Beijing", False, "Shanghai", 0.0, None),  # on-site only, in another city
    (False, "beijing ", False, "Beijing", 1.0, "same_city"),  # same city, however it is typed
    (True, "Shanghai", True, "Shanghai", 1.0, "same_city"),  # the city is the stronger reason
])
def test_place(volunteer_remote, city, remote_ok, region, place, reason):
    volunteer = VolunteerFacts(skills={"flask": 3}, hours_per_week=6, city=city, remote=volunteer_remote)
    result = score_request(volunteer, request(remote_ok=remote_ok, region=region), TODAY)
    assert result is not None and result.parts["place"] == place
    kinds = {r.kind for r in result.reasons}
    assert {"remote", "same_city"} & kinds == ({reason} if reason else set())


def test_reasons_name_the_strongest_skills_first_then_hours_then_causes():
    result = score_request(FLASK_DEV, request(skills=("vue", "postgresql", "flask", "react")), TODAY)
    assert result is not None
    assert result.reasons == (
        Reason("skills", {"skills": ("flask", "postgresql", "vue")}),
        Reason("hours_fit", {"needed": 4, "available": 6}),
        Reason("cause", {"cause": "education"}),
        Reason("remote", {}),
    )


def test_a_request_without_skills_or_estimate_counts_them_as_neutral():
    result = score_request(FLASK_DEV, request(skills=(), effort_hours=None), TODAY)
    assert result is not None
    assert result.parts["skills"] == 0.5 and result.parts["hours"] == 0.5


def test_ranking_puts_the_best_fit_first_and_keeps_the_given_order_on_ties():
    candidates = [
        request(1, skills=("react",)),  # cause only
        request(2, skills=("flask", "postgresql")),  # both skills
        request(3, skills=("flask", "react")),  # one skill of two
        request(4, skills=("flask", "postgresql"), effort_hours=400),  # both skills, far more hours
        request(5, skills=("react",), causes=("animals",)),  # nothing shared: left out
        request(6, skills=("flask", "postgresql")),  # same as 2, newer
    ]
    ranked = rank(FLASK_DEV, candidates, TODAY, order={6: 0, 2: 1, 3: 2, 4: 3, 1: 4})
    assert [r.request_id for r in ranked] == [6, 2, 4, 3, 1]
    assert all(a.score >= b.score for a, b in pairwise(ranked))


def test_scores_stay_between_zero_and_one():
    for levels in ({"flask": 1}, {"flask": 5, "postgresql": 5}):
        for hours in (0, 1, 40):
            result = score_request(VolunteerFacts(skills=levels, hours_per_week=hours), request(), TODAY)
            assert result is not None and 0.0 <= result.score <= 1.0


def test_a_small_remote_project_without_their_skills_ranks_below_a_real_skill_match():
    unskilled = request(1, skills=("react",), effort_hours=10)  # their cause, easy hours, remote
    skilled = request(2, skills=("flask", "react"), effort_hours=300, causes=("animals",), remote_ok=False)
    ranked = rank(FLASK_DEV, [unskilled, skilled], TODAY)
    assert [r.request_id for r in ranked] == [2, 1]

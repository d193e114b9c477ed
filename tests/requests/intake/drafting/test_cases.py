"""The spec drafter on realistic requests: what a coordinator would expect it to make of each one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.requests.intake.content import IntakeContent, read_content
from app.requests.intake.drafting.answers import DraftedSpec
from app.requests.intake.drafting.drafter import draft_spec
from app.requests.intake.drafting.wording import normalise

ROOT = Path(__file__).resolve().parents[4]
CASES = json.loads((Path(__file__).with_name("cases.json")).read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def content() -> IntakeContent:
    return read_content(ROOT)


@pytest.fixture(params=CASES, ids=[case["name"] for case in CASES])
def case(request, content: IntakeContent) -> tuple[dict, DraftedSpec]:
    spec = draft_spec(request.param["answers"], content.rules, content.taxonomy)
    return request.param, spec


def _story_role(story: str, role: str) -> bool:
    return any(story.startswith(prefix) for prefix in (f"作为{role}，我可以", f"As a {role} I can ",
                                                          f"As an {role} I can "))


def test_the_table_holds_a_dozen_requests_half_of_them_in_chinese() -> None:
    languages = [case["expect"]["language"] for case in CASES]
    assert len(CASES) >= 12
    assert languages.count("zh_CN") >= 6 and languages.count("en") >= 5
    assert {"elderly_meal_delivery_mixed", "bilingual_workshop_signups_mixed"} <= {c["name"] for c in CASES}


def test_spec_is_written_in_the_language_of_the_answers(case) -> None:
    expected, spec = case
    assert spec.language == expected["expect"]["language"]


def test_skills_are_the_ones_the_work_needs(case, content: IntakeContent) -> None:
    expected, spec = case
    slugs = {skill["slug"] for skill in content.taxonomy}
    assert set(spec.skills) <= slugs
    missing = set(expected["expect"]["skills_include"]) - set(spec.skills)
    assert not missing, f"missing {sorted(missing)} in {spec.skills}"
    unwanted = set(expected["expect"]["skills_exclude"]) & set(spec.skills)
    assert not unwanted, f"unexpected {sorted(unwanted)} in {spec.skills}"


def test_one_user_story_per_must_do_item_told_by_the_role_doing_it(case) -> None:
    expected, spec = case
    roles = expected["expect"]["story_roles"]
    assert len(spec.user_stories) == len(expected["answers"]["must_do"]) == len(roles)
    for story, role in zip(spec.user_stories, roles, strict=True):
        assert _story_role(story, role), f"{story!r} should be told by {role!r}"


def test_users_and_roles_carry_the_numbers_given(case) -> None:
    expected, spec = case
    missing = [role for role in expected["expect"]["roles_include"] if role not in spec.users_and_roles]
    assert not missing, f"missing {missing} in {spec.users_and_roles}"


def test_data_entities_come_from_what_the_organisation_keeps(case) -> None:
    expected, spec = case
    missing = [e for e in expected["expect"]["entities_include"] if e not in spec.data_entities]
    assert not missing, f"missing {missing} in {spec.data_entities}"
    assert not set(expected["expect"].get("entities_exclude", [])) & set(spec.data_entities)
    assert len(spec.data_entities) == len(set(spec.data_entities))


def test_constraints_become_requirements_and_acceptance_criteria(case) -> None:
    expected, spec = case
    for line in expected["expect"].get("constraints_include", []):
        assert line in spec.constraints, spec.constraints
    for line in expected["expect"].get("acceptance_include", []):
        assert line in spec.acceptance_criteria, spec.acceptance_criteria
    # One acceptance criterion per user story comes first, then one per recognised constraint.
    assert len(spec.acceptance_criteria) >= len(spec.user_stories)


def test_open_questions_ask_for_what_is_missing(case) -> None:
    expected, spec = case
    topics = spec.open_question_topics
    assert len(topics) == len(spec.open_questions)
    missing = set(expected["expect"]["questions_include"]) - set(topics)
    assert not missing, f"missing {sorted(missing)} in {topics}"
    unwanted = set(expected["expect"]["questions_exclude"]) & set(topics)
    assert not unwanted, f"unexpected {sorted(unwanted)} in {topics}: {spec.open_questions}"


def test_team_and_effort_are_in_a_sensible_range_and_the_reasoning_names_the_counts(case) -> None:
    expected, spec = case
    low, high = expected["expect"]["team_size"]
    assert low <= spec.team_size <= high
    low, high = expected["expect"]["effort_hours"]
    assert low <= spec.effort_hours <= high and spec.effort_hours % 10 == 0
    stories, entities, roles = (len(spec.user_stories), len(spec.data_entities), len(spec.users_and_roles))
    hours = spec.effort_hours
    if spec.language == "zh_CN":
        counts = [f"{stories} 个用户故事", f"{entities} 个数据实体", f"{roles} 类角色", f"{hours} 小时"]
    else:
        counts = [f"{stories} user stor", f"{entities} data entit", f"{roles} role", f"= {hours} h"]
    for part in [*counts, *expected["expect"].get("reasoning_names", [])]:
        assert part in spec.effort_reasoning, f"{part!r} not in {spec.effort_reasoning!r}"


def test_summary_and_background_are_composed_not_copied(case) -> None:
    expected, spec = case
    answers = expected["answers"]
    assert spec.summary.startswith(normalise(answers["title"])[:4])
    assert str(spec.effort_hours) in spec.summary
    assert answers["problem"] not in spec.summary
    assert spec.background != answers["problem"] and spec.background

"""The skills type-ahead and skill names: Chinese and English names, slugs and synonyms, best match first."""

from __future__ import annotations

import pytest

from app.volunteers.profiles.queries import resolve_skill_names, suggest_skills
from tests.factories import make_skill
from tests.helpers import EN, ZH


def slugs(query: str) -> list[str]:
    return [suggestion.skill.slug for suggestion in suggest_skills(query)]


def test_a_chinese_word_finds_the_skill_it_is_a_synonym_of(taxonomy):
    found = slugs("数据库")

    assert found[0] == "database-design"
    assert {"postgresql", "mysql"} <= set(found)  # "PostgreSQL数据库", "MySQL数据库" come after


def test_the_start_of_an_english_word_finds_the_mini_program_skill_first(taxonomy):
    found = slugs("mini")

    assert found[0] == "wechat-mini-program"
    assert "uni-app" in found  # "cross-platform mini program" matches later in its words


@pytest.mark.parametrize(("query", "expected"), [
    ("小程序", "wechat-mini-program"),
    ("ＳＥＯ", "seo"),  # full-width letters
    ("mini program", "wechat-mini-program"),
    ("miniprogram", "wechat-mini-program"),
    ("postgres", "postgresql"),
    ("react", "react"),
    ("官网", "website"),
])
def test_case_width_and_spacing_do_not_matter(taxonomy, query, expected):
    assert slugs(query)[0] == expected


def test_nothing_typed_or_nothing_matching_suggests_nothing(taxonomy):
    assert suggest_skills("   ") == []
    assert suggest_skills("qwertyuiop") == []


def test_a_synonym_match_says_which_word_matched(taxonomy):
    [first, *_rest] = suggest_skills("weapp")

    assert first.skill.slug == "wechat-mini-program"
    assert first.matched == "weapp"


def test_the_endpoint_names_skills_in_the_readers_language(client, taxonomy):
    chinese = client.get("/volunteers/skills/suggest?q=database", headers=ZH).get_json()
    english = client.get("/volunteers/skills/suggest?q=数据库", headers=EN).get_json()

    assert chinese["items"][0] == {
        "slug": "database-design", "name": "数据库设计与整理", "other_name": "Database design & cleanup",
        "other_lang": "en", "category": "data", "matched": "database"}
    assert english["items"][0]["name"] == "Database design & cleanup"
    assert english["items"][0]["other_name"] == "数据库设计与整理"
    assert english["items"][0]["matched"] == "数据库"


def test_the_endpoint_answers_an_empty_or_absurd_query_with_an_empty_list(client, taxonomy):
    assert client.get("/volunteers/skills/suggest").get_json() == {"query": "", "items": []}
    long_query = client.get("/volunteers/skills/suggest", query_string={"q": "x" * 5000})
    assert long_query.status_code == 200
    assert long_query.get_json()["items"] == []


def test_names_resolve_by_slug_then_name_then_synonym(taxonomy):
    found, problems = resolve_skill_names(["database-design", "Database design & cleanup", "数据库设计与整理",
                                           "数据库", "WeChat mini program", "GIS", "no such skill"])

    assert [skill.slug if skill else None for skill in found] == [
        "database-design", "database-design", "database-design", "database-design",
        "wechat-mini-program", "gis", None]  # GIS is the slug of one skill and a synonym of another
    assert list(problems) == [6]
    assert "no such skill" in problems[6]


def test_a_synonym_two_skills_share_is_refused_with_both_slugs(db):
    make_skill("maps", synonyms=["地图"])
    make_skill("map-apps", synonyms=["地图"])

    found, problems = resolve_skill_names(["地图"])

    assert found == [None]
    assert "maps" in problems[0] and "map-apps" in problems[0]

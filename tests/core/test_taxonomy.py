"""The skills taxonomy file, its checks, and syncing it into the skills table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent, Skill
from app.core.taxonomy import TaxonomyError, load_categories, load_taxonomy, sync_skills


@pytest.fixture
def taxonomy() -> list[dict]:
    return load_taxonomy()


def _synonyms_of(taxonomy: list[dict], slug: str) -> set[str]:
    return {s.casefold() for s in next(s for s in taxonomy if s["slug"] == slug)["synonyms"]}


def test_taxonomy_has_about_sixty_skills_with_unique_slugs(taxonomy) -> None:
    slugs = [skill["slug"] for skill in taxonomy]
    assert 55 <= len(slugs) <= 80
    assert len(slugs) == len(set(slugs))


def test_every_skill_is_named_in_chinese_and_english_with_synonyms(taxonomy) -> None:
    for skill in taxonomy:
        assert skill["name_en"].isascii(), skill["slug"]
        assert skill["name_zh"], skill["slug"]
        assert skill["synonyms"], f"{skill['slug']} has no synonyms"
        folded = [s.casefold() for s in skill["synonyms"]]
        assert len(folded) == len(set(folded)), skill["slug"]


def test_chinese_skill_names_are_chinese_where_a_translation_exists(taxonomy) -> None:
    chinese = [s for s in taxonomy if any("\u4e00" <= ch <= "\u9fff" for ch in s["name_zh"])]
    assert len(chinese) >= 40  # product names like React or Flask stay as they are


@pytest.mark.parametrize(("slug", "words"), [
    ("wechat-mini-program", {"小程序", "微信小程序", "mini program", "miniprogram", "weapp"}),
    ("maps-routing", {"地图", "路线", "路线规划", "导航", "gis", "map", "routing"}),
    ("database-design", {"数据库", "excel", "表格", "数据整理", "database", "sql", "data cleanup"}),
    ("website", {"官网", "网站", "website", "official site"}),
    ("seo", {"seo", "搜索引擎优化"}),
])
def test_words_nonprofits_type_lead_to_the_key_skills(taxonomy, slug: str, words: set[str]) -> None:
    assert words <= _synonyms_of(taxonomy, slug)


@pytest.mark.parametrize("slug", ["flask", "django", "react", "vue", "postgresql", "mysql", "python",
                                  "approval-workflow", "data-privacy", "ux-research"])
def test_common_engineering_skills_are_in_the_taxonomy(taxonomy, slug: str) -> None:
    assert slug in {skill["slug"] for skill in taxonomy}


def test_every_skill_belongs_to_a_declared_category() -> None:
    categories = load_categories()
    slugs = {c["slug"] for c in categories}
    assert {"frontend", "backend", "mobile", "maps", "design", "devops", "security", "testing",
            "ai-ml", "project-management"} <= slugs
    assert all(c["name_zh"] and c["name_en"] for c in categories)
    assert {skill["category"] for skill in load_taxonomy()} == slugs


def test_sync_inserts_every_skill_then_changes_nothing(db) -> None:
    inserted, updated = sync_skills()
    assert (inserted, updated) == (len(load_taxonomy()), 0)
    mini = db.session.scalar(sa.select(Skill).where(Skill.slug == "wechat-mini-program"))
    assert mini.name_zh == "微信小程序"
    assert "小程序" in mini.synonyms
    assert mini.display_name("zh_CN") == "微信小程序"
    assert sync_skills() == (0, 0)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("skills.synced") == 1


def test_sync_updates_a_skill_whose_names_changed(db) -> None:
    sync_skills()
    react = db.session.scalar(sa.select(Skill).where(Skill.slug == "react"))
    react.name_zh = "旧名字"
    react.synonyms = []
    db.session.commit()
    assert sync_skills() == (0, 1)
    db.session.refresh(react)
    assert react.name_zh == "React"
    assert "React.js" in react.synonyms


def test_skills_sync_command_reports_what_it_did(runner) -> None:
    result = runner.invoke(args=["skills", "sync"])
    assert result.exit_code == 0, result.output
    assert f"Skills: {len(load_taxonomy())} new, 0 updated." in result.output
    again = runner.invoke(args=["skills", "sync"])
    assert "Skills: 0 new, 0 updated." in again.output


@pytest.fixture
def content_dir(app, tmp_path: Path):
    """Point CONTENT_DIR at a scratch folder holding a taxonomy file the test writes."""
    (tmp_path / "volunteers").mkdir()
    previous = app.config["CONTENT_DIR"]
    app.config["CONTENT_DIR"] = str(tmp_path)

    def write(document) -> None:
        text = json.dumps(document, ensure_ascii=False)
        (tmp_path / "volunteers" / "skills.json").write_text(text, encoding="utf-8")

    yield write
    app.config["CONTENT_DIR"] = previous


def _skill(slug: str, **fields) -> dict:
    return {"slug": slug, "name_en": "Maps", "name_zh": "地图", "category": "maps",
            "synonyms": ["地图"], **fields}


@pytest.mark.parametrize(("skills", "message"), [
    ([_skill("maps"), _skill("maps")], "skill #2 ('maps'): this slug is already used"),
    ([_skill("maps", name_zh="")], "skill #1 ('maps'): name_zh is missing"),
    ([_skill("maps", name_en=None)], "skill #1 ('maps'): name_en is missing"),
    ([_skill("maps", synonyms=["GIS", "gis"])], "skill #1 ('maps'): synonym 'gis' appears twice"),
    ([_skill("maps", synonyms=["ＳＥＯ", "SEO"])], "synonym 'SEO' appears twice"),
    ([_skill("Maps Routing")], "skill #1 ('Maps Routing'): slug must be lowercase"),
    ([_skill("maps", category="cartography")], "category 'cartography' is not declared"),
])
def test_a_bad_taxonomy_entry_is_named_in_the_error(content_dir, db, skills, message) -> None:
    content_dir({"categories": [{"slug": "maps", "name_en": "Maps", "name_zh": "地图"}],
                 "skills": skills})
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        sync_skills()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Skill)) == 0


def test_a_missing_taxonomy_file_says_where_it_looked(content_dir) -> None:
    with pytest.raises(TaxonomyError, match=re.escape("skills.json: the skills taxonomy file is missing")):
        load_taxonomy()


def test_skills_sync_command_fails_clearly_on_a_bad_file(content_dir, runner) -> None:
    content_dir({"skills": [_skill("maps", name_zh=" ")]})
    result = runner.invoke(args=["skills", "sync"])
    assert result.exit_code == 1
    assert "skill #1 ('maps'): name_zh is missing or empty" in result.output

"""Search fixtures for every subject: a private index folder per test, the bilingual corpus of
relevance judgements, a small bilingual catalogue of requests, and building the index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask

from app.core.db import utcnow
from app.search import engine
from app.search.engine.searchers import forget_searchers
from tests.factories import make_claim, make_org, make_request, make_skill, make_user, make_volunteer
from tests.search.samples import load_corpus


@pytest.fixture(autouse=True)
def index_dir(app: Flask, tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """Every test gets its own empty index folder (never the repository, never another test's index;
    ids restart with every test's empty tables)."""
    folder = tmp_path / "search-index"
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(folder))
    forget_searchers()
    yield folder
    forget_searchers()


@pytest.fixture
def corpus(db) -> dict[str, int]:
    """The corpus in the database and in a freshly built index: {request key: id}."""
    ids = load_corpus(db)
    engine.rebuild()
    return ids


@pytest.fixture
def reindex(db) -> Callable[[], None]:
    """Commit, then build the index from the database, as `flask search reindex` does."""

    def build() -> None:
        db.session.commit()
        engine.rebuild()

    return build


def skills() -> None:
    make_skill("wechat-mini-program", "WeChat mini-program", "微信小程序",
               synonyms=["小程序", "mini-program", "小程式"])
    make_skill("database-design", "Database design", "数据库设计", synonyms=["数据库", "database"])
    make_skill("maps-routing", "Maps and routing", "地图与路线规划", synonyms=["地图", "map", "路线"])
    make_skill("website", "Website building", "网站建设", synonyms=["官网", "website"])
    make_skill("seo", "SEO", "搜索引擎优化", synonyms=["SEO"])


@pytest.fixture
def catalogue(db, reindex) -> dict:
    """Six published requests in Chinese and English, plus a draft, an intake and a withdrawn one."""
    skills()
    food_bank = make_org(members=[make_user("nonprofit")], name="Green Roots Food Bank",
                         cause_areas=["food", "community"], region="Chengdu")
    lung_fund = make_org(members=[make_user("nonprofit")], name="大爱清尘基金", cause_areas=["health"],
                         region="Beijing")
    river_watch = make_org(members=[make_user("nonprofit")], name="River Watch", cause_areas=["environment"],
                           region="Beijing", verified=False)
    school = make_org(members=[make_user("nonprofit")], name="Rural Reading", cause_areas=["education"],
                      region="Guizhou")
    now = utcnow()
    made = {
        "food map": make_request(
            food_bank, title="食物银行捐赠地图", problem="退休志愿者用纸质表格记录超市捐赠的食物。",
            current_process="纸质表格和微信群", skills=["maps-routing", "wechat-mini-program"],
            team_size=3, effort_hours=120, deadline=date.today() + timedelta(days=90)),
        "lung aid": make_request(
            lung_fund, title="尘肺病患者救助申请系统",
            problem="志愿者在山村收集尘肺病患者的申请材料，二十名员工用 Excel 审核。",
            current_process="Excel 和 Word", skills=["database-design", "website"], team_size=2,
            effort_hours=200),
        "river seo": make_request(
            river_watch, title="SEO for our river pollution data site",
            problem="Nobody finds our environmental databases of river pollution.",
            current_process="A static website nobody maintains.", skills=["seo", "website"], effort_hours=40,
            remote_ok=True, deadline=date.today() + timedelta(days=20)),
        "tree tags": make_request(
            food_bank, title="Street tree tagging mini-program",
            problem="Volunteers tag street trees on paper.",
            skills=["wechat-mini-program"], effort_hours=60, remote_ok=False),
        "reading": make_request(
            school, title="Library loans for village schools",
            problem="Teachers track book loans in notebooks.",
            skills=["database-design"], effort_hours=90, team_size=2),
        "busy": make_request(
            school, status="in_progress", title="Reading club website",
            problem="A website for reading clubs.",
            skills=["website"], effort_hours=50),
        "draft": make_request(food_bank, status="draft", title="Secret draft map of donors",
                              problem="Still a draft about the food map."),
        "intake": make_request(lung_fund, status="intake", title="尘肺病 intake request",
                               problem="Still in intake."),
        "withdrawn": make_request(river_watch, status="withdrawn", title="Withdrawn river map",
                                  problem="Withdrawn map."),
    }
    # Publication order: the first made was published longest ago.
    published = ["food map", "lung aid", "river seo", "tree tags", "reading", "busy"]
    for age, key in enumerate(reversed(published)):
        made[key].published_at = now - timedelta(days=age + 1)
    make_claim(made["tree tags"], make_volunteer(), status="accepted")  # its only seat is taken
    reindex()
    return made

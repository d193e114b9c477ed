"""Recommendations as a volunteer meets them: the API, the reasons in their language, and who may ask."""

from __future__ import annotations

from tests.catalogues import compile_catalogue
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import count_statements

URL = "/api/v1/volunteers/me/recommendations"


def titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_open_requests_with_a_free_seat_are_ranked_by_fit(client, api_token, engineer, catalogue):
    body = client.get(URL, headers=api_token(engineer)).get_json()
    assert titles(body) == ["Student records", "Adoption site", "Library catalogue"]
    assert body["total"] == 3
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] < scores[0] <= 1


def test_never_recommends_drafts_full_teams_started_work_or_what_they_already_claimed(
        client, api_token, engineer, catalogue):
    shown = set(titles(client.get(URL, headers=api_token(engineer)).get_json()))
    for hidden in ("Secret draft", "Busy project", "Full team", "Already claimed", "Pet gallery"):
        assert hidden not in shown


def test_each_recommendation_says_why_in_english(client, api_token, engineer, catalogue):
    items = client.get(URL, headers=api_token(engineer)).get_json()["items"]
    best, weaker, cause_only = items
    assert best["reasons"] == ["matches your Flask and PostgreSQL", "needs about 4 h/week, you have 6",
                               "cause: Education", "remote work is welcome"]
    assert best["id"] == catalogue["best"].id and best["seats_free"] == 1
    assert best["skills"] == ["flask", "postgresql"] and best["organization"]["name"]
    assert "contact" not in best["organization"]
    # 300 hours over 13 weeks: 24 a week, more than the engineer has.
    assert weaker["reasons"][:2] == ["matches your Flask", "needs about 24 h/week, more than your 6"]
    assert cause_only["reasons"][0] == "needs about 4 h/week, you have 6"
    assert "cause: Education" in cause_only["reasons"]


def test_reasons_come_in_chinese_for_a_chinese_speaking_volunteer(app, db, client, api_token, catalogue):
    compile_catalogue("zh_CN")
    reader = make_volunteer(skills={"flask": 3, "postgresql": 3}, hours_per_week=2, causes=["education"],
                            locale="zh_CN", remote=False, city="上海")
    catalogue["best"].organization.region = "上海"
    db.session.commit()
    items = client.get(URL, headers=api_token(reader)).get_json()["items"]
    item = next(i for i in items if i["title"] == "Student records")
    assert item["reasons"] == ["符合你的技能：Flask 框架和PostgreSQL 数据库",
                               "每周约需 4 小时，多于你的 2 小时", "关注领域：教育", "在你所在的城市：上海"]


def test_a_volunteer_without_a_profile_gets_an_empty_list(db, client, api_token, catalogue):
    newcomer = make_user("volunteer")
    db.session.commit()
    body = client.get(URL, headers=api_token(newcomer)).get_json()
    assert body == {"items": [], "total": 0, "page": 1, "per_page": 20}


def test_pages_through_the_ranking(client, api_token, engineer, catalogue):
    first = client.get(f"{URL}?per_page=2", headers=api_token(engineer)).get_json()
    second = client.get(f"{URL}?per_page=2&page=2", headers=api_token(engineer)).get_json()
    assert titles(first) == ["Student records", "Adoption site"] and first["total"] == 3
    assert titles(second) == ["Library catalogue"]


def test_only_volunteers_get_recommendations(db, client, api_token):
    assert client.get(URL).status_code == 401
    for role in ("nonprofit", "coordinator"):
        assert client.get(URL, headers=api_token(make_user(role))).status_code == 403


def test_recommendations_take_a_fixed_number_of_queries(db, client, api_token, engineer, school_org):
    for _ in range(3):
        make_request(school_org, skills=["flask"], effort_hours=40)
    db.session.commit()
    headers = api_token(engineer)
    with count_statements() as few:
        client.get(URL, headers=headers)
    for _ in range(12):
        make_request(school_org, skills=["flask", "postgresql"], effort_hours=80)
    db.session.commit()
    with count_statements() as more:
        assert client.get(URL, headers=headers).get_json()["total"] == 15
    assert len(more) == len(few)

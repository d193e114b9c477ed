"""search(): any query string is safe, filters narrow, facets count the filtered set, sorting,
pages, highlighted snippets with escaped text, and spelling suggestions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core.db import utcnow
from app.core.errors import Invalid
from app.search import engine
from tests.factories import make_claim, make_org, make_request, make_volunteer


@pytest.fixture
def requests(db) -> dict[str, int]:
    now = utcnow()
    trees = make_org(name="Green City", cause_areas=["environment"], region="Hangzhou")
    food = make_org(name="Oasis Food Bank", cause_areas=["food", "poverty-relief"], region="Shanghai")
    made = {
        "trees": make_request(org=trees, title="行道树标注小程序", problem="志愿者给行道树拍照定位。",
                              skills=["wechat-mini-program", "geolocation"], effort_hours=150,
                              published_at=now - timedelta(days=9), deadline=date(2031, 5, 1)),
        "routes": make_request(org=food, title="Delivery routes for surplus food",
                               problem="Drivers plan routes by phone. <script>alert(1)</script> & co.",
                               skills=["maps-routing"], effort_hours=40, team_size=2, remote_ok=False,
                               published_at=now - timedelta(days=1), deadline=date(2031, 1, 1)),
        "map": make_request(org=food, title="食物银行配送地图", problem="捐赠方是红点，受助者是蓝点。",
                            skills=["maps-routing", "wechat-mini-program"], effort_hours=200,
                            published_at=now - timedelta(days=5)),
    }
    make_claim(made["routes"], make_volunteer(), status="accepted")
    db.session.commit()
    engine.rebuild()
    return {key: request.id for key, request in made.items()}


MALFORMED = ["AND", "OR", "NOT", "AND OR NOT", '"', '"unbalanced quote', "(", ")))", "*", "?", "a*",
             "title:", ":", "field:value", "[a TO b]", "^2", "food^", "-", "+", "~", "\\", "'", "''",
             "\x00", "🙂", "食物 AND", "OR 食物", '"食物银行', "x" * 2000, "食物 " * 500, "<script>",
             "%s %d {0}", "\u202e", "NOT NOT NOT", "((((食物))))"]


@pytest.mark.parametrize("text", MALFORMED, ids=range(len(MALFORMED)))
def test_no_query_string_raises(requests, text):
    result = engine.search(text)

    assert isinstance(result.ids, list)
    assert result.total == len(result.ids)


def test_a_broken_query_is_read_as_plain_words(requests):
    assert engine.search('"红点').ids == [requests["map"]]
    assert engine.search("红点 AND").ids == [requests["map"]]


def test_words_are_anded(requests):
    assert engine.search("捐赠方 红点").ids == [requests["map"]]
    assert engine.search("红点 行道树").ids == []


def test_a_synonym_finds_the_other_language(requests):
    # "food bank" is in the organisation's name; 食物银行 and food bank are synonyms.
    assert sorted(engine.search("食物银行").ids) == sorted([requests["map"], requests["routes"]])


def test_or_and_not_are_understood(requests):
    assert sorted(engine.search("行道树 OR 红点").ids) == sorted([requests["trees"], requests["map"]])
    assert engine.search("小程序 NOT 行道树").ids == [requests["map"]]


def test_no_words_lists_everything_newest_first(requests):
    assert engine.search("").ids == [requests["routes"], requests["map"], requests["trees"]]


def test_sort_by_deadline_puts_requests_without_one_last(requests):
    assert engine.search("", sort="deadline").ids == [requests["routes"], requests["trees"], requests["map"]]


def test_sort_newest_ignores_relevance(requests):
    assert engine.search("小程序", sort="newest").ids == [requests["map"], requests["trees"]]
    assert engine.search("小程序", sort="newest").scores == {}


def test_filters_narrow_the_results(requests):
    assert engine.search("", filters={"region": "Hangzhou"}).ids == [requests["trees"]]
    assert engine.search("", filters={"cause": ["food", "environment"]}).total == 3
    both = {"skills": ["maps-routing", "wechat-mini-program"]}
    assert engine.search("", filters=both).ids == [requests["map"]]
    assert engine.search("", filters={"skills": "maps-routing"}).total == 2
    assert engine.search("", filters={"effort": "large"}).ids == [requests["map"]]
    assert engine.search("", filters={"effort": ["small", "medium"]}).total == 2
    assert requests["routes"] not in engine.search("", filters={"remote": True}).ids
    assert engine.search("", filters={"has_free_seats": True}).total == 3
    assert engine.search("", filters={"verified": True}).total == 3
    assert engine.search("", filters={"status": ["open"]}).total == 3


def test_a_request_with_every_seat_taken_has_no_free_seats(db, requests):
    from app.requests.models import HelpRequest

    routes = db.session.get(HelpRequest, requests["routes"])
    make_claim(routes, make_volunteer(), status="accepted")
    db.session.commit()
    engine.index_documents([routes.id])

    assert requests["routes"] not in engine.search("", filters={"has_free_seats": True}).ids


def test_facets_count_the_filtered_results_not_only_the_page(requests):
    result = engine.search("", filters={"cause": "food"}, per_page=1)

    assert len(result.ids) == 1
    assert result.facets["skills"] == {"maps-routing": 2, "wechat-mini-program": 1}
    assert result.facets["cause"] == {"food": 2, "poverty-relief": 2}
    assert result.facets["region"] == {"Shanghai": 2}


def test_facets_follow_the_words(requests):
    result = engine.search("行道树")

    assert result.facets["region"] == {"Hangzhou": 1}
    assert result.facets["skills"] == {"geolocation": 1, "wechat-mini-program": 1}


def test_pages_split_the_results_and_count_them_all(requests):
    first = engine.search("", per_page=2)
    second = engine.search("", per_page=2, page=2)
    beyond = engine.search("", per_page=2, page=9)

    assert first.total == second.total == beyond.total == 3
    assert first.ids + second.ids == engine.search("").ids
    assert beyond.ids == []


def test_highlights_mark_the_words_and_escape_everything_else(requests):
    routes = engine.search("drivers")
    highlights = routes.highlights[requests["routes"]]

    assert "<mark>Drivers</mark>" in highlights["body"]
    assert "&lt;script&gt;" in highlights["body"]
    assert "<script>" not in highlights["body"]
    assert engine.search("地图").highlights[requests["map"]]["title"] == "食物银行配送<mark>地图</mark>"


def test_traditional_query_highlights_the_simplified_text(requests):
    assert "<mark>食物银行</mark>" in engine.search("食物銀行").highlights[requests["map"]]["title"]


def test_a_misspelled_word_gets_a_suggestion(requests):
    result = engine.search("delivry")

    assert result.ids == []
    assert result.suggestion == "delivery"
    assert engine.search("delivery").suggestion is None


@pytest.mark.parametrize(("arguments", "field"), [
    ({"sort": "oldest"}, "sort"), ({"page": 0}, "page"), ({"per_page": 0}, "per_page"),
    ({"per_page": 101}, "per_page"), ({"filters": {"effort": "huge"}}, "effort"),
    ({"filters": {"status": "draft"}}, "status"),
])
def test_bad_arguments_are_named(requests, arguments, field):
    with pytest.raises(Invalid) as raised:
        engine.search("food", **arguments)

    assert field in raised.value.fields


def test_an_unknown_filter_is_a_programming_error(requests):
    with pytest.raises(ValueError, match="colour"):
        engine.search("food", filters={"colour": "red"})


def test_searching_before_anything_was_published_answers_empty(db):
    assert engine.search("食物").ids == []

"""GET /api/v1/requests: words, every filter, facets, sorting, pages, highlights and visibility by role."""

from __future__ import annotations

import pytest

from app.search import engine
from app.search.find import filters
from app.search.indexing.documents import effort_size
from tests.factories import make_org, make_request, make_user
from tests.helpers import count_statements
from tests.search.samples import NEWEST_FIRST

URL = "/api/v1/requests"


def search(client, query: str = "", headers: dict | None = None) -> dict:
    response = client.get(f"{URL}?{query}", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_the_shape_of_a_search_answer(client, catalogue):
    body = search(client, "q=食物银行")
    assert set(body) >= {"items", "total", "page", "per_page", "facets", "suggestions"}
    # The other match is a request of the same food bank ("Food Bank" in its name is a synonym).
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    item = body["items"][0]
    assert set(item) >= {"id", "title", "organization", "skills", "status", "seats_free", "score",
                         "highlights"}
    assert item["id"] == catalogue["food map"].id and item["status"] == "open" and item["seats_free"] == 3
    assert item["skills"] == ["maps-routing", "wechat-mini-program"]
    assert item["organization"]["name"] == "Green Roots Food Bank" and "contact" not in item["organization"]
    assert item["score"] > 0
    assert "<mark>食物银行</mark>" in item["highlights"]["title"]
    assert set(body["facets"]) == {"skills", "cause", "region"}


@pytest.mark.parametrize(("query", "expected_first"), [
    ("q=尘肺", "lung aid"),
    ("q=尘肺病", "lung aid"),
    ("q=食物银行", "food map"),
    ("q=小程序", "tree tags"),
    ("q=小程式", "tree tags"),  # Taiwanese wording finds the Simplified skill
    ("q=mini-program", "tree tags"),
    ("q=river+pollution", "river seo"),
    ("q=Excel+审核", "lung aid"),  # mixed Chinese and English
])
def test_words_find_what_a_person_expects(client, catalogue, query, expected_first):
    body = search(client, query)
    assert body["items"], query
    assert body["items"][0]["id"] == catalogue[expected_first].id


def test_english_words_match_across_their_stems(client, catalogue):
    found = {item["id"] for item in search(client, "q=databases")["items"]}
    assert {catalogue["river seo"].id, catalogue["reading"].id} <= found  # "databases", "database design"


def test_without_words_open_requests_are_listed_newest_first_with_facets(client, catalogue):
    body = search(client)
    assert titles(body) == NEWEST_FIRST
    assert all(item["score"] is None and item["highlights"] == {} for item in body["items"])
    assert body["facets"]["region"] == {"Beijing": 2, "Chengdu": 2, "Guizhou": 1}
    assert body["facets"]["cause"]["community"] == 2
    assert body["facets"]["skills"]["website"] == 2


@pytest.mark.parametrize(("query", "expected"), [
    ("skills=website", {"lung aid", "river seo"}),
    ("skills=website,seo", {"river seo"}),  # every skill asked for
    ("skills=Website+building", {"lung aid", "river seo"}),  # a skill's name works too
    ("cause=food", {"food map", "tree tags"}),
    ("cause=Food+security", {"food map", "tree tags"}),
    ("region=Beijing", {"lung aid", "river seo"}),
    ("region=beijing", {"lung aid", "river seo"}),
    ("effort=small", {"river seo", "tree tags"}),
    ("effort=medium", {"food map", "reading"}),
    ("effort=large", {"lung aid"}),
    ("remote=true", {"food map", "lung aid", "river seo", "reading"}),
    ("verified=true", {"food map", "lung aid", "tree tags", "reading"}),
    ("has_free_seats=true", {"food map", "lung aid", "river seo", "reading"}),
    ("status=in_progress", {"busy"}),
    ("q=map&has_free_seats=true", {"food map"}),
    ("q=website&region=Beijing", {"lung aid", "river seo"}),
])
def test_every_filter_with_and_without_words(client, catalogue, query, expected):
    body = search(client, query)
    assert {item["id"] for item in body["items"]} == {catalogue[key].id for key in expected}, query
    assert body["total"] == len(expected)


def test_facets_follow_the_words(client, catalogue):
    everything = search(client)["facets"]
    lungs = search(client, "q=尘肺")["facets"]
    assert lungs == {"skills": {"database-design": 1, "website": 1}, "cause": {"health": 1},
                     "region": {"Beijing": 1}}
    assert lungs != everything
    assert search(client, "q=tree")["facets"]["region"] == {"Chengdu": 1}


@pytest.mark.parametrize("sort", ["newest", "deadline", "relevance"])
def test_sort_orders(client, catalogue, sort):
    body = search(client, f"sort={sort}&q=website+OR+map+OR+databases+OR+小程序")
    ids = [item["id"] for item in body["items"]]
    assert body["total"] >= 4
    if sort == "newest":
        published = {r.id: r.published_at for r in catalogue.values()}
        assert ids == sorted(ids, key=lambda i: published[i], reverse=True)
    elif sort == "deadline":
        assert ids[:2] == [catalogue["river seo"].id, catalogue["food map"].id]  # soonest first, then none
    else:
        scores = [item["score"] for item in body["items"]]
        assert scores == sorted(scores, reverse=True)


def test_deadline_order_without_words(client, catalogue):
    ids = [item["id"] for item in search(client, "sort=deadline")["items"]]
    assert ids[:2] == [catalogue["river seo"].id, catalogue["food map"].id]


def test_pages(client, catalogue):
    first = search(client, "per_page=2")
    third = search(client, "per_page=2&page=3")
    beyond = search(client, "per_page=2&page=9")
    assert (first["total"], len(first["items"]), len(third["items"])) == (5, 2, 1)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in third["items"]}
    assert beyond["items"] == [] and beyond["total"] == 5
    words_first = search(client, "q=website+OR+map+OR+小程序&per_page=1")
    words_second = search(client, "q=website+OR+map+OR+小程序&per_page=1&page=2")
    assert words_first["items"][0]["id"] != words_second["items"][0]["id"]


def test_bad_parameters_are_named(client, catalogue):
    response = client.get(f"{URL}?status=lost&sort=random&effort=huge&per_page=500")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"status", "sort", "effort", "per_page"}


@pytest.mark.parametrize("words", [
    "AND", "OR", "NOT", '"', '"unbalanced', "*", "?", "(", ")", "((尘肺", "title:", "a" * 2000,
    "尘肺 " * 400, "🙂🌳", "'; DROP TABLE help_requests; --", "1=1 OR 'a'='a'", "%", "_", "\\", "\x00",
    "[a TO", "{", "^2", "~", "AND OR NOT", "<script>alert(1)</script>",
])
def test_no_query_string_ever_breaks_the_search(client, catalogue, words):
    response = client.get(URL, query_string={"q": words})
    assert response.status_code in (200, 422), words  # 422 only for NUL, which no database stores
    if response.status_code == 200:
        assert isinstance(response.get_json()["items"], list)


def test_a_title_with_markup_is_escaped_and_only_marks_remain(db, client, reindex):
    hostile = make_request(title="<script>alert('x')</script> food bank <b>map</b>",
                           problem="<img src=x onerror=alert(1)> food for families")
    reindex()
    item = search(client, "q=food")["items"][0]
    assert item["id"] == hostile.id
    assert item["title"] == "<script>alert('x')</script> food bank <b>map</b>"  # JSON keeps the text
    for marked in item["highlights"].values():
        assert "<script" not in marked and "<img" not in marked and "<b>" not in marked
        assert "<mark>" in marked
    assert "&lt;script&gt;" in item["highlights"]["title"]


def test_drafts_intake_and_withdrawn_never_reach_volunteers(client, api_token, catalogue):
    volunteer = make_user("volunteer")
    hidden = {catalogue[k].id for k in ("draft", "intake", "withdrawn")}
    for query in ("", "q=map", "q=尘肺病", "q=draft", "status=draft", "status=intake", "status=withdrawn",
                  "status=draft&q=map", "q=Withdrawn"):
        for headers in ({}, api_token(volunteer)):
            assert not hidden & {i["id"] for i in search(client, query, headers)["items"]}, query


def test_without_status_only_open_requests_are_listed_to_non_coordinators(client, api_token, catalogue):
    for headers in ({}, api_token(make_user("volunteer")), api_token(make_user("nonprofit"))):
        assert {i["status"] for i in search(client, "", headers)["items"]} == {"open"}
        assert {i["status"] for i in search(client, "q=website", headers)["items"]} == {"open"}


def test_coordinators_see_every_status_and_can_ask_for_drafts(client, api_token, catalogue):
    coordinator = api_token(make_user("coordinator"))
    assert search(client, "", coordinator)["total"] == 9
    assert titles(search(client, "status=draft", coordinator)) == ["Secret draft map of donors"]
    assert titles(search(client, "status=draft&q=donors", coordinator)) == ["Secret draft map of donors"]
    assert {i["status"] for i in search(client, "q=website", coordinator)["items"]} == {"open", "in_progress"}


def test_staff_list_their_own_organisation_with_its_drafts(db, client, api_token, catalogue):
    organization = catalogue["draft"].organization
    staff = organization.memberships[0].user
    url_query = f"organization_id={organization.id}"
    own = {i["title"] for i in search(client, url_query, api_token(staff))["items"]}
    assert own == {"食物银行捐赠地图", "Street tree tagging mini-program", "Secret draft map of donors"}
    stranger = api_token(make_user("nonprofit"))
    assert "Secret draft map of donors" not in titles(search(client, url_query, stranger))


def test_a_misspelt_word_is_answered_with_a_suggestion(client, catalogue):
    body = search(client, "q=polution")
    assert body["total"] == 0 and body["suggestions"]["query"] == "pollution"


def test_an_empty_result_suggests_the_filter_to_drop(client, catalogue):
    body = search(client, "q=website&region=Guizhou&remote=true")
    assert body["total"] == 0
    assert body["suggestions"]["drop"] == [{"filter": "region", "value": "Guizhou", "total": 2}]


def test_the_index_lagging_behind_never_shows_a_withdrawn_request(db, client, catalogue):
    catalogue["food map"].status = "withdrawn"  # changed in the database, not yet in the index
    db.session.commit()
    assert catalogue["food map"].id not in {i["id"] for i in search(client, "q=食物银行")["items"]}


def test_a_missing_index_falls_back_to_matching_words_in_the_database(app, db, client, catalogue, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "nowhere")
    assert titles(search(client, "q=食物银行"))[:1] == ["食物银行捐赠地图"]


def test_while_the_index_is_rebuilt_elsewhere_the_database_answers(app, db, client, catalogue, monkeypatch):
    monkeypatch.setattr(engine, "search", lambda *args, **kwargs: engine.SearchResult([], 0, 1, 20,
                                                                                   index_status="rebuilding"))
    body = search(client, "q=食物银行+纸质")
    assert titles(body) == ["食物银行捐赠地图"] and body["items"][0]["score"] is None


def test_effort_sizes_match_the_index(db):
    for size, (low, high) in filters.EFFORT_HOURS.items():
        assert effort_size(low) == size
        if high is not None:
            assert effort_size(high - 1) == size and effort_size(high) != size


def test_a_search_costs_the_same_few_queries_for_any_number_of_results(db, client, reindex):
    organization = make_org(members=[make_user("nonprofit")])
    for number in range(3):
        make_request(organization, title=f"Food map {number}", skills=["website"])
    reindex()
    with count_statements() as few:
        assert search(client, "q=food")["total"] == 3
    for number in range(15):
        make_request(organization, title=f"Food route {number}", skills=["website", "maps-routing"])
    reindex()
    with count_statements() as many:
        assert search(client, "q=food")["total"] == 18
    assert len(many) == len(few)

"""The search page as a person uses it: words, filters, facet links, highlights, suggestions, pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from app.core.db import utcnow
from app.search import engine
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, ZH, count_statements, sign_in
from tests.search.samples import NEWEST_FIRST


def page(client, query: str = "", headers: dict | None = None) -> str:
    response = client.get(f"/search?{query}", headers=headers or EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def titles(body: str) -> list[str]:
    found = re.findall(r'<h2 class="project-title"><a href="/requests/\d+">(.*?)</a></h2>', body)
    return [unescape(re.sub(r"</?mark>", "", title)) for title in found]


def facet_links(body: str, heading: str) -> dict[str, str]:
    """{label: href} of one facet group."""
    section = body.split(f"<h3>{heading}</h3>", 1)[1].split("</section>", 1)[0]
    return {unescape(label.strip()): unescape(href) for href, label in
            re.findall(r'<a href="([^"]+)"[^>]*>\s*<span class="facet-label">'
                       r'(?:<span aria-hidden="true">✓ </span>)?([^<]+)</span>', section)}


def test_without_words_the_page_lists_open_projects_newest_first(client, catalogue):
    body = page(client)
    assert titles(body) == NEWEST_FIRST
    assert "5 open projects" in body
    assert "Secret draft" not in body and "Reading club website" not in body


def test_words_find_chinese_and_english_and_mark_the_match(client, catalogue):
    body = page(client, "q=尘肺")
    assert titles(body) == ["尘肺病患者救助申请系统"]
    assert "1 project matches" in body
    assert "<mark>尘肺病</mark>患者" in body
    # In the title of one, a skill of both.
    assert titles(page(client, "q=mini-program")) == ["Street tree tagging mini-program", "食物银行捐赠地图"]


def test_facet_links_add_and_remove_filters(client, catalogue):
    body = page(client, "q=website+OR+map+OR+小程序")
    regions = facet_links(body, "Region")
    assert set(regions) == {"Beijing", "Chengdu"}
    narrowed = page(client, regions["Beijing"].split("?", 1)[1])
    assert set(titles(narrowed)) == {"SEO for our river pollution data site", "尘肺病患者救助申请系统"}
    active = facet_links(narrowed, "Region")
    assert 'aria-current="true"' in narrowed.split("<h3>Region</h3>", 1)[1].split("</section>", 1)[0]
    widened = page(client, active["Beijing"].split("?", 1)[1])
    assert len(titles(widened)) == len(titles(body))
    skills = facet_links(body, "Skills")
    assert "WeChat mini-program" in skills and "Website building" in skills


def test_facets_change_with_the_words(client, catalogue):
    everything = facet_links(page(client), "Cause")
    lungs = facet_links(page(client, "q=尘肺"), "Cause")
    assert set(lungs) == {"Health and medical aid"}
    assert len(everything) > len(lungs)


def test_filters_in_the_form_and_chips_that_remove_them(client, catalogue):
    body = page(client, "skills=website&region=Beijing&verified=1")
    assert titles(body) == ["尘肺病患者救助申请系统"]
    assert "Skill: Website building" in body and "Region: Beijing" in body
    assert 'name="skills" id="skill-website" value="website" checked' in body
    assert "Filters (3)" in body


def test_filters_show_names_in_the_readers_language(client, catalogue):
    body = page(client, "", ZH)
    assert "微信小程序" in body and "食物救助" in body  # a skill and a cause, in Chinese
    assert "个开放的项目" in body or "开放" in body


def test_a_hostile_title_is_escaped_and_only_marks_remain(db, client, reindex):
    make_request(title="<script>alert('x')</script> food bank", problem="<img src=x onerror=alert(1)> food")
    reindex()
    body = page(client, "q=food")
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert" in body and "<mark>food</mark>" in body


def test_no_results_offers_a_spelling_and_filters_to_drop(client, catalogue):
    misspelt = page(client, "q=polution")
    assert "No project matches this search" in misspelt
    assert 'class="search-suggestion">pollution</a>' in misspelt
    too_narrow = page(client, "q=website&region=Guizhou")
    assert "Remove “Region: Guizhou”" in too_narrow
    link = re.search(r'<a href="([^"]+)">Remove “Region: Guizhou”</a>', too_narrow).group(1)
    assert len(titles(page(client, unescape(link).split("?", 1)[1]))) == 2


def test_odd_words_never_break_the_page(client, catalogue):
    for words in ("AND", '"', "*", "(", "x" * 2000, "🙂", "'; DROP TABLE users; --", "map\x00", "\x00"):
        assert client.get("/search", query_string={"q": words}, headers=EN).status_code == 200


def test_odd_words_never_break_the_database_fallback_either(client, catalogue, monkeypatch):
    monkeypatch.setattr(engine, "search", lambda *args, **kwargs: engine.SearchResult([], 0, 1, 20,
                                                                                   index_status="corrupt"))
    for words in ("%", "_", "\\", "map\x00", "\x00", "'; DROP TABLE users; --", "x" * 2000):
        assert client.get("/search", query_string={"q": words}, headers=EN).status_code == 200
    assert titles(page(client, "q=食物银行"))[:1] == ["食物银行捐赠地图"]


def test_pages_of_twenty(db, client, reindex):
    organization = make_org(members=[make_user("nonprofit")])
    for number in range(23):
        request = make_request(organization, title=f"Project {number}")
        request.published_at = utcnow() - timedelta(days=60 - number)
    reindex()
    first, second = page(client), page(client, "page=2")
    assert len(titles(first)) == 20 and titles(first)[0] == "Project 22"
    assert titles(second) == ["Project 2", "Project 1", "Project 0"]
    assert "Page 2 of 2" in second
    assert titles(page(client, "page=9")) == [] and titles(page(client, "page=abc"))[0] == "Project 22"


def test_the_header_links_to_the_search_for_everyone(app, client, db):
    volunteer = make_user("volunteer")
    db.session.commit()
    for browser in (client, sign_in(app.test_client(), volunteer)):
        assert '<a href="/search"' in browser.get("/", headers=EN).get_data(as_text=True)


def test_the_old_browse_address_leads_to_the_search(client, catalogue):
    response = client.get("/projects?page=2", headers=EN)
    assert response.status_code in (301, 308) and response.location.endswith("/search?page=2")


def test_the_page_costs_the_same_few_queries_for_any_number_of_results(db, client, reindex):
    organization = make_org(members=[make_user("nonprofit")])
    make_request(organization, title="Food map 0", skills=["website"])
    reindex()
    with count_statements() as few:
        page(client, "q=food")
        page(client)
    for number in range(15):
        make_request(organization, title=f"Food route {number}", skills=["website", "maps-routing"])
    reindex()
    with count_statements() as many:
        page(client, "q=food")
        page(client)
    assert len(many) == len(few)

"""Saved searches: a volunteer keeps a search from the page or the API, lists it, runs it, deletes it."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.search.models import SavedSearch
from tests.factories import make_user
from tests.helpers import EN, sign_in

API = "/api/v1/saved-searches"


@pytest.fixture
def volunteer(db):
    user = make_user("volunteer", name="Chen Jing")
    db.session.commit()
    return user


@pytest.fixture
def browser(app, volunteer):
    return sign_in(app.test_client(), volunteer)


def saved_rows(db) -> list[SavedSearch]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SavedSearch).order_by(SavedSearch.id)))


def test_a_volunteer_saves_the_search_they_are_looking_at(db, browser, catalogue):
    body = browser.get("/search?q=map&skills=maps-routing&remote=1", headers=EN).get_data(as_text=True)
    hidden = unescape(re.search(r'name="search" type="hidden" value="([^"]*)"', body).group(1))
    assert "Get new matches by e-mail" in body
    response = browser.post("/search/saved", data={"name": "Map projects", "frequency": "daily",
                                                    "search": hidden}, headers=EN)
    assert response.status_code == 302 and response.location.endswith("/search/saved")
    [saved] = saved_rows(db)
    assert (saved.name, saved.query, saved.frequency) == ("Map projects", "map", "daily")
    assert saved.filters == {"skills": ["maps-routing"], "remote": True}
    listing = browser.get("/search/saved", headers=EN).get_data(as_text=True)
    assert "Map projects" in listing and "Words: map" in listing and "Skill: Maps and routing" in listing
    assert "New matches every day" in listing
    run = unescape(re.search(r'<a class="button button-small" href="([^"]+)">Run it now', listing).group(1))
    assert run == "/search?q=map&skills=maps-routing&remote=1"


def test_a_search_needs_a_name_and_says_so(db, browser, catalogue):
    response = browser.post("/search/saved", data={"name": " ", "frequency": "weekly", "search": "q=map"},
                            headers=EN)
    assert response.status_code == 422
    assert "Give the search a name" in response.get_data(as_text=True)
    assert saved_rows(db) == []


def test_a_volunteer_deletes_their_own_saved_search_only(db, app, browser, volunteer):
    own = SavedSearch(user_id=volunteer.id, name="Mine", query="map", filters={}, frequency="weekly")
    other = SavedSearch(user_id=make_user("volunteer").id, name="Theirs", query="", filters={},
                        frequency="weekly")
    db.session.add_all([own, other])
    db.session.commit()
    own_id, other_id = own.id, other.id
    assert browser.post(f"/search/saved/{other_id}/delete", headers=EN).status_code == 404
    response = browser.post(f"/search/saved/{own_id}/delete", headers=EN, follow_redirects=True)
    assert "Saved search deleted." in response.get_data(as_text=True)
    assert [s.id for s in saved_rows(db)] == [other_id]


def test_only_volunteers_keep_saved_searches(app, db, client):
    assert client.get("/search/saved").status_code == 302  # to sign in
    nonprofit = sign_in(app.test_client(), make_user("nonprofit"))
    db.session.commit()
    assert nonprofit.get("/search/saved").status_code == 403
    assert nonprofit.post("/search/saved", data={"name": "x", "frequency": "daily"}).status_code == 403
    assert "Get new matches by e-mail" not in nonprofit.get("/search", headers=EN).get_data(as_text=True)


def test_the_api_creates_lists_and_deletes_saved_searches(db, client, api_token, volunteer, catalogue):
    headers = api_token(volunteer)
    created = client.post(API, headers=headers, json={
        "name": "Food and maps", "q": "食物银行", "frequency": "weekly",
        "filters": {"skills": ["Maps and routing"], "cause": "Food security", "has_free_seats": True}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "Food and maps" and body["q"] == "食物银行" and body["frequency"] == "weekly"
    assert body["filters"] == {"skills": ["maps-routing"], "cause": "food", "has_free_seats": True}
    assert body["last_sent_at"] is None and "/search?q=" in body["search_url"]
    listed = client.get(API, headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [body["id"]] and listed["total"] == 1
    assert client.delete(f"{API}/{body['id']}", headers=headers).status_code == 204
    assert client.delete(f"{API}/{body['id']}", headers=headers).status_code == 404
    assert client.get(API, headers=headers).get_json()["total"] == 0


def test_the_api_checks_what_it_is_given(db, client, api_token, volunteer):
    headers = api_token(volunteer)
    missing = client.post(API, headers=headers, json={"frequency": "hourly"})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["fields"]) == {"name", "frequency"}
    for number in range(20):
        assert client.post(API, headers=headers, json={"name": f"Search {number}"}).status_code == 201
    too_many = client.post(API, headers=headers, json={"name": "One more"})
    assert too_many.status_code == 422
    assert "20 saved searches" in too_many.get_json()["error"]["fields"]["name"]


def test_saved_searches_are_private_to_their_volunteer(db, client, api_token, volunteer):
    theirs = SavedSearch(user_id=volunteer.id, name="Theirs", query="", filters={}, frequency="weekly")
    db.session.add(theirs)
    db.session.commit()
    stranger = api_token(make_user("volunteer"))
    assert client.get(API, headers=stranger).get_json()["total"] == 0
    assert client.delete(f"{API}/{theirs.id}", headers=stranger).status_code == 404
    assert client.get(API).status_code == 401
    assert client.get(API, headers=api_token(make_user("coordinator"))).status_code == 403

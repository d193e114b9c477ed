"""The search index deleted or corrupted under a live server: health says so, search answers, reindex heals.

A gunicorn server (2 processes of 2 threads) serves the suite's database with its search index in a
folder this module breaks on purpose. Its job queue is out of reach (REDIS_URL on a closed port), so
a rebuild the app schedules waits, as it would for a stopped or busy index worker, and only the
operator's `flask --app app search reindex` brings the index back. Everything is checked as a user
of the API and the pages sees it, over HTTP; tests/search/engine and tests/search/indexing hold the unit
tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import requests
from app.search.engine import generations
from tests.factories import make_request
from tests.helpers import EN
from tests.reliability.http_race import CALL_TIMEOUT, Server, gunicorn_server
from tests.reliability.live_server import free_port

NOT_OK = {"missing", "corrupt", "rebuilding"}  # app.search.indexing.health.search_health's other answers
ROUNDS = 8  # calls per check: enough to reach every process and thread of the server


@pytest.fixture(scope="module")
def server(app, test_config, tmp_path_factory) -> Iterator[Server]:
    dead_redis = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with gunicorn_server(test_config.SQLALCHEMY_DATABASE_URI, tmp_path_factory.mktemp("index-faults"),
                         workers=2, threads=2, environment=dead_redis) as running:
        yield running


@pytest.fixture
def listed(app, db, server, runner, monkeypatch) -> dict[str, int]:
    """Open requests in Chinese and English, indexed by `flask search reindex` into the server's folder."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(server.index_dir))
    ids = {
        "food": make_request(title="Food bank delivery routes",
                             problem="Our drivers plan the routes on paper every morning.").id,
        "meals": make_request(title="社区食物银行送餐路线", problem="司机每天早上用纸质表格安排送餐。").id,
        "clinic": make_request(title="诊所预约提醒 Clinic appointment reminders",
                               problem="Patients forget their appointments; 病人常常忘记复诊。").id,
    }
    db.session.commit()
    reindex(runner)
    assert search_health(server) == {"ok"}
    return ids


def reindex(runner) -> None:
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt: 3 request(s) indexed" in result.output


def get(server: Server, path: str, **params: str) -> requests.Response:
    return requests.get(server.url(path), params=params, headers=EN, timeout=CALL_TIMEOUT)


def search_health(server: Server) -> set[str]:
    """What /healthz says about search, from every process the calls reach."""
    answers = set()
    for _ in range(ROUNDS):
        response = get(server, "/healthz")
        assert response.status_code == 200, response.text
        answers.add(response.json()["search"])
    return answers


def api_search(server: Server, words: str) -> list[list[dict]]:
    """GET /api/v1/requests?q=words, ROUNDS times: the items of every answer, which must be 200."""
    answers = []
    for _ in range(ROUNDS):
        response = get(server, "/api/v1/requests", q=words)
        assert response.status_code == 200, f"{words!r}: {response.status_code}\n{server.errors()}"
        answers.append(response.json()["items"])
    return answers


def found_by_every_call(server: Server, words: str, request_id: int) -> None:
    """Every answer lists the request (others may come along: synonyms, or the database's substrings)."""
    for items in api_search(server, words):
        assert request_id in ids_of(items), (words, items)


def page_search(server: Server, words: str) -> str:
    """The /search page for the words, ROUNDS times: its HTML, which must answer 200 every time."""
    for _ in range(ROUNDS):
        response = get(server, "/search", q=words)
        assert response.status_code == 200, f"{words!r}: {response.status_code}\n{server.errors()}"
    return response.text


def ids_of(items: list[dict]) -> list[int]:
    return [item["id"] for item in items]


def links_to(html: str, request_id: int) -> bool:
    return f'href="/requests/{request_id}"' in html


def assert_found_by_the_index(server: Server, listed: dict[str, int]) -> None:
    """Only the index finds these: an English stem (deliveries → delivery) and Traditional Chinese (路線)."""
    for items in api_search(server, "deliveries"):
        assert ids_of(items) == [listed["food"]]
        assert "<mark>delivery</mark>" in items[0]["highlights"]["title"]
    for items in api_search(server, "送餐路線"):
        assert ids_of(items) == [listed["meals"]]
    assert links_to(page_search(server, "送餐路線"), listed["meals"])


def assert_search_keeps_answering(server: Server, listed: dict[str, int]) -> None:
    """Processes still holding the old index answer from it; the others match the words in the database."""
    found_by_every_call(server, "food bank", listed["food"])
    found_by_every_call(server, "送餐", listed["meals"])
    assert links_to(page_search(server, "送餐"), listed["meals"])
    assert links_to(page_search(server, "appointment"), listed["clinic"])
    api_search(server, "deliveries")  # an index-only match may be missed meanwhile, but it answers


def test_a_deleted_index_is_reported_search_keeps_answering_and_reindex_restores_it(server, listed, runner):
    assert_found_by_the_index(server, listed)

    shutil.rmtree(server.index_dir)

    assert search_health(server) == {"missing"}
    assert_search_keeps_answering(server, listed)
    reindex(runner)
    assert search_health(server) == {"ok"}
    assert_found_by_the_index(server, listed)


def _overwrite(path: Path) -> None:
    path.write_bytes(os.urandom(64) + b"not a whoosh file")


def _truncate(path: Path) -> None:
    path.write_bytes(b"")


CORRUPTIONS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "table of contents overwritten": ("*.toc", _overwrite),
    "table of contents truncated": ("*.toc", _truncate),
    "segments overwritten": ("*.seg", _overwrite),
    "segments truncated": ("*.seg", _truncate),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_index_is_reported_search_keeps_answering_and_reindex_restores_it(
        server, listed, runner, corruption):
    assert_found_by_the_index(server, listed)  # the threads that answered now hold the index open
    pattern, damage = CORRUPTIONS[corruption]
    files = sorted(generations.live_generation(server.index_dir).glob(pattern))
    assert files
    for path in files:
        damage(path)

    assert search_health(server) <= NOT_OK
    assert_search_keeps_answering(server, listed)
    reindex(runner)
    assert search_health(server) == {"ok"}
    assert_found_by_the_index(server, listed)


UNREADABLE = [
    '"', '"送餐', 'food "bank', "(((", "送餐 (food", ")))", "[a TO", "{", "AND", "OR", "NOT",
    "AND OR NOT", "food AND OR NOT 送餐", "NOT NOT NOT", "*", "?", "*送餐*", "title:", "title:food",
    "^2", "~", "food~2", '"food bank"~', "\\", "%", "_", "%_%", "'; DROP TABLE help_requests; --",
    "<script>alert(1)</script>", "🙂🌳", "food " * 700, "送餐 " * 130, "(" * 1200, '"' * 1200,
    "AND " * 800, " ".join(f"word{n}" for n in range(450)),
]


@pytest.mark.parametrize("state", ["usable", "missing"])
def test_no_query_the_parser_cannot_read_ever_breaks_the_search_api_or_page(server, listed, state):
    if state == "missing":
        shutil.rmtree(server.index_dir)
    broken = []
    for words in UNREADABLE:
        api = get(server, "/api/v1/requests", q=words)
        page = get(server, "/search", q=words)
        if api.status_code != 200 or not isinstance(api.json().get("items"), list):
            broken.append(("api", words[:40], api.status_code))
        if page.status_code != 200 or "<form" not in page.text:
            broken.append(("page", words[:40], page.status_code))
    assert not broken, f"{broken}\n{server.errors()}"
    if state == "usable":  # the words around what the parser can't read are still searched
        found_by_every_call(server, "(送餐", listed["meals"])
        found_by_every_call(server, '"food bank', listed["food"])

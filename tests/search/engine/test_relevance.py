"""Search finds what a volunteer means: Chinese words, Traditional and Simplified, English stems,
synonyms across languages, mixed text and filters, over a corpus of real-looking requests."""

from __future__ import annotations

from app.search import engine
from tests.search.samples import read_corpus


def describe(query: dict) -> str:
    return f"{query['q'] or '(no words)'} {query.get('filters') or ''}".strip()


def test_the_corpus_is_bilingual_and_big_enough_to_mean_something():
    corpus = read_corpus()
    titles = [request["title"] for request in corpus["requests"]]

    assert len(titles) >= 40
    assert len(corpus["queries"]) >= 25
    assert sum(title.isascii() for title in titles) >= 10  # English requests
    assert sum(not title.isascii() for title in titles) >= 20  # Chinese requests


def test_every_query_finds_the_expected_requests_first(corpus):
    keys = {request_id: key for key, request_id in corpus.items()}
    misses = []
    for query in read_corpus()["queries"]:
        result = engine.search(query["q"], filters=query.get("filters"), per_page=50)
        found = [keys[request_id] for request_id in result.ids]
        if "exactly" in query:
            if sorted(found) != sorted(query["exactly"]):
                misses.append(f"{describe(query)}: found {found}, expected exactly {query['exactly']}")
        elif sorted(found[:len(query["top"])]) != sorted(query["top"]):
            misses.append(f"{describe(query)}: first {found[:len(query['top']) + 2]}, "
                          f"expected {query['top']} first")

    assert misses == []


def test_a_request_that_matches_more_of_the_words_ranks_higher(corpus):
    result = engine.search("食物银行 配送路线")

    assert result.ids[0] == corpus["foodbank-map"]
    assert result.scores[corpus["foodbank-map"]] > 0

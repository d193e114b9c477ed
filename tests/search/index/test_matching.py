"""The array evaluation of queries matches and scores exactly as whoosh's own collectors would,
so moving off the collectors (for speed) changed no result and no ranking."""

from __future__ import annotations

import pytest

from app.search import index, matching
from app.search.index import _searcher, _text_query

QUERIES = [
    "尘肺", "数据库 志愿者", "databases", "mini-program", "食物銀行", "volunteer OR 小程序",
    "food NOT bank", '"food bank"', "地图 AND (routes OR 配送)", "PostgreSQL",
]


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_scores_equal_whoosh_collectors(corpus, text):
    searcher = _searcher()
    text_query = _text_query(text)

    mine = matching.evaluate(searcher, text_query)
    theirs = searcher.search(text_query, limit=None)

    expected = {hit.docnum: hit.score for hit in theirs}
    assert expected, f"the corpus should answer {text!r}"
    found = {int(docnum): float(mine.scores[docnum]) for docnum in mine.mask.nonzero()[0]}
    assert found.keys() == expected.keys()
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=1e-9)


def test_a_filter_is_applied_like_whoosh_filters(corpus):
    searcher = _searcher()
    text_query = _text_query("数据库")
    filter_query = index._filter_query({"remote": True, "cause": ["health", "food"]})

    mine = matching.evaluate(searcher, text_query, filter_query)
    theirs = searcher.search(text_query, limit=None, filter=filter_query)

    assert set(mine.mask.nonzero()[0].tolist()) == set(theirs.docs())


def test_relevance_order_is_by_score_then_newest(corpus):
    searcher = _searcher()
    found = matching.evaluate(searcher, _text_query("小程序"))

    ordered = matching.ranked(searcher, found, "relevance")

    scores = [found.scores[docnum] for docnum in ordered]
    assert scores == sorted(scores, reverse=True)
    assert len(ordered) == int(found.mask.sum()) > 1


def test_an_index_change_is_seen_by_the_next_search(db, corpus):
    """Arrays are kept per index version: a new document appears, a withdrawn one goes."""
    from tests.factories import make_request

    before = index.search("候鸟迁徙").total
    added = make_request(status="open", title="候鸟迁徙观测记录小程序")
    db.session.commit()
    index.index_document(added.id)

    assert index.search("候鸟迁徙").total == before + 1
    added.status = "withdrawn"
    db.session.commit()
    index.index_document(added.id)
    assert index.search("候鸟迁徙").total == before


def test_results_are_remembered_per_index_version_and_not_at_all_with_size_zero(corpus):
    searcher = _searcher()
    computed = []

    def compute() -> str:
        computed.append(1)
        return f"result {len(computed)}"

    assert matching.remembered(searcher, "key", compute, size=0) == "result 1"
    assert matching.remembered(searcher, "key", compute, size=0) == "result 2"
    assert matching.remembered(searcher, "other", compute, size=1) == "result 3"
    assert matching.remembered(searcher, "other", compute, size=1) == "result 3"
    assert matching.remembered(searcher, "third", compute, size=1) == "result 4"  # evicts "other"
    assert matching.remembered(searcher, "other", compute, size=1) == "result 5"


def test_newest_and_deadline_orders_hold_across_segments_and_deletions(corpus):
    """Updates add segments and leave deleted documents behind: columns are read across all of them."""
    for request_id in list(corpus.values())[:3]:
        index.index_document(request_id)  # each update deletes the old document and adds a new one
    searcher = _searcher()
    assert len(index._leaf_readers(searcher.reader())) > 1 and searcher.reader().has_deletions()

    def stored(ids: list[int], name: str) -> list:
        by_id = {int(fields["id"]): fields for fields in searcher.all_stored_fields()}
        return [by_id[request_id][name] for request_id in ids]

    newest = index.search("", sort="newest", per_page=100).ids
    published = stored(newest, "published_at")
    assert sorted(newest) == sorted(corpus.values()) and published == sorted(published, reverse=True)
    soonest = index.search("", sort="deadline", per_page=100).ids
    deadlines = stored(soonest, "deadline")
    assert deadlines == sorted(deadlines)


def test_scores_equal_whoosh_after_updates_left_deletions(corpus):
    for request_id in list(corpus.values())[:2]:
        index.index_document(request_id)
    searcher = _searcher()
    text_query = _text_query("小程序 OR databases")

    mine = matching.evaluate(searcher, text_query)
    expected = {hit.docnum: hit.score for hit in searcher.search(text_query, limit=None)}

    assert searcher.reader().has_deletions() and expected
    found = {int(docnum): float(mine.scores[docnum]) for docnum in mine.mask.nonzero()[0]}
    assert found == pytest.approx(expected, rel=1e-9)

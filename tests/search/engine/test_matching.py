"""The array evaluation of queries matches and scores exactly as whoosh's own collectors would,
and highlights are whoosh's Highlighter's to the byte, so moving off the collectors and whoosh's
highlighting (for speed) changed no result, no ranking and no snippet."""

from __future__ import annotations

import random
from typing import Any

import pytest
from markupsafe import escape
from whoosh import highlight, query
from whoosh.filedb.filestore import RamStorage

from app.search import engine
from app.search.engine import evaluation, filters, highlights, ordering, parsing, postings, schema, searchers
from app.search.engine.checking import leaf_readers

QUERIES = [
    "尘肺", "数据库 志愿者", "databases", "mini-program", "食物銀行", "volunteer OR 小程序",
    "food NOT bank", '"food bank"', "地图 AND (routes OR 配送)", "PostgreSQL",
]


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_scores_equal_whoosh_collectors(corpus, text):
    searcher = searchers.current_searcher()
    text_query = parsing.text_query(text)

    mine = evaluation.evaluate(searcher, text_query)
    theirs = searcher.search(text_query, limit=None)

    expected = {hit.docnum: hit.score for hit in theirs}
    assert expected, f"the corpus should answer {text!r}"
    found = {int(docnum): float(mine.scores[docnum]) for docnum in mine.mask.nonzero()[0]}
    assert found.keys() == expected.keys()
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=1e-9)


def test_a_filter_is_applied_like_whoosh_filters(corpus):
    searcher = searchers.current_searcher()
    text_query = parsing.text_query("数据库")
    filter_query = filters.filter_query({"remote": True, "cause": ["health", "food"]})

    mine = evaluation.evaluate(searcher, text_query, filter_query)
    theirs = searcher.search(text_query, limit=None, filter=filter_query)

    assert set(mine.mask.nonzero()[0].tolist()) == set(theirs.docs())


def test_relevance_order_is_by_score_then_newest(corpus):
    searcher = searchers.current_searcher()
    found = evaluation.evaluate(searcher, parsing.text_query("小程序"))

    ordered = ordering.ranked(searcher, found, "relevance")

    scores = [found.scores[docnum] for docnum in ordered]
    assert scores == sorted(scores, reverse=True)
    assert len(ordered) == int(found.mask.sum()) > 1


def test_an_index_change_is_seen_by_the_next_search(db, corpus):
    """Arrays are kept per index version: a new document appears, a withdrawn one goes."""
    from tests.factories import make_request

    before = engine.search("候鸟迁徙").total
    added = make_request(status="open", title="候鸟迁徙观测记录小程序")
    db.session.commit()
    engine.index_documents([added.id])

    assert engine.search("候鸟迁徙").total == before + 1
    added.status = "withdrawn"
    db.session.commit()
    engine.index_documents([added.id])
    assert engine.search("候鸟迁徙").total == before


def test_results_are_remembered_per_index_version_and_not_at_all_with_size_zero(corpus):
    searcher = searchers.current_searcher()
    computed = []

    def compute() -> str:
        computed.append(1)
        return f"result {len(computed)}"

    assert postings.remembered(searcher, "key", compute, size=0) == "result 1"
    assert postings.remembered(searcher, "key", compute, size=0) == "result 2"
    assert postings.remembered(searcher, "other", compute, size=1) == "result 3"
    assert postings.remembered(searcher, "other", compute, size=1) == "result 3"
    assert postings.remembered(searcher, "third", compute, size=1) == "result 4"  # evicts "other"
    assert postings.remembered(searcher, "other", compute, size=1) == "result 5"


def test_newest_and_deadline_orders_hold_across_segments_and_deletions(corpus):
    """Updates add segments and leave deleted documents behind: columns are read across all of them."""
    for request_id in list(corpus.values())[:3]:
        engine.index_documents([request_id])  # each update deletes the old document and adds a new one
    searcher = searchers.current_searcher()
    assert len(leaf_readers(searcher.reader())) > 1 and searcher.reader().has_deletions()

    def stored(ids: list[int], name: str) -> list:
        by_id = {int(fields["id"]): fields for fields in searcher.all_stored_fields()}
        return [by_id[request_id][name] for request_id in ids]

    newest = engine.search("", sort="newest", per_page=100).ids
    published = stored(newest, "published_at")
    assert sorted(newest) == sorted(corpus.values()) and published == sorted(published, reverse=True)
    soonest = engine.search("", sort="deadline", per_page=100).ids
    deadlines = stored(soonest, "deadline")
    assert deadlines == sorted(deadlines)


def test_scores_equal_whoosh_after_updates_left_deletions(corpus):
    for request_id in list(corpus.values())[:2]:
        engine.index_documents([request_id])
    searcher = searchers.current_searcher()
    text_query = parsing.text_query("小程序 OR databases")

    mine = evaluation.evaluate(searcher, text_query)
    expected = {hit.docnum: hit.score for hit in searcher.search(text_query, limit=None)}

    assert searcher.reader().has_deletions() and expected
    found = {int(docnum): float(mine.scores[docnum]) for docnum in mine.mask.nonzero()[0]}
    assert found == pytest.approx(expected, rel=1e-9)


# --- highlights equal whoosh's Highlighter ----------------------------------------------------------


class WhooshMarkFormatter(highlight.Formatter):
    """The formatter search gave whoosh's Highlighter before the engine formatted highlights itself."""

    between = " "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        marked = super().format_fragment(fragment, replace=replace).strip()
        before = "…" if fragment.startchar > 0 else ""
        after = "…" if fragment.endchar < len(fragment.text) else ""
        return f"{before}{marked}{after}"


WHOOSH_HIGHLIGHTER = highlight.Highlighter(fragmenter=highlight.PinpointFragmenter(maxchars=160, surround=40),
                                           formatter=WhooshMarkFormatter())
FAR = "。" * 60  # no word in 60 characters: matches either side are in separate fragments
LIMIT = highlights.CHARLIMIT
LONG_C = "c" * 60  # after "ab ", a word too far to share its fragment: two fragments starting at 0

HIGHLIGHT_CASES = {  # name: (stored text, the query's index terms)
    "overlapping words": (f"中华人民共和国{FAR}志愿者服务", "中华人民共和国 人民 志愿 志愿者 愿者 服务"),
    "adjacent words": ("志愿者服务 food bank, foodbank", "志愿者 服务 food bank"),
    "two of several fragments": (f"服务 服务 服务{FAR}志愿者 服务{FAR}志愿者 志愿者 志愿者{FAR}志愿者",
                                 "志愿者 服务"),
    "equal scores": (f"志愿者{FAR}志愿者{FAR}志愿者{FAR}志愿者", "志愿者"),
    "equal scores and starts": (f"ab {LONG_C}", f"ab {LONG_C}"),  # whoosh puts the second first
    "escaping": ("<b>\"Tom's\" & Jerry</b> 志愿者 &amp; <i>'服务'</i> a<b", "tom 志愿者 服务 b amp"),
    "white space and cut text": (f"\n  志愿者  \n{FAR * 3}  服务\t", "志愿者 服务"),
    "a match ending at the charlimit": (" " * (LIMIT - 3) + "志愿者 志愿者", "志愿者"),
    "a match crossing the charlimit": ("志愿者" + " " * (LIMIT - 5) + "志愿者 志愿者", "志愿者"),
    "matches beyond the charlimit only": (" " * LIMIT + "志愿者", "志愿者"),
}


def _random_text(rng: random.Random) -> str:
    pieces = ["志愿者", "服务", "volunteers", "food", "bank", "<&>", '"', "。", "其他的事情", "\n"]
    return "".join(rng.choice(pieces) + " " * rng.choice((0, 1, 30, 80)) for _ in range(rng.randrange(1, 60)))


def test_highlights_equal_whoosh_highlighter():
    """Fragments, the two chosen (ties included), the charlimit and escaping are whoosh's to the byte."""
    rng = random.Random(4)
    random_cases = [(_random_text(rng), "志愿者 服务 volunt food") for _ in range(200)]
    cases = [*HIGHLIGHT_CASES.values(), *random_cases]
    storage = RamStorage()
    writer = storage.create_index(schema.make_schema()).writer()
    for number, (text, _terms) in enumerate(cases):
        writer.add_document(id=str(number), content=text)
    writer.commit()  # one segment: document numbers are the cases' numbers
    marked = []
    with storage.open_index().searcher() as searcher:
        for number, (text, terms) in enumerate(cases):
            words = frozenset(terms.split())
            in_text = query.Or([query.Term("content", word) for word in words])
            hits = searcher.search(query.And([query.Term("id", str(number)), in_text]), terms=True)
            expected = WHOOSH_HIGHLIGHTER.highlight_hit(hits[0], "content", top=2) if hits else ""

            mine = highlights.highlights(searcher, [number], "content", {number: text}, words, top=2)

            assert mine == {number: expected}, text[:200]
            marked.append(expected)
    unmarked = [name for name, value in zip(HIGHLIGHT_CASES, marked, strict=False) if not value]
    assert unmarked == ["matches beyond the charlimit only"]
    assert sum(map(bool, marked[len(HIGHLIGHT_CASES):])) > 150

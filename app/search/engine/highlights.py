"""Highlights: each result's stored text with the query's words in <mark>, HTML-escaped.

Whoosh's pinpoint highlighting as search configured it (PinpointFragmenter(maxchars=160,
surround=40), BasicFragmentScorer, the best fragments in text order), done over (start, end, word)
spans: the same output to the byte (tests/search/engine/test_matching.py holds it to whoosh's)
without whoosh's Token and Fragment objects, scorer and formatter: most of highlighting's time.
"""

from __future__ import annotations

from collections.abc import Iterator
from heapq import nlargest
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
from markupsafe import escape
from whoosh import query
from whoosh.searching import Searcher

from app.search.engine.postings import index_arrays

HIGHLIGHT_FIELDS = {"title": "title", "content": "body"}  # index field → highlight key
FRAGMENT_CHARS = 160  # a fragment takes in following matches while they span at most this many characters
CONTEXT_CHARS = 40  # the text kept either side of a fragment's matches, and the widest gap it bridges
CHARLIMIT = 2**15  # matches ending beyond this character are not highlighted (whoosh's default)

_Span = tuple[int, int, str]  # a match: start, end, the query word


def page_highlights(searcher: Searcher, text_query: query.Query, docnums: list[int],
                    stored: dict[int, dict[str, Any]]) -> dict[int, dict[str, str]]:
    """{request id: {"title"|"body": marked text}} for the documents of a page that hold a query word.

    `stored` holds each document's stored fields by document number.
    """
    marked: dict[int, dict[str, str]] = {}
    for name, key in HIGHLIGHT_FIELDS.items():
        texts = {docnum: stored[docnum].get(name) or "" for docnum in docnums}
        words = query_words(text_query, name)
        for docnum, value in highlights(searcher, docnums, name, texts, words, top=2).items():
            if value:
                marked.setdefault(int(stored[docnum]["id"]), {})[key] = value
    return marked


def highlights(searcher: Searcher, docnums: list[int], fieldname: str, texts: dict[int, str],
               words: frozenset[str], top: int) -> dict[int, str]:
    """Each document's stored `texts[docnum]` with the query's words marked ("" when none is in it):
    its `top` best fragments in text order, HTML-escaped, matches in <mark>, "…" where text was cut.

    A word's character spans in a document are its posting's value, kept with the term's postings,
    so no text is analysed again.
    """
    arrays = index_arrays(searcher)
    decode = searcher.schema[fieldname].format.decode_characters
    wanted = np.array(docnums, dtype=np.int64)
    spans: dict[int, list[_Span]] = {docnum: [] for docnum in docnums}
    for word in words:
        postings = arrays.term(searcher, fieldname, word)
        if postings.offsets is None or not len(postings.ids):
            continue
        places = np.minimum(np.searchsorted(postings.ids, wanted), len(postings.ids) - 1)
        for docnum, place in zip(docnums, places.tolist(), strict=True):
            if postings.ids[place] != docnum:
                continue
            for _position, start, end in decode(postings.value(place)):
                if end > CHARLIMIT:
                    break
                spans[docnum].append((start, end, word))
    return {docnum: _marked(texts[docnum], found, top) for docnum, found in spans.items()}


class _Fragment:
    """Matches with the text around them, scored as whoosh scores fragments: matches × distinct words
    (times 100 in whoosh, which changes no order; every fragment passes its minimum score of 1).

    Compared as whoosh compares its (score, fragment) pairs, by score then start and never equal,
    so `heapq.nlargest` chooses among ties, and orders them, exactly as whoosh does.
    """

    __slots__ = ("end", "matches", "score", "start")

    def __init__(self, start: int, end: int, matches: list[_Span]) -> None:
        self.start, self.end, self.matches = start, end, matches
        self.score = len(matches) * len({word for _, _, word in matches})

    def __lt__(self, other: _Fragment) -> bool:
        return (self.score, self.start) < (other.score, other.start)


def _marked(text: str, spans: list[_Span], top: int) -> str:
    if not spans:
        return ""
    spans.sort(key=itemgetter(0))
    # Of the matches starting at one character, the longest (the first of equals): Chinese words overlap.
    longest: list[_Span] = []
    for span in spans:
        if not longest or longest[-1][0] != span[0]:
            longest.append(span)
        elif span[1] > longest[-1][1]:
            longest[-1] = span
    # From a generator, as whoosh does: given a list, nlargest may order ties differently.
    chosen = nlargest(top, _fragments(text, longest))
    chosen.sort(key=attrgetter("start"))
    return " ".join(_fragment_html(text, fragment) for fragment in chosen)


def _fragments(text: str, spans: list[_Span]) -> Iterator[_Fragment]:
    """Whoosh's PinpointFragmenter: from each match not yet in a fragment, the matches after it while
    each ends within CONTEXT_CHARS of the previous one's end and FRAGMENT_CHARS of the first one's
    start (until the matches' lengths add up to FRAGMENT_CHARS), with CONTEXT_CHARS either side."""
    first = 0
    while first < len(spans):
        left, right, _ = spans[first]
        last = first
        length = right - left
        while last + 1 < len(spans) and length < FRAGMENT_CHARS:
            start, end, _ = spans[last + 1]
            if end - right > CONTEXT_CHARS or end - left > FRAGMENT_CHARS:
                break
            last += 1
            right = end  # even if it ends before the last one did (overlapping words)
            length += end - start
        yield _Fragment(max(0, left - CONTEXT_CHARS), min(len(text), right + CONTEXT_CHARS),
                        spans[first:last + 1])
        first = last + 1


def _fragment_html(text: str, fragment: _Fragment) -> str:
    """The fragment HTML-escaped with its matches in <mark> (a match overlapping the one before is
    left out), stripped of white space, with "…" where the text goes on."""
    parts = []
    index = fragment.start
    for start, end, _ in fragment.matches:
        if start < index:
            continue
        parts.append(f"{escape(text[index:start])}<mark>{escape(text[start:end])}</mark>")
        index = end
    parts.append(escape(text[index:fragment.end]))
    marked = "".join(parts).strip()
    before = "…" if fragment.start > 0 else ""
    after = "…" if fragment.end < len(text) else ""
    return f"{before}{marked}{after}"


def query_words(q: query.Query, fieldname: str) -> frozenset[str]:
    """The words `q` looks for in one field (terms under a NOT left out: they never match)."""
    words: set[str] = set()

    def walk(node: query.Query) -> None:
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
            return
        if isinstance(node, query.Term):
            if node.fieldname == fieldname and isinstance(node.text, str):
                words.add(node.text)
            return
        if isinstance(node, query.Phrase):
            if node.fieldname == fieldname:
                words.update(node.words)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return frozenset(words)

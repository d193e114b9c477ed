"""Evaluating a search over whole-index arrays: which documents match, their scores, their order.

Whoosh's collectors walk a tree of matchers one document at a time in Python. Our queries are
big trees (each word in three fields, its synonyms, the character-pair reading of Chinese) and
every match is visited, because the total and the facets need all of them: at 10,000 requests a
two-word query cost 100-300 ms that way. Here each leaf term's postings are read once per index
version into arrays (document numbers and the BM25F scores whoosh's own matcher gives them), and
the tree is evaluated with numpy over the whole index, scoring exactly as whoosh's matchers do:
AND sums its parts where all match, OR sums the parts that match, a boost multiplies. A query
type not evaluated here (phrases, ranges) runs through whoosh's matcher and joins as arrays.

With `app.search.engine.index`, the only modules that import whoosh.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from heapq import nlargest
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
from markupsafe import escape
from whoosh import query
from whoosh.searching import Searcher

TERM_CACHE_SIZE = 4096  # leaf terms kept per index version (8 bytes a posting)
FILTER_CACHE_SIZE = 256


@dataclass(frozen=True)
class Postings:
    """One term's postings: document numbers (ascending), scores, and for fields with character
    spans (the highlighted ones) each posting's encoded value, as offsets into one bytes blob."""

    ids: np.ndarray
    scores: np.ndarray
    offsets: np.ndarray | None = None
    values: bytes = b""

    def value(self, index: int) -> bytes:
        assert self.offsets is not None
        return self.values[self.offsets[index]:self.offsets[index + 1]]


@dataclass(frozen=True)
class Matches:
    """Documents matching a query (a mask over document numbers) and their scores (0 elsewhere)."""

    mask: np.ndarray
    scores: np.ndarray


class _IndexArrays:
    """One index version's arrays: live documents, sort keys, and the postings read so far."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.terms: OrderedDict[tuple[str, Any], Postings] = OrderedDict()
        self.filters: OrderedDict[str, np.ndarray] = OrderedDict()
        self.results: OrderedDict[Hashable, Any] = OrderedDict()
        self.columns: dict[str, np.ndarray] = {}
        self.facets: dict[str, tuple[list[str], np.ndarray]] = {}
        self.lock = threading.Lock()

    def nothing(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def term(self, searcher: Searcher, fieldname: str, text: Any) -> Postings:
        """One term's postings, read once and kept while the index is the same."""
        key = (fieldname, text)
        with self.lock:
            found = self.terms.get(key)
            if found is not None:
                self.terms.move_to_end(key)
                return found
        found = _postings(searcher, fieldname, text)
        with self.lock:
            self.terms[key] = found
            if len(self.terms) > TERM_CACHE_SIZE:
                self.terms.popitem(last=False)
        return found

    def column(self, searcher: Searcher, name: str) -> np.ndarray:
        """A sortable column's values by document number (read once per index version)."""
        values = self.columns.get(name)
        if values is None and self.size == 0:
            values = np.zeros(0, dtype=np.int64)  # an empty index has no columns at all
        if values is None:
            reader = searcher.reader()
            column = reader.column_reader(name, translate=False)
            values = np.array([column[docnum] for docnum in range(self.size)], dtype=np.int64)
            self.columns[name] = values
        return values


    def facet(self, searcher: Searcher, name: str) -> tuple[list[str], np.ndarray]:
        """A keyword field's values and a (values × documents) matrix of who carries which."""
        found = self.facets.get(name)
        if found is None:
            reader = searcher.reader()
            values = sorted({value.decode() if isinstance(value, bytes) else str(value)
                             for value in reader.lexicon(name)} - {""}) if self.size else []
            holders = np.zeros((len(values), self.size), dtype=np.float32)
            for row, value in enumerate(values):
                holders[row, self.term(searcher, name, value).ids] = 1.0
            found = self.facets[name] = (values, holders)
        return found


def _postings(searcher: Searcher, fieldname: str, text: Any) -> Postings:
    if fieldname not in searcher.schema:
        return _EMPTY
    field = searcher.schema[fieldname]
    try:
        term_bytes = field.to_bytes(text)
    except ValueError:
        return _EMPTY
    if (fieldname, term_bytes) not in searcher.reader():
        return _EMPTY
    matcher = searcher.postings(fieldname, term_bytes, weighting=searcher.weighting)
    return _drain(matcher, with_values=field.format.supports("characters"))


def _drain(matcher: Any, with_values: bool = False) -> Postings:
    ids: list[int] = []
    scores: list[float] = []
    values: list[bytes] = []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score())
        if with_values:
            values.append(matcher.value())
        matcher.next()
    postings = Postings(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))
    if not with_values:
        return postings
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(value) for value in values], out=offsets[1:])
    return Postings(postings.ids, postings.scores, offsets, b"".join(values))


_EMPTY = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
_arrays: weakref.WeakKeyDictionary[Any, _IndexArrays] = weakref.WeakKeyDictionary()
_arrays_lock = threading.Lock()


def _index_arrays(searcher: Searcher) -> _IndexArrays:
    reader = searcher.reader()
    with _arrays_lock:
        arrays = _arrays.get(reader)
        if arrays is None:
            arrays = _arrays[reader] = _IndexArrays(searcher)
    return arrays


def remembered(searcher: Searcher, key: Hashable, compute: Callable[[], Any], size: int) -> Any:
    """`compute()`'s result for `key`, computed once per index version (the last `size` kept).

    For whole search results: people repeat searches (the same words, the next page, the back
    button), and any change to the index makes a new version, so nothing stale is ever served.
    """
    if size <= 0:
        return compute()
    arrays = _index_arrays(searcher)
    with arrays.lock:
        if key in arrays.results:
            arrays.results.move_to_end(key)
            return arrays.results[key]
    result = compute()
    with arrays.lock:
        arrays.results[key] = result
        while len(arrays.results) > size:
            arrays.results.popitem(last=False)
    return result


def evaluate(searcher: Searcher, q: query.Query | None, filter_query: query.Query | None = None) -> Matches:
    """The live documents matching `q` (every document when None) within `filter_query`, scored."""
    arrays = _index_arrays(searcher)
    found = _evaluate(searcher, arrays, q) if q is not None else Matches(arrays.live.copy(),
                                                                         np.zeros(arrays.size))
    mask = found.mask & arrays.live
    if filter_query is not None:
        mask &= _filter_mask(searcher, arrays, filter_query)
    return Matches(mask, np.where(mask, found.scores, 0.0))


def _filter_mask(searcher: Searcher, arrays: _IndexArrays, filter_query: query.Query) -> np.ndarray:
    key = repr(filter_query)
    with arrays.lock:
        mask = arrays.filters.get(key)
        if mask is not None:
            arrays.filters.move_to_end(key)
            return mask
    mask = _evaluate(searcher, arrays, filter_query).mask
    with arrays.lock:
        arrays.filters[key] = mask
        if len(arrays.filters) > FILTER_CACHE_SIZE:
            arrays.filters.popitem(last=False)
    return mask


def _evaluate(searcher: Searcher, arrays: _IndexArrays, q: query.Query) -> Matches:
    if isinstance(q, query.Term):
        postings = arrays.term(searcher, q.fieldname, q.text)
        found = arrays.nothing()
        found.mask[postings.ids] = True
        found.scores[postings.ids] = postings.scores * q.boost
        return found
    if isinstance(q, query._NullQuery):
        return arrays.nothing()
    if isinstance(q, query.Every):
        return Matches(arrays.live.copy(), np.full(arrays.size, q.boost))
    if isinstance(q, (query.And, query.Or)) and q.subqueries:
        return _combined(searcher, arrays, q)
    if isinstance(q, query.AndNot):
        positive = _evaluate(searcher, arrays, q.a)
        mask = positive.mask & ~_evaluate(searcher, arrays, q.b).mask
        return Matches(mask, np.where(mask, positive.scores * q.boost, 0.0))
    if isinstance(q, query.AndMaybe):
        required, optional = _evaluate(searcher, arrays, q.a), _evaluate(searcher, arrays, q.b)
        scores = np.where(required.mask, required.scores + optional.scores, 0.0)
        return Matches(required.mask, scores * q.boost)
    if isinstance(q, query.Not):
        mask = arrays.live & ~_evaluate(searcher, arrays, q.query).mask
        return Matches(mask, mask * q.boost)
    return _by_whoosh(searcher, arrays, q)


def _combined(searcher: Searcher, arrays: _IndexArrays, q: query.And | query.Or) -> Matches:
    """AND or OR of the parts, their scores summed in order; a leaf term adds its postings in place."""
    every = isinstance(q, query.And)
    mask = np.ones(arrays.size, dtype=bool) if every else np.zeros(arrays.size, dtype=bool)
    scores = np.zeros(arrays.size)
    for sub in q.subqueries:
        if isinstance(sub, query.Term) and not every:  # most of a query: a word in each field, its synonyms
            postings = arrays.term(searcher, sub.fieldname, sub.text)
            mask[postings.ids] = True
            scores[postings.ids] += postings.scores * sub.boost
            continue
        part = _evaluate(searcher, arrays, sub)
        if every:
            mask &= part.mask
        else:
            mask |= part.mask
        scores += part.scores
    return Matches(mask, np.where(mask, scores * q.boost, 0.0))


def _by_whoosh(searcher: Searcher, arrays: _IndexArrays, q: query.Query) -> Matches:
    """Phrases, ranges and anything else: whoosh's own matcher, drained into arrays."""
    postings = _drain(q.matcher(searcher, searcher.context()))
    found = arrays.nothing()
    found.mask[postings.ids] = True
    found.scores[postings.ids] = postings.scores
    return found


def facet_counts(searcher: Searcher, name: str, mask: np.ndarray) -> dict[str, int]:
    """{value: how many documents in `mask` carry it} for a keyword field (one matrix product)."""
    values, holders = _index_arrays(searcher).facet(searcher, name)
    if not values:
        return {}
    counts = holders @ mask.astype(np.float32)
    return {value: int(count) for value, count in zip(values, counts.tolist(), strict=True)}


# --- order ------------------------------------------------------------------------------------------


def ranked(searcher: Searcher, matches: Matches, sort: str) -> np.ndarray:
    """The matching document numbers in order: by score (relevance), newest, or deadline first.

    Ties go newest first, then by document number, so pages never shuffle between requests.
    """
    arrays = _index_arrays(searcher)
    docs = np.flatnonzero(matches.mask)
    published = arrays.column(searcher, "published_at")[docs]
    if sort == "relevance":
        keys: tuple[np.ndarray, ...] = (docs, -published, -matches.scores[docs])
    elif sort == "deadline":
        keys = (docs, -published, arrays.column(searcher, "deadline")[docs])
    else:
        keys = (docs, -published)
    return docs[np.lexsort(keys)]


# --- highlights -------------------------------------------------------------------------------------

# Whoosh's pinpoint highlighting as search configured it (PinpointFragmenter(maxchars=160,
# surround=40), BasicFragmentScorer, the best fragments in text order), done over (start, end, word)
# spans: the same output to the byte (tests/search/index/test_matching.py holds it to whoosh's)
# without whoosh's Token and Fragment objects, scorer and formatter: most of highlighting's time.
FRAGMENT_CHARS = 160  # a fragment takes in following matches while they span at most this many characters
CONTEXT_CHARS = 40  # the text kept either side of a fragment's matches, and the widest gap it bridges
CHARLIMIT = 2**15  # matches ending beyond this character are not highlighted (whoosh's default)

_Span = tuple[int, int, str]  # a match: start, end, the query word


def highlights(searcher: Searcher, docnums: list[int], fieldname: str, texts: dict[int, str],
               words: frozenset[str], top: int) -> dict[int, str]:
    """Each document's stored `texts[docnum]` with the query's words marked ("" when none is in it):
    its `top` best fragments in text order, HTML-escaped, matches in <mark>, "…" where text was cut.

    A word's character spans in a document are its posting's value, kept with the term's postings,
    so no text is analysed again.
    """
    arrays = _index_arrays(searcher)
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

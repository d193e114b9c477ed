"""Reading postings into whole-index arrays, once per index version: terms, columns, facets, results.

Each leaf term's postings are read once per index version into arrays (document numbers and the
BM25F scores whoosh's own matcher gives them); `app.search.engine.evaluation` evaluates query
trees over them.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.searching import Searcher

TERM_CACHE_SIZE = 4096  # leaf terms kept per index version (8 bytes a posting)
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


class IndexArrays:
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
    return drain(matcher, with_values=field.format.supports("characters"))


def drain(matcher: Any, with_values: bool = False) -> Postings:
    """A matcher's postings, read to its end (with each posting's encoded value if asked)."""
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
_arrays: weakref.WeakKeyDictionary[Any, IndexArrays] = weakref.WeakKeyDictionary()
_arrays_lock = threading.Lock()


def index_arrays(searcher: Searcher) -> IndexArrays:
    """The arrays of the searcher's index version (made on first use, dropped with its reader)."""
    reader = searcher.reader()
    with _arrays_lock:
        arrays = _arrays.get(reader)
        if arrays is None:
            arrays = _arrays[reader] = IndexArrays(searcher)
    return arrays


def remembered(searcher: Searcher, key: Hashable, compute: Callable[[], Any], size: int) -> Any:
    """`compute()`'s result for `key`, computed once per index version (the last `size` kept).

    For whole search results: people repeat searches (the same words, the next page, the back
    button), and any change to the index makes a new version, so nothing stale is ever served.
    """
    if size <= 0:
        return compute()
    arrays = index_arrays(searcher)
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

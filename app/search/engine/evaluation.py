"""Evaluating a search over whole-index arrays: which documents match, their scores, the facets.

Whoosh's collectors walk a tree of matchers one document at a time in Python. Our queries are
big trees (each word in three fields, its synonyms, the character-pair reading of Chinese) and
every match is visited, because the total and the facets need all of them: at 10,000 requests a
two-word query cost 100-300 ms that way. Here the tree is evaluated with numpy over the whole
index's postings (`app.search.engine.postings`), scoring exactly as whoosh's matchers do: AND sums
its parts where all match, OR sums the parts that match, a boost multiplies. A query type not
evaluated here (phrases, ranges) runs through whoosh's matcher and joins as arrays.
"""

from __future__ import annotations

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from app.search.engine.postings import IndexArrays, Matches, drain, index_arrays

FILTER_CACHE_SIZE = 256
FACETS = ("skills", "cause", "region")


def evaluate(searcher: Searcher, q: query.Query | None, filter_query: query.Query | None = None) -> Matches:
    """The live documents matching `q` (every document when None) within `filter_query`, scored."""
    arrays = index_arrays(searcher)
    found = _evaluate(searcher, arrays, q) if q is not None else Matches(arrays.live.copy(),
                                                                         np.zeros(arrays.size))
    mask = found.mask & arrays.live
    if filter_query is not None:
        mask &= _filter_mask(searcher, arrays, filter_query)
    return Matches(mask, np.where(mask, found.scores, 0.0))


def _filter_mask(searcher: Searcher, arrays: IndexArrays, filter_query: query.Query) -> np.ndarray:
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


def _evaluate(searcher: Searcher, arrays: IndexArrays, q: query.Query) -> Matches:
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


def _combined(searcher: Searcher, arrays: IndexArrays, q: query.And | query.Or) -> Matches:
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


def _by_whoosh(searcher: Searcher, arrays: IndexArrays, q: query.Query) -> Matches:
    """Phrases, ranges and anything else: whoosh's own matcher, drained into arrays."""
    postings = drain(q.matcher(searcher, searcher.context()))
    found = arrays.nothing()
    found.mask[postings.ids] = True
    found.scores[postings.ids] = postings.scores
    return found


def facet_counts(searcher: Searcher, name: str, mask: np.ndarray) -> dict[str, int]:
    """{value: how many documents in `mask` carry it} for a keyword field (one matrix product)."""
    values, holders = index_arrays(searcher).facet(searcher, name)
    if not values:
        return {}
    counts = holders @ mask.astype(np.float32)
    return {value: int(count) for value, count in zip(values, counts.tolist(), strict=True)}


def facets(searcher: Searcher, mask: np.ndarray) -> dict[str, dict[str, int]]:
    """How many of the documents in `mask` carry each skill, cause and region, most common first."""
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        found = facet_counts(searcher, name, mask)
        counts[name] = dict(sorted(((value, count) for value, count in found.items() if count),
                                   key=lambda item: (-item[1], item[0])))
    return counts

"""The order of matching documents: by score (relevance), newest, or deadline first."""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from app.search.engine.postings import Matches, index_arrays


def ranked(searcher: Searcher, matches: Matches, sort: str) -> np.ndarray:
    """The matching document numbers in order: by score (relevance), newest, or deadline first.

    Ties go newest first, then by document number, so pages never shuffle between requests.
    """
    arrays = index_arrays(searcher)
    docs = np.flatnonzero(matches.mask)
    published = arrays.column(searcher, "published_at")[docs]
    if sort == "relevance":
        keys: tuple[np.ndarray, ...] = (docs, -published, -matches.scores[docs])
    elif sort == "deadline":
        keys = (docs, -published, arrays.column(searcher, "deadline")[docs])
    else:
        keys = (docs, -published)
    return docs[np.lexsort(keys)]

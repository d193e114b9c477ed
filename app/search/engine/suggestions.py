"""Spelling suggestions: a query's unknown Latin words replaced by the closest indexed word."""

from __future__ import annotations

import unicodedata

from whoosh.searching import Searcher

from app.search.engine.parsing import FIELD_WEIGHTS, clean_query
from app.search.engine.tokens import stemmed


def suggestion(searcher: Searcher, text: str) -> str | None:
    """The query with unknown Latin words replaced by the closest indexed word, or None."""
    corrector = searcher.corrector("latin_words")
    words = clean_query(text).split()
    changed = False
    corrected = []
    for word in words:
        plain = unicodedata.normalize("NFKC", word).lower()
        if plain.isascii() and plain.isalpha() and len(plain) >= 3 and not _is_indexed(searcher, plain):
            suggestions = corrector.suggest(plain, limit=1, maxdist=2, prefix=1)
            if suggestions and suggestions[0] != plain:
                corrected.append(suggestions[0])
                changed = True
                continue
        corrected.append(word)
    return " ".join(corrected) if changed else None


def _is_indexed(searcher: Searcher, word: str) -> bool:
    term = stemmed(word)
    return any(searcher.doc_frequency(name, term) for name in FIELD_WEIGHTS)

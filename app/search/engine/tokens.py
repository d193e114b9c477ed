"""Whoosh's view of the analyzer: tokenizers, English stems, direct postings formats, text fields."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

from app.search.engine import analysis as analyzer


class WordTokenizer(Tokenizer):
    """Whoosh's view of `app.search.engine.analysis.words`: sequential positions, original character spans."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, word in enumerate(analyzer.words(value)):
            token.text = word.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word.text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            yield token


class HanBigramTokenizer(Tokenizer):
    """Whoosh's view of `app.search.engine.analysis.han_bigrams` (no character spans: never highlighted)."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, gram in enumerate(analyzer.han_bigrams(value)):
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = gram
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = token.endchar = start_char
            yield token


@functools.lru_cache(maxsize=50_000)
def stemmed(word: str) -> str:
    """The English stem of a Latin word (databases → databas), remembered."""
    return stem(word)


class LatinStemFilter(Filter):
    """English stems for Latin words (databases, database → databas); other scripts pass unchanged."""

    is_morph = True  # whoosh's flag for filters that change word forms

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.text.isascii() and token.text.isalpha():
                token.text = stemmed(token.text)
            yield token


ANALYZER = WordTokenizer() | LatinStemFilter()


def _index_words(value: str) -> Iterator[tuple[int, str, int, int]]:
    """(position, term, start, end) of each word of `value`: exactly what ANALYZER yields."""
    for position, (text, start, end) in enumerate(analyzer.words(value)):
        yield position, stemmed(text) if text.isascii() and text.isalpha() else text, start, end


_Posting = tuple[str, int, float, bytes]  # term, frequency, weight, encoded value

# Formats that build postings straight from the analyzer's words. Whoosh's own pass each word
# through a chain of token generators, which was a quarter of a rebuild's time; the postings
# they write are byte for byte the same.


class WordCharacters(formats.Characters):
    """Positions and character spans of ANALYZER's words (fields that are highlighted)."""

    def word_values(self, value: str, field_analyzer: Any, **kwargs: Any) -> Iterator[_Posting]:
        seen: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for position, text, start, end in _index_words(value):
            seen[text].append((position, start, end))
        for text, postings in seen.items():
            yield text, len(postings), len(postings) * self.field_boost, self.encode(postings)


class WordPositions(formats.Positions):
    """Positions of ANALYZER's words (fields searched by phrase but never highlighted)."""

    def word_values(self, value: str, field_analyzer: Any, **kwargs: Any) -> Iterator[_Posting]:
        seen: dict[str, list[int]] = defaultdict(list)
        for position, text, _start, _end in _index_words(value):
            seen[text].append(position)
        for text, positions in seen.items():
            yield text, len(positions), len(positions) * self.field_boost, self.encode(positions)


class PairFrequency(formats.Frequency):
    """How often each Chinese character pair occurs (the han_pairs field)."""

    def word_values(self, value: str, field_analyzer: Any, **kwargs: Any) -> Iterator[_Posting]:
        for gram, count in Counter(analyzer.han_bigrams(value)).items():
            yield gram, count, count * self.field_boost, pack_uint(count)


def pair_field() -> fields.TEXT:
    """A TEXT field of Chinese character pairs with their frequencies."""
    field = fields.TEXT(analyzer=HanBigramTokenizer(), phrase=False)
    field.format = PairFrequency()
    return field


def word_field(*, chars: bool = False, stored: bool = False) -> fields.TEXT:
    """A TEXT field read by ANALYZER, with the direct formats above."""
    field = fields.TEXT(analyzer=ANALYZER, stored=stored, chars=chars)
    field.format = WordCharacters() if chars else WordPositions()
    return field


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order: the analyzer's words with English words stemmed."""
    return [token.text for token in ANALYZER(text)]

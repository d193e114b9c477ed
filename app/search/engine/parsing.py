"""Reading what people type: query text → an index query, words ANDed, synonyms and Chinese pairs ORed in.

Queries are read with the same analyzer as documents; anything unreadable is searched as plain words.
"""

from __future__ import annotations

import functools
import unicodedata

from whoosh import fields, query
from whoosh.qparser import QueryParser, plugins, syntax

from app.search.engine import analysis as analyzer
from app.search.engine import synonyms
from app.search.engine.tokens import ANALYZER, terms

MAX_QUERY_CHARS = 500  # longer queries are cut here: no one types more, and parsing stays cheap
MAX_QUERY_TERMS = 40
# The text fields a query word is looked for in, with their weights: the title; the content
# (spec summary and background, the nonprofit's answers, stories, criteria); the labels
# (organisation name, skill names and synonyms). Every field multiplies a query's cost: few.
FIELD_WEIGHTS = {"title": 3.0, "content": 1.0, "labels": 1.0}
SKILL_WEIGHT = 2.0  # a query naming a skill, matching a request tagged with it
SYNONYM_WEIGHT = 0.5  # a synonym counts half the word typed
HAN_PAIR_WEIGHT = 0.3  # the character-pair reading of Chinese counts less than jieba's words


_PARSE_SCHEMA = fields.Schema(text=fields.TEXT(analyzer=ANALYZER))


class _Unreadable(Exception):
    """The parsed query holds something we do not search with (the text is read as plain words)."""


def clean_query(text: str) -> str:
    """`text` with control characters blanked, cut at MAX_QUERY_CHARS and trimmed."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text or ""))
    return text[:MAX_QUERY_CHARS].strip()


def text_query(text: str) -> query.Query | None:
    """The index query for what a person typed, or None when it holds no searchable word."""
    text = clean_query(text)
    if not text:
        return None
    return _parsed_query(text, synonym_table())


@functools.lru_cache(maxsize=2048)
def _parsed_query(text: str, table: synonyms.SynonymTable) -> query.Query | None:
    """Parsing and expanding costs about a millisecond, and people search the same words again.

    Keyed by the synonym table too: a new table (synonyms file or skills changed) parses anew.
    Query objects are never changed after this, so sharing them is safe.
    """
    try:
        parsed = _PARSER.parse(text).normalize()
        if _term_count(parsed) > MAX_QUERY_TERMS:
            raise _Unreadable("too many terms")
        translated = _translate(parsed, table)
    except Exception:  # the parser, or a tree we can't use: plain words never fail
        translated = _plain_words_query(text, table)
    if translated is None or isinstance(translated, query._NullQuery):
        return None
    return translated.normalize()


def _plain_words_query(text: str, table: synonyms.SynonymTable) -> query.Query | None:
    """All the words of `text` ANDed, whatever operators or quotes it holds."""
    parts: list[query.Query] = []
    budget = MAX_QUERY_TERMS * 2  # words beyond it are left out: a page of text is not a query
    for word in text.split():
        if not terms(word):
            continue
        part = _han_pair_alternative(word, _word_terms_query(word))
        budget -= _term_count(part)
        if budget < 0:
            break
        translated = _translate(part, table)
        if translated is not None:
            parts.append(translated)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


def _word_terms_query(word: str) -> query.Query:
    found = terms(word)[:MAX_QUERY_TERMS]
    if len(found) == 1:
        return query.Term("text", found[0])
    return query.And([query.Term("text", term) for term in found])


def _han_pair_alternative(word: str, word_query: query.Query) -> query.Query:
    """The query of one typed word, OR its reading by Chinese character pairs when it has Chinese.

    jieba may cut a word one way when it stands alone in a query and another way inside a
    document (红点 alone is 红 + 点); every run of two or more Chinese characters also matches as
    all of its character pairs, with less weight than the words.
    """
    runs = [run for run in analyzer.han_runs(word) if len(run) >= 2]
    if not runs:
        return word_query
    parts: list[query.Query] = []
    for run in runs:
        grams = analyzer.han_bigrams(run)[:MAX_QUERY_TERMS]
        parts.append(query.And([query.Term("han_pairs", gram) for gram in grams],
                               boost=HAN_PAIR_WEIGHT * max(len(terms(run)), 1) / len(grams)))
    latin = terms(analyzer.HAN_RUN.sub(" ", analyzer.normalize(word)))
    parts += [query.Term("text", term) for term in latin]
    pairs = parts[0] if len(parts) == 1 else query.And(parts)
    return query.Or([word_query, pairs])


class _WordParser(QueryParser):
    """The query parser, giving each typed word with Chinese in it its character-pair reading too."""

    def term_query(self, fieldname: str, text: str, termclass: type, boost: float = 1.0,
                   tokenize: bool = True, removestops: bool = True) -> query.Query | None:
        word_query = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if word_query is None or not tokenize:
            return word_query
        return _han_pair_alternative(text, word_query)


_PARSER = _WordParser("text", _PARSE_SCHEMA, group=syntax.AndGroup,
                      plugins=[plugins.PhrasePlugin(), plugins.GroupPlugin(), plugins.OperatorsPlugin()])


def _term_count(parsed: query.Query) -> int:
    if isinstance(parsed, query.Term):
        return 1
    if isinstance(parsed, query.Phrase):
        return len(parsed.words)
    return sum(_term_count(child) for child in parsed.children())


def _translate(parsed: query.Query, table: synonyms.SynonymTable) -> query.Query | None:
    """Map a query on the parser's single field onto the index's fields, adding synonyms."""
    if isinstance(parsed, query._NullQuery):
        return None
    if isinstance(parsed, query.Term):
        if parsed.fieldname == "han_pairs":
            return parsed
        return _words_query([parsed.text], table)
    if isinstance(parsed, query.Phrase):
        return query.Or([query.Phrase(name, list(parsed.words), boost=weight)
                         for name, weight in FIELD_WEIGHTS.items()])
    if isinstance(parsed, query.And):
        parts: list[query.Query] = []
        run: list[str] = []
        for child in [*parsed.subqueries, None]:
            if isinstance(child, query.Term) and child.fieldname == "text":
                run.append(child.text)
                continue
            if run:
                words_query = _words_query(run, table)
                if words_query is not None:
                    parts.append(words_query)
                run = []
            if child is not None:
                translated = _translate(child, table)
                if translated is not None:
                    parts.append(translated)
        return query.And(parts, boost=parsed.boost) if parts else None
    if isinstance(parsed, (query.Or, query.Not, query.AndNot, query.AndMaybe)):
        return parsed.apply(lambda child: _translate(child, table) or query.NullQuery)
    raise _Unreadable(type(parsed).__name__)


def _word_query(word: str) -> query.Query:
    return query.Or([query.Term(name, word, boost=weight) for name, weight in FIELD_WEIGHTS.items()])


def _sequence_query(sequence: tuple[str, ...], boost: float = 1.0) -> query.Query:
    if len(sequence) == 1:
        return query.Or([query.Term(name, sequence[0], boost=weight * boost)
                         for name, weight in FIELD_WEIGHTS.items()])
    return query.And([_word_query(word) for word in sequence], boost=boost)


def _words_query(words: list[str], table: synonyms.SynonymTable) -> query.Query | None:
    """AND of the words; a run of words that is a synonym becomes OR of its group (typed words first)."""
    parts: list[query.Query] = []
    position = 0
    while position < len(words):
        match = table.longest_match(words, position)
        if match is None:
            parts.append(_word_query(words[position]))
            position += 1
            continue
        typed, entry = match
        alternatives = [_sequence_query(typed)]
        # A Chinese word is several overlapping terms (尘肺, 肺病, 尘肺病) and an AND adds their
        # scores up: weigh each alternative as if it had as many terms as the typed words.
        alternatives += [_sequence_query(sequence, SYNONYM_WEIGHT * len(typed) / len(sequence))
                         for sequence in sorted(entry.sequences) if sequence != typed]
        alternatives += [query.Term("skills", slug, boost=SKILL_WEIGHT) for slug in sorted(entry.skills)]
        parts.append(query.Or(alternatives))
        position += len(typed)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


def synonym_table() -> synonyms.SynonymTable:
    """The synonym table for the current synonyms file and skills, in index terms."""
    return synonyms.current_table(terms)

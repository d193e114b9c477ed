"""The search index of listed help requests (Whoosh): schema, writes, rebuild-and-swap, and queries.

With `app.search.engine.evaluation` (which evaluates queries), the only modules that import whoosh. Each
rebuild writes a fresh generation and swaps it in atomically (`app.search.engine.generations`); readers
never see a half-written index. Writes happen in index jobs only, each through a blocking writer
(`ix.writer(timeout=10, delay=0.05)`, never AsyncWriter): a taken lock is waited for, not failed
on. Each thread reuses its searcher until the index changes. Queries are read with the same
analyzer as documents, words ANDed, synonyms and a Chinese character-pair reading ORed in;
anything unreadable is searched as plain words.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import re
import threading
import time
import unicodedata
import warnings
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from whoosh import columns, fields, formats, query
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, create_in
from whoosh.lang.porter import stem
from whoosh.qparser import QueryParser, plugins, syntax
from whoosh.searching import Searcher
from whoosh.system import pack_uint

from app.core.errors import Invalid
from app.search.engine import analysis as analyzer
from app.search.engine import evaluation as matching
from app.search.engine import generations, synonyms
from app.search.engine.generations import IndexMissing
from app.search.indexing import documents
from app.search.indexing.rebuilds import schedule_rebuild

log = logging.getLogger(__name__)

WRITER_TIMEOUT = 10.0
WRITER_DELAY = 0.05
# What a rebuild's writer may hold in memory (per process) before it sorts postings on disk:
# spilling and merging those runs took a third of a 10,000-request rebuild; at 1 GB none spills
# (peak 0.6 GB per process at 10,000 requests).
REBUILD_POOL_MB = 1024
SORTS = ("relevance", "newest", "deadline")
FILTERS = ("skills", "cause", "region", "status", "effort", "remote", "verified", "has_free_seats")
FACETS = ("skills", "cause", "region")
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500  # longer queries are cut here: no one types more, and parsing stays cheap
MAX_QUERY_TERMS = 40
# The text fields a query word is looked for in, with their weights: the title; the content
# (spec summary and background, the nonprofit's answers, stories, criteria); the labels
# (organisation name, skill names and synonyms). Every field multiplies a query's cost: few.
FIELD_WEIGHTS = {"title": 3.0, "content": 1.0, "labels": 1.0}
HIGHLIGHT_FIELDS = {"title": "title", "content": "body"}  # index field → highlight key
SKILL_WEIGHT = 2.0  # a query naming a skill, matching a request tagged with it
SYNONYM_WEIGHT = 0.5  # a synonym counts half the word typed
HAN_PAIR_WEIGHT = 0.3  # the character-pair reading of Chinese counts less than jieba's words
LATIN_WORD = re.compile(r"[a-z]{3,}")


class IndexCorrupt(Exception):
    """The search index exists but cannot be opened."""


# --- analysis -------------------------------------------------------------------------------------


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
def _stem(word: str) -> str:
    return stem(word)


class LatinStemFilter(Filter):
    """English stems for Latin words (databases, database → databas); other scripts pass unchanged."""

    is_morph = True  # whoosh's flag for filters that change word forms

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.text.isascii() and token.text.isalpha():
                token.text = _stem(token.text)
            yield token


ANALYZER = WordTokenizer() | LatinStemFilter()


def _index_words(value: str) -> Iterator[tuple[int, str, int, int]]:
    """(position, term, start, end) of each word of `value`: exactly what ANALYZER yields."""
    for position, (text, start, end) in enumerate(analyzer.words(value)):
        yield position, _stem(text) if text.isascii() and text.isalpha() else text, start, end


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


def _pair_field() -> fields.TEXT:
    field = fields.TEXT(analyzer=HanBigramTokenizer(), phrase=False)
    field.format = PairFrequency()
    return field


def _word_field(*, chars: bool = False, stored: bool = False) -> fields.TEXT:
    """A TEXT field read by ANALYZER, with the direct formats above."""
    field = fields.TEXT(analyzer=ANALYZER, stored=stored, chars=chars)
    field.format = WordCharacters() if chars else WordPositions()
    return field


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order: the analyzer's words with English words stemmed."""
    return [token.text for token in ANALYZER(text)]


# --- schema ---------------------------------------------------------------------------------------


class KeywordList(fields.KEYWORD):
    """Space-separated keywords (slugs) kept as a list column too, so facets count them fast."""

    def __init__(self) -> None:
        super().__init__(stored=True, lowercase=False, scorable=False)
        self.column_type = columns.VarBytesListColumn()  # KEYWORD(sortable=...) ignores a given column

    def to_column_value(self, value: Any) -> list[bytes]:
        items = value.split() if isinstance(value, str) else list(value)
        return [str(item).encode() for item in items]

    def from_column_value(self, value: Any) -> list[str]:
        return [item.decode() for item in value]


def make_schema() -> fields.Schema:
    """The index schema: text to search, keywords to filter and facet, values to sort by."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=_word_field(stored=True, chars=True),
        content=_word_field(stored=True, chars=True),
        labels=_word_field(),
        han_pairs=_pair_field(),
        latin_words=fields.KEYWORD(lowercase=False, scorable=False),  # for spelling suggestions
        skills=KeywordList(),
        cause=KeywordList(),
        region=fields.ID(stored=True, sortable=True),
        status=fields.ID(stored=True),
        effort=fields.ID(stored=True),
        remote=fields.BOOLEAN(stored=True),
        verified=fields.BOOLEAN(stored=True),
        seats_free=fields.NUMERIC(int, stored=True, sortable=True),
        published_at=fields.DATETIME(stored=True, sortable=True),
        deadline=fields.NUMERIC(int, stored=True, sortable=True),
        stamp=fields.ID(stored=True, sortable=True),
    )


_SCHEMA_NAMES = frozenset(make_schema().names())


def _index_fields(document: dict[str, Any]) -> dict[str, Any]:
    """A document from `app.search.indexing.documents` in the shape whoosh's writer takes."""
    content = "\n".join(part for part in (document["summary"], document["body"]) if part)
    labels = "\n".join(part for part in (document["organization"], document["skills_text"]) if part)
    values = {name: value for name, value in document.items()
              if name not in ("summary", "body", "organization", "skills_text")}
    values.update(content=content, labels=labels,
                  han_pairs="\n".join((document["title"], content, document["organization"])),
                  latin_words=" ".join(sorted(set(LATIN_WORD.findall(
                      "\n".join((document["title"], content)).lower())))))
    values["skills"] = " ".join(document["skills"])
    values["cause"] = " ".join(document["cause"])
    if not values["effort"]:
        del values["effort"]
    if values["published_at"] is None:
        del values["published_at"]
    else:  # whoosh stores naive datetimes: ours are UTC
        values["published_at"] = values["published_at"].astimezone(UTC).replace(tzinfo=None)
    return values


# --- opening ---------------------------------------------------------------------------------------


def _open(directory: Path, *, check_segments: bool = False) -> FileIndex:
    """The index in `directory`; with `check_segments`, each segment is opened too.

    Opening the table of contents alone says nothing of the segments: a damaged segment file
    then only shows when a searcher opens it. Raises IndexMissing or IndexCorrupt.
    """
    problem = None
    with warnings.catch_warnings():
        # whoosh leaves the table of contents open when it can't read it; it closes when the
        # error is freed, below, without a ResourceWarning.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            # Read segments with plain reads, not memory maps: a segment file damaged in place
            # under a map kills the reading process with SIGBUS instead of raising an error.
            ix = FileStorage(str(directory), supports_mmap=False).open_index()
        except FileNotFoundError:
            problem = "missing"
        except Exception as error:  # whoosh raises many kinds (EmptyIndexError, unpickling, struct)
            problem = f"{type(error).__name__}: {error}"
        if problem is not None:
            gc.collect()
    if problem == "missing":
        raise IndexMissing(str(directory))
    if problem is not None:
        raise IndexCorrupt(f"{directory}: {problem}")
    if set(ix.schema.names()) != _SCHEMA_NAMES:  # written by an older version of this module
        ix.close()
        raise IndexCorrupt(f"{directory}: its fields are not the current schema's")
    if check_segments:
        _reader_or_corrupt(ix, directory).close()
    return ix


def _reader_or_corrupt(ix: FileIndex, directory: Path) -> Any:
    """A reader over every segment; IndexCorrupt when a segment file can't be read."""
    problem = None
    with warnings.catch_warnings():
        # As in _open: whoosh leaves the segment's file open when it can't read it.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return ix.reader()
        except Exception as error:  # whoosh raises what the bytes make it: OSError, struct.error...
            problem = type(error).__name__
        ix.close()
        gc.collect()
    raise IndexCorrupt(f"{directory}: a segment can't be read ({problem})")


def open_index(*, check_segments: bool = False) -> FileIndex:
    """The live index. Raises IndexMissing when there is none and IndexCorrupt when it can't be opened
    (with `check_segments`, also when one of its segments can't be read)."""
    return _open(generations.live_generation(generations.index_root()), check_segments=check_segments)


def index_status() -> str:
    """"ok", "missing", "rebuilding" (no usable index while a rebuild runs) or "corrupt"; never raises."""
    root = generations.index_root()
    try:
        _open(generations.live_generation(root), check_segments=True).close()
        return "ok"
    except IndexMissing:
        state = "missing"
    except IndexCorrupt:
        state = "corrupt"
    return "rebuilding" if generations.is_rebuilding(root) else state


# --- writes (index jobs only) ---------------------------------------------------------------------


@contextlib.contextmanager
def _writer(ix: FileIndex, **options: Any) -> Iterator[Any]:
    """A blocking writer: waits up to WRITER_TIMEOUT for the lock; commits, or cancels on error."""
    writer = ix.writer(timeout=WRITER_TIMEOUT, delay=WRITER_DELAY, **options)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _writable_index() -> FileIndex:
    """The live index, rebuilt from the database first when it is missing or corrupt."""
    try:
        return open_index(check_segments=True)
    except (IndexMissing, IndexCorrupt) as error:
        log.warning("search index unusable (%s): rebuilding it from the database", error)
    rebuild_index(only_if_unusable=True)
    return open_index()


def _fresh_documents(request_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    from app.extensions import db

    db.session.expire_all()  # re-read rows: the job may run long after the change was loaded
    return documents.load_documents(request_ids)


def index_document(request_id: int) -> bool:
    """Make the index say what the database says about one request; True when it is listed.

    Re-reads the row under the writer lock, so the last writer always writes the latest state: a
    listed request is added or replaced, anything else (draft, intake, withdrawn, deleted) is
    removed. Rebuilds a missing or corrupt index first. Raises whoosh's LockError only if the lock
    stays taken for WRITER_TIMEOUT seconds (the job is then retried).
    """
    return bool(index_documents([request_id]))


def index_documents(request_ids: Iterable[int]) -> set[int]:
    """`index_document` for several requests in one commit; returns the ids now listed."""
    ids = {int(request_id) for request_id in request_ids}
    if not ids:
        return set()
    ix = _writable_index()
    try:
        with _writer(ix) as writer:
            found = _fresh_documents(ids)
            for request_id in ids:
                if request_id in found:
                    writer.update_document(**_index_fields(found[request_id]))
                else:
                    writer.delete_by_term("id", str(request_id))
    finally:
        ix.close()
    return set(found)


def remove_document(request_id: int) -> None:
    """Take a request out of the index (nothing happens when it is not there or there is no index)."""
    try:
        ix = open_index()
    except (IndexMissing, IndexCorrupt):
        return  # a rebuild reads the database, where the request is not listed
    try:
        with _writer(ix) as writer:
            writer.delete_by_term("id", str(request_id))
    finally:
        ix.close()


@dataclass(frozen=True)
class RebuildSummary:
    """What a rebuild did: documents written, seconds taken, the new generation, repairs after the swap."""

    indexed: int
    seconds: float
    generation: str
    repaired: int = 0
    skipped: bool = False

    def line(self) -> str:
        """One line for the command line and the job log."""
        if self.skipped:
            return "Search index: already usable, nothing rebuilt."
        return (f"Search index rebuilt: {self.indexed} request(s) indexed in {self.seconds:.1f} s "
                f"({self.generation}); {self.repaired} changed meanwhile and were updated.")


def rebuild_index(*, on_start: Callable[[int], None] | None = None,
                  advance: Callable[[int], None] | None = None,
                  only_if_unusable: bool = False, processes: int = 1) -> RebuildSummary:
    """Build a fresh generation from the database, swap it in atomically, then catch up.

    Guarantees: readers never see a partial index (they keep the old one until the swap); changes
    made while the rebuild ran are applied after the swap (a reconcile pass compares stamps), so
    none is lost. One rebuild at a time: a second caller waits for the first. With
    `only_if_unusable`, returns a skipped summary when a usable index exists by the time the lock
    is held. `on_start(total)` and `advance(n)` report progress. With `processes` > 1 the
    documents are analysed in that many forked processes (the command line uses one per core;
    never from a web process, whose other threads a fork would not carry).
    """
    root = generations.index_root()
    with generations.rebuilding(root):
        if only_if_unusable:
            try:
                open_index(check_segments=True).close()
                return RebuildSummary(0, 0.0, "", skipped=True)
            except (IndexMissing, IndexCorrupt):
                pass
        return _rebuild(root, on_start, advance, processes)


def _rebuild(root: Path, on_start: Callable[[int], None] | None,
             advance: Callable[[int], None] | None, processes: int) -> RebuildSummary:
    started = time.monotonic()
    generation = generations.new_generation(root)
    ix = create_in(str(generation), make_schema())
    ids = documents.listed_request_ids()
    if on_start:
        on_start(len(ids))
    indexed = 0
    options: dict[str, Any] = {"limitmb": REBUILD_POOL_MB}
    if processes > 1:
        # Sub-processes analyse and write a segment each; forked after jieba is loaded here.
        analyzer.load()
        options.update(procs=processes, multisegment=True)
    with _writer(ix, **options) as writer:
        for offset in range(0, len(ids), documents.BATCH_SIZE):
            batch = ids[offset:offset + documents.BATCH_SIZE]
            found = _fresh_documents(batch)
            for request_id in batch:
                if request_id in found:
                    writer.add_document(**_index_fields(found[request_id]))
                    indexed += 1
            if advance:
                advance(len(batch))
    previous = None
    with contextlib.suppress(IndexMissing):
        previous = generations.live_generation(root).name
    generations.swap(root, generation)
    repaired = reconcile(ix)  # changes committed while the new generation was being written
    ix.close()
    generations.remove_old_generations(root, keep={generation.name} | ({previous} if previous else set()))
    return RebuildSummary(indexed + repaired.added, time.monotonic() - started, generation.name,
                          repaired.count)


# --- check and reconcile --------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexCheck:
    """How the index differs from the database: ids missing from it, stale in it, extra in it."""

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)

    @property
    def added(self) -> int:
        return len(self.missing)

    @property
    def is_true(self) -> bool:
        """Whether the index says exactly what the database says."""
        return self.count == 0


def _indexed_stamps(ix: FileIndex) -> dict[int, str]:
    """{request id: stamp} of every live document, read from the columns (no stored text loaded)."""
    with ix.searcher() as searcher:
        stamps: dict[int, str] = {}
        for reader in _leaf_readers(searcher.reader()):
            if not reader.has_column("id"):  # an empty index has no columns yet
                continue
            ids = reader.column_reader("id")
            stamp_values = reader.column_reader("stamp")
            for docnum in reader.all_doc_ids():
                stamps[int(ids[docnum])] = stamp_values[docnum]
        return stamps


def _leaf_readers(reader: Any) -> list[Any]:
    return [leaf for leaf, _offset in reader.leaf_readers()]


def _compare(ix: FileIndex) -> tuple[IndexCheck, dict[int, dict[str, Any]]]:
    expected = _fresh_documents(documents.listed_request_ids())
    indexed = _indexed_stamps(ix)
    check = IndexCheck(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i in set(expected) & set(indexed) if expected[i]["stamp"] != indexed[i]),
        extra=sorted(set(indexed) - set(expected)))
    return check, expected


def check_index() -> IndexCheck:
    """Compare the live index with the database (ids and stamps). Raises IndexMissing or IndexCorrupt."""
    ix = open_index()
    try:
        return _compare(ix)[0]
    finally:
        ix.close()


def reconcile(ix: FileIndex | None = None) -> IndexCheck:
    """Write what differs between the index and the database (under the writer lock); returns the diff."""
    own = ix is None
    ix = ix or open_index()
    try:
        with _writer(ix) as writer:
            check, expected = _compare(ix)
            for request_id in check.missing + check.stale:
                writer.update_document(**_index_fields(expected[request_id]))
            for request_id in check.extra:
                writer.delete_by_term("id", str(request_id))
        return check
    finally:
        if own:
            ix.close()


# --- reading --------------------------------------------------------------------------------------


class _SearcherCache(threading.local):
    key: tuple[str, str] | None = None
    searcher: Searcher | None = None
    # Closes the searcher when it is replaced, or when its thread is gone: a server that runs each
    # request in a new thread (flask run) would otherwise leave one open searcher per request.
    closer: weakref.finalize | None = None


def _close_quietly(searcher: Searcher) -> None:
    with contextlib.suppress(Exception):
        searcher.close()


_searchers = _SearcherCache()


def _searcher() -> Searcher:
    """This thread's searcher on the live generation, refreshed when the index changed."""
    root = generations.index_root()
    generation = generations.live_generation(root)
    key = (str(root), generation.name)
    if _searchers.key == key and _searchers.searcher is not None:
        try:
            if _searchers.searcher.up_to_date():
                return _searchers.searcher
        except (OSError, ValueError):
            pass  # the generation was cleaned away under us: open the live one again
    # Changed: a new searcher, never Searcher.refresh(), which reuses the old segment readers and
    # so keeps showing documents deleted since (seen with whoosh3 3.54).
    forget_searchers()
    ix = _open(generation)
    searcher = Searcher(_reader_or_corrupt(ix, generation), fromindex=ix)
    _searchers.key, _searchers.searcher = key, searcher
    _searchers.closer = weakref.finalize(threading.current_thread(), _close_quietly, searcher)
    return searcher


def forget_searchers() -> None:
    """Close this thread's cached searcher (tests switching index folders; shutdown)."""
    if _searchers.closer is not None:
        _searchers.closer()  # a finalizer runs once: closing here detaches it from the thread
    _searchers.key = _searchers.searcher = _searchers.closer = None


@dataclass(frozen=True)
class SearchResult:
    """One page of results: request ids in order, with scores, highlights, facets and a suggestion.

    `total` counts every match (all pages); `facets` counts values over the whole filtered result
    set; `highlights[id][field]` is HTML-escaped text where only the `<mark>` tags are markup;
    `scores` is empty unless sorted by relevance; `suggestion` is a corrected query or None.
    """

    ids: list[int]
    total: int
    page: int
    per_page: int
    scores: dict[int, float] = field(default_factory=dict)
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {name: {} for name in FACETS})
    suggestion: str | None = None


def search(text: str = "", *, filters: dict[str, Any] | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20) -> SearchResult:
    """Search listed requests for `text` (Chinese, English or mixed) within `filters`.

    Words are ANDed, each found in the title, the content (spec summary, the nonprofit's
    answers, stories, criteria) or the labels (organisation, skill names); Traditional Chinese
    finds Simplified text and the reverse, English words match across stems, and synonyms
    (search/synonyms.json and the skills taxonomy) find each other. Quoted phrases, OR and NOT
    are understood; text the parser can't read is searched as plain words, so no query string
    raises. Empty text lists everything within the filters, newest first.

    Filters: skills (slugs, all required), cause, region, status, effort (one value or several,
    any of them), remote, verified, has_free_seats (True to require). Raises Invalid naming
    `sort`, `page`, `per_page` or the filter with a bad value, and ValueError for an unknown
    filter name. A missing or corrupt index schedules a rebuild; the result is empty unless that
    rebuild ran at once (embedded mode).
    """
    if sort not in SORTS:
        raise Invalid("sort", _("Sort by one of: %(choices)s.", choices=", ".join(SORTS)))
    if not isinstance(page, int) or page < 1:
        raise Invalid("page", _("The page number must be 1 or more."))
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid("per_page", _("Show between 1 and %(n)d results per page.", n=MAX_PER_PAGE))
    filter_query = _filter_query(filters or {})
    try:
        searcher = _searcher()
    except (IndexMissing, IndexCorrupt) as error:
        searcher = _after_scheduling_a_rebuild(error)
        if searcher is None:
            return SearchResult([], 0, page, per_page)
    # The synonym table is part of the key: editing synonyms changes results without an index change.
    key = (_clean_query(text), _synonym_table(), repr(filter_query), sort, page, per_page)
    try:
        return matching.remembered(searcher, key, lambda: _run(searcher, _text_query(text), filter_query,
                                                               text, sort, page, per_page),
                                   size=current_app.config.get("SEARCH_RESULT_CACHE_SIZE", 0))
    except Exception:
        # A segment damaged under an open searcher fails while it is read. Then search answers
        # empty while the index is rebuilt, as for a missing index; any other error is a bug.
        if index_status() == "ok":
            raise
        log.exception("search index damaged while searching: forgetting it and scheduling a rebuild")
        forget_searchers()
        searcher = _after_scheduling_a_rebuild(IndexCorrupt("damaged while searching"))
        if searcher is None:
            return SearchResult([], 0, page, per_page)
        return _run(searcher, _text_query(text), filter_query, text, sort, page, per_page)


def _after_scheduling_a_rebuild(error: Exception) -> Searcher | None:
    """Schedule a rebuild of an unusable index; its searcher if that made it usable (embedded mode)."""
    log.warning("search index unusable (%s): scheduling a rebuild", error)
    if not schedule_rebuild():
        return None
    try:
        return _searcher()
    except (IndexMissing, IndexCorrupt):
        return None  # a worker will rebuild it: answer empty meanwhile


def _run(searcher: Searcher, text_query: query.Query | None, filter_query: query.Query | None,
         text: str, sort: str, page: int, per_page: int) -> SearchResult:
    if text_query is None and sort == "relevance":
        sort = "newest"  # nothing to rank by: newest first
    # Every match is needed (the total and the facets count them all), so the whole query is
    # evaluated over the index's arrays (app.search.engine.evaluation) rather than by whoosh's collectors.
    matches = matching.evaluate(searcher, text_query, filter_query)
    ordered = matching.ranked(searcher, matches, sort)
    page_docs = [int(docnum) for docnum in ordered[(page - 1) * per_page:page * per_page]]
    stored = {docnum: searcher.stored_fields(docnum) for docnum in page_docs}
    ids = [int(stored[docnum]["id"]) for docnum in page_docs]
    scores = ({int(stored[docnum]["id"]): float(matches.scores[docnum]) for docnum in page_docs}
              if sort == "relevance" else {})
    highlights: dict[int, dict[str, str]] = {}
    if text_query is not None:
        for name, key in HIGHLIGHT_FIELDS.items():
            texts = {docnum: stored[docnum].get(name) or "" for docnum in page_docs}
            words = matching.query_words(text_query, name)
            marked = matching.highlights(searcher, page_docs, name, texts, words, top=2)
            for docnum, value in marked.items():
                if value:
                    highlights.setdefault(int(stored[docnum]["id"]), {})[key] = value
    total = len(ordered)
    suggestion = _suggestion(searcher, text) if not total and text_query is not None else None
    return SearchResult(ids, total, page, per_page, scores, highlights,
                        _facet_counts(searcher, matches.mask), suggestion)


def _facet_counts(searcher: Searcher, matched: Any) -> dict[str, dict[str, int]]:
    """How many of the matched documents carry each skill, cause and region, most common first."""
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        found = matching.facet_counts(searcher, name, matched)
        counts[name] = dict(sorted(((value, count) for value, count in found.items() if count),
                                   key=lambda item: (-item[1], item[0])))
    return counts


# --- filters --------------------------------------------------------------------------------------


def _values(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    try:
        cleaned = [str(item).strip() for item in items]
    except TypeError:
        raise Invalid(name, _("Give one value or a list of values.")) from None
    return [item for item in cleaned if item]


def _filter_query(filters: dict[str, Any]) -> query.Query | None:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown search filters: {sorted(unknown)}")
    parts: list[query.Query] = []
    skills = _values("skills", filters.get("skills"))
    parts += [query.Term("skills", slug) for slug in skills]
    for name, allowed in (("cause", None), ("region", None), ("status", documents.LISTED_STATUSES),
                          ("effort", documents.EFFORT_SIZES)):
        wanted = _values(name, filters.get(name))
        if allowed is not None and set(wanted) - set(allowed):
            raise Invalid(name, _("Choose from: %(choices)s.", choices=", ".join(sorted(allowed))))
        if wanted:
            parts.append(query.Or([query.Term(name, value) for value in wanted]))
    for name in ("remote", "verified"):
        if filters.get(name):
            parts.append(query.Term(name, True))
    if filters.get("has_free_seats"):
        parts.append(query.NumericRange("seats_free", 1, None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


# --- query text -----------------------------------------------------------------------------------


_PARSE_SCHEMA = fields.Schema(text=fields.TEXT(analyzer=ANALYZER))


class _Unreadable(Exception):
    """The parsed query holds something we do not search with (the text is read as plain words)."""


def _clean_query(text: str) -> str:
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text or ""))
    return text[:MAX_QUERY_CHARS].strip()


def _text_query(text: str) -> query.Query | None:
    """The index query for what a person typed, or None when it holds no searchable word."""
    text = _clean_query(text)
    if not text:
        return None
    return _parsed_query(text, _synonym_table())


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


def _synonym_table() -> synonyms.SynonymTable:
    return synonyms.current_table(terms)


# --- suggestions ----------------------------------------------------------------------------------


def _suggestion(searcher: Searcher, text: str) -> str | None:
    """The query with unknown Latin words replaced by the closest indexed word, or None."""
    corrector = searcher.corrector("latin_words")
    words = _clean_query(text).split()
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
    term = _stem(word)
    return any(searcher.doc_frequency(name, term) for name in FIELD_WEIGHTS)

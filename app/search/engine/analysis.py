"""Words for search: NFKC, Traditional→Simplified, jieba segmentation, stop words, original offsets.

The same function reads documents and queries, so both sides always agree on what a word is.
English stemming is the index's last step (`app.search.engine.tokens`).
jieba's dictionary and our user dictionary load once per process, on first use, never at start-up;
jieba's cache file lives in the instance folder. Only `import jieba`: importing `jieba.analyse` opens
its IDF file and never closes it (a ResourceWarning, an error under our tests' filterwarnings).
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import jieba
import opencc
from flask import current_app, has_app_context

from app.config import PROJECT_ROOT

USERDICT_FILE = Path("search") / "engine" / "userdict.txt"
STOPWORDS_FILE = Path("search") / "engine" / "stopwords.txt"
_PLAIN_WORD = re.compile(r"[^\W_]+")  # letters and digits, in any script
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class Word(NamedTuple):
    """One word of a text: lowercased, simplified, with the span it came from in the original text.

    A named tuple rather than a dataclass: a rebuild makes millions of them.
    """

    text: str
    start: int
    end: int


class _Mapped:
    """Text derived from an original, remembering which original span each character came from."""

    def __init__(self, text: str, starts: list[int] | None = None, ends: list[int] | None = None):
        self.text, self.starts, self.ends = text, starts, ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pieces: list[tuple[int, int, str]]) -> _Mapped:
        """Replace each (start, end) range with its text; a longer or shorter piece maps proportionally."""
        text: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for start, end, piece in pieces:
            text.append(piece)
            width, size = end - start, len(piece)
            for j in range(size):
                first = start + j * width // size
                last = start + max(((j + 1) * width + size - 1) // size - 1, j * width // size)
                starts.append(self.span(first, first + 1)[0])
                ends.append(self.span(last, last + 1)[1])
        return _Mapped("".join(text), starts, ends)


class _Analyzer:
    """The per-process state: jieba with our user dictionary, the converters and the stop words."""

    def __init__(self, content_dir: Path, cache_dir: Path) -> None:
        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading on stderr otherwise
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.jieba = jieba.Tokenizer()
        self.jieba.tmp_dir = str(cache_dir)
        self.jieba.initialize()
        for line in _data_lines(content_dir / USERDICT_FILE):
            word, *rest = line.split()
            frequency = int(rest[0]) if rest and rest[0].isdigit() else None
            tag = rest[-1] if rest and not rest[-1].isdigit() else None
            self.jieba.add_word(word, frequency, tag)
        self.stopwords = frozenset(unicodedata.normalize("NFKC", line).lower()
                                   for line in _data_lines(content_dir / STOPWORDS_FILE))
        self.to_simplified_characters = opencc.OpenCC("t2s")
        self.taiwan_to_mainland = opencc.OpenCC("tw2sp")

    def normalize(self, text: str) -> _Mapped:
        return self._simplify(_nfkc(text))

    def _simplify(self, mapped: _Mapped) -> _Mapped:
        """Convert the Traditional words of the text to Simplified, leaving Simplified words alone.

        OpenCC's tw2sp also rewrites Simplified phrases (小程序 → 小进程, 程序 → 进程), so only runs
        of words that contain a Traditional character go through it (資料庫 → 数据库, 開發 → 开发).
        Word boundaries come from jieba over the character-converted text.
        """
        characters = self.to_simplified_characters.convert(mapped.text)
        if characters == mapped.text:
            return mapped
        original = mapped.text
        if len(characters) != len(original):  # no character alignment: convert the whole text
            return mapped.rewrite([(0, len(original), self.taiwan_to_mainland.convert(original))])
        pieces: list[tuple[int, int, str]] = []
        position = 0
        for run in HAN_RUN.finditer(characters):
            if run.start() > position:
                pieces.append((position, run.start(), original[position:run.start()]))
            offset = run.start()
            words = [(offset + start, offset + end, original[offset + start:offset + end] != word)
                     for word, start, end in self.jieba.tokenize(run.group())]
            for traditional, group in itertools.groupby(words, key=lambda word: word[2]):
                spans = list(group)
                start, end = spans[0][0], spans[-1][1]
                text = original[start:end]
                pieces.append((start, end, self.taiwan_to_mainland.convert(text) if traditional else text))
            position = run.end()
        if position < len(original):
            pieces.append((position, len(original), original[position:]))
        return mapped.rewrite(pieces)

    def tokens(self, text: str) -> Iterator[tuple[str, int, int]]:
        """jieba's search-mode words in runs of Chinese characters, plain words elsewhere, in order.

        jieba only sees the Chinese: it would cut Latin text the same way, only slower.
        """
        position = 0
        for run in HAN_RUN.finditer(text):
            for word in _PLAIN_WORD.finditer(text, position, run.start()):
                yield word.group(), word.start(), word.end()
            for token, start, end in self.jieba.tokenize(run.group(), mode="search"):
                yield token, run.start() + start, run.start() + end
            position = run.end()
        for word in _PLAIN_WORD.finditer(text, position):
            yield word.group(), word.start(), word.end()

    def words(self, text: str) -> list[Word]:
        mapped = self.normalize(text)
        found = []
        for token, start, end in self.tokens(mapped.text):
            lowered = token.lower()
            if lowered not in self.stopwords:
                found.append(Word(lowered, *mapped.span(start, end)))
        return found


@functools.lru_cache(maxsize=4096)
def _nfkc_character(character: str) -> str:
    return unicodedata.normalize("NFKC", character) or character


def _nfkc(text: str) -> _Mapped:
    """NFKC per character (full-width ＳＥＯ → SEO), keeping each character's original position."""
    if unicodedata.is_normalized("NFKC", text):
        return _Mapped(text)
    pieces = [_nfkc_character(character) for character in text]
    if all(len(piece) == 1 for piece in pieces):  # one for one (，→ , Ｓ → S): positions unchanged
        return _Mapped("".join(pieces))
    return _Mapped(text).rewrite([(i, i + 1, piece) for i, piece in enumerate(pieces)])


def _data_lines(path: Path) -> list[str]:
    """The non-empty, non-comment lines of a UTF-8 data file (a missing file has none)."""
    if not path.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


_state: _Analyzer | None = None
_lock = threading.Lock()


def _analyzer() -> _Analyzer:
    """This process's analyzer, built on first use from the current app's content and instance folders."""
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _Analyzer(*_folders())
    return _state


def load() -> None:
    """Load jieba's dictionary and the converters now (before forking workers), not on first use."""
    _analyzer()


def _folders() -> tuple[Path, Path]:
    if has_app_context():
        return (Path(current_app.config["CONTENT_DIR"]),
                Path(current_app.instance_path) / "jieba-cache")
    return PROJECT_ROOT, Path(tempfile.gettempdir()) / "codebridge-jieba-cache"


_CACHED_TEXT_MAX = 300  # short texts (queries, titles, labels) recur: their words are memoized


@functools.lru_cache(maxsize=20_000)
def _short_text_words(text: str) -> tuple[Word, ...]:
    return tuple(_analyzer().words(text))


def words(text: str) -> list[Word]:
    """The searchable words of `text`, in order, with sequential positions being their list index.

    Guarantees: full-width forms folded (NFKC), Traditional words turned Simplified, Chinese
    segmented by jieba's search mode (尘肺病 → 尘肺, 肺病, 尘肺病), whitespace and punctuation
    dropped, everything lowercased, stop words removed. Each word keeps its span in `text`, for
    highlighting. Never raises for any string.
    """
    if len(text) <= _CACHED_TEXT_MAX:
        return list(_short_text_words(text))
    return _analyzer().words(text)


def normalize(text: str) -> str:
    """`text` with full-width forms folded and Traditional words converted to Simplified."""
    return _analyzer().normalize(text).text


def han_runs(text: str) -> list[str]:
    """The runs of Chinese characters in `text`, normalized (full-width folded, Simplified)."""
    return HAN_RUN.findall(normalize(text))


def han_bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters, run by run (a lone character stands alone).

    A second reading of Chinese text that does not depend on where jieba cuts: a word jieba
    splits one way in a query and another way in a document still shares these pairs.
    """
    grams: list[str] = []
    for run in han_runs(text):
        grams += [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
    return grams

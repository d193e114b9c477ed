"""Checks for the intake and drafting content files: each value read with a message naming what is wrong."""

from __future__ import annotations

import json
import string as formatting
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

LANGUAGES = ("zh_CN", "en")
REQUEST_FIELDS = ("title", "problem", "current_process", "users", "data_kept", "must_do", "rhythm",
                  "constraints", "deadline")

Text = dict[str, str]  # one non-empty string per language, keyed "zh_CN" and "en"
Words = tuple[str, ...]


class ContentError(ValueError):
    """A question or rule file is missing, unreadable or breaks a rule; the message names file and entry."""


class BadValue(ValueError):
    """One value breaks a rule; entries() and file_level() add the file and the entry to the message."""


def get(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict):
        raise BadValue("expected an object")
    if key not in obj:
        raise BadValue(f"{key!r} is missing")
    return obj[key]


def string(obj: Any, key: str) -> str:
    value = get(obj, key)
    if not isinstance(value, str) or not value.strip():
        raise BadValue(f"{key!r} must be a non-empty string")
    return value


def whole_number(obj: Any, key: str, low: int = 0, high: int = 100_000) -> int:
    value = get(obj, key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadValue(f"{key!r} must be a whole number from {low} to {high}")
    return value


def flag(obj: Any, key: str, *, default: bool = False) -> bool:
    value = obj.get(key, default) if isinstance(obj, dict) else default
    if not isinstance(value, bool):
        raise BadValue(f"{key!r} must be true or false")
    return value


def texts(obj: Any, key: str) -> Text:
    value = get(obj, key)
    if not isinstance(value, dict):
        raise BadValue(f"{key!r} must be an object with a text per language ({', '.join(LANGUAGES)})")
    for language in LANGUAGES:
        if not isinstance(value.get(language), str) or not value[language].strip():
            raise BadValue(f"{key!r} needs a non-empty {language} text")
    return {language: value[language] for language in LANGUAGES}


def per_language(obj: Any, key: str) -> dict[str, int]:
    value = get(obj, key)
    return {language: whole_number(value, language, 1, 100_000) for language in LANGUAGES}


def fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold().strip()


def words(obj: Any, key: str, *, may_be_empty: bool = False, spaces: bool = False) -> Words:
    """A list of distinct words; with spaces=True a word may be or hold only white space (a line break)."""
    value = get(obj, key)
    if not isinstance(value, list) or not all(isinstance(w, str) and (w if spaces else w.strip())
                                              for w in value):
        raise BadValue(f"{key!r} must be a list of non-empty strings")
    if not value and not may_be_empty:
        raise BadValue(f"{key!r} must not be empty")
    seen: set[str] = set()
    for word in value:
        folded = word if spaces else fold(word)
        if folded in seen:
            raise BadValue(f"{key!r} lists {word!r} twice")
        seen.add(folded)
    return tuple(value)


def known(obj: Any, key: str, known: Words | set[str], what: str, *, may_be_empty: bool = True) -> Words:
    values = words(obj, key, may_be_empty=may_be_empty)
    for value in values:
        if value not in known:
            raise BadValue(f"{key!r} names {value!r}, which is not a known {what}")
    return values


def entries(file: str, document: Any, key: str, what: str, build: Callable[[Any], Any]) -> tuple:
    """Build every entry of a list, naming the file and the entry (number and id) in any error."""
    try:
        items = get(document, key)
    except BadValue as error:
        raise ContentError(f"{file}: {error}") from None
    if not isinstance(items, list) or not items:
        raise ContentError(f"{file}: {key!r} must be a non-empty list")
    built, ids = [], set()
    for number, item in enumerate(items, start=1):
        label = item.get("id", item.get("key", item.get("field", item.get("skill")))) \
            if isinstance(item, dict) else None
        try:
            entry = build(item)
            if label is not None and label in ids:
                raise BadValue("this id is already used by an earlier entry")
        except BadValue as error:
            named = f" ({label!r})" if label is not None else ""
            raise ContentError(f"{file}: {what} #{number}{named}: {error}") from None
        ids.add(label)
        built.append(entry)
    return tuple(built)


def read_json(root: Path, relative: str) -> dict[str, Any]:
    try:
        document = json.loads((root / relative).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{relative}: the file is missing (looked in {root})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ContentError(f"{relative}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ContentError(f"{relative}: expected a JSON object at the top")
    return document


def file_level(file: str, build: Callable[[], Any]) -> Any:
    """Run a file-level check, naming the file in any error."""
    try:
        return build()
    except BadValue as error:
        raise ContentError(f"{file}: {error}") from None


def placeholders(where: str, pattern: str, allowed: set[str]) -> str:
    try:
        names = {name for _, name, _, _ in formatting.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise BadValue(f"{where}: broken braces ({error})") from None
    unknown = sorted(names - allowed)
    if unknown:
        allowed_list = ", ".join(sorted(allowed)) or "none"
        raise BadValue(f"{where}: unknown placeholder {{{unknown[0]}}} (allowed: {allowed_list})")
    return pattern

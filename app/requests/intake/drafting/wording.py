"""Reading a nonprofit's wording: Chinese scripts, rule words found in text, sentences and numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
# Full-width Latin letters and digits (ＳＥＯ, ２０) become ASCII; Chinese punctuation stays as typed.
FULL_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                               *range(0xFF41, 0xFF5B))} | {0x3000: 0x20}
TRIM = " \t\r\n,，、。.;；:：!！?？"
ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
EN_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
              "forty": 40, "fifty": 50, "hundred": 100}
NUMBER = rf"\d[\d,]*|[零一二两三四五六七八九十百千万]+|(?:{'|'.join(EN_NUMBERS)})"
ANY_COUNT = re.compile(r"\d|[一二两三四五六七八九十百千万]+\s*[名位个人家户所多余来]|几[十百千万]"
                       r"|\b(?:dozens?|hundreds|thousands|a few|handful)\b|\b(?:" + "|".join(EN_NUMBERS)
                       + r")\s+\w", re.IGNORECASE)


@lru_cache(maxsize=2)
def _converter(name: str) -> Any:
    import opencc

    return opencc.OpenCC(name)


def is_traditional(text: str) -> bool:
    """Whether the text holds characters that only Traditional Chinese uses (資, 發, 裝…)."""
    return bool(CJK.search(text)) and _converter("t2s").convert(text) != text


def normalise(text: str, *, traditional: bool | None = None) -> str:
    """Full-width Latin to ASCII and, for Traditional Chinese, Taiwan words to mainland ones.

    tw2sp turns 資料庫 into 数据库 and 小程式 into 小程序, but it also turns Simplified 程序 into
    进程, so it runs only on text written in Traditional characters (by default: this text's own).
    """
    text = text.translate(FULL_WIDTH).strip()
    if traditional is None:
        traditional = is_traditional(text)
    return _converter("tw2sp").convert(text) if traditional and CJK.search(text) else text


@lru_cache(maxsize=8192)
def word_pattern(word: str) -> re.Pattern[str]:
    """Chinese words match anywhere; English ones as whole words, with plural and verb endings.

    Short words written with capitals (PG, UI, Word) must match exactly, so 'word' is not Word.
    """
    escaped = re.escape(word.strip())
    if not word.isascii():
        return re.compile(escaped, re.IGNORECASE)
    exact = len(word) <= 4 and any(ch.isupper() for ch in word)
    ending = "(?:s|es|d|ed|ing)?" if word[-1].isalpha() else ""
    return re.compile(rf"(?<![A-Za-z0-9]){escaped}{ending}(?![A-Za-z0-9])", 0 if exact else re.IGNORECASE)


def mentions(text: str, words: Iterable[str]) -> bool:
    """Whether any of the words occurs in the text, matched as word_pattern says."""
    return any(word_pattern(word).search(text) for word in words)


def scan(text: str, lexicon: Iterable[tuple[str, Sequence[str]]]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, key) hits in text order; the longest word wins an overlap."""
    hits = [(m.start(), m.end(), key) for key, words in lexicon for word in words
            for m in word_pattern(word).finditer(text)]
    chosen: list[tuple[int, int, str]] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= c[0] or hit[0] >= c[1] for c in chosen):
            chosen.append(hit)
    return sorted(chosen)


def strip_leads(text: str, words: Iterable[str]) -> str:
    """Remove any of the words from the start of the text, again and again, longest first."""
    ordered = sorted(words, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for word in ordered:
            if word.isascii():
                match = re.match(rf"{re.escape(word)}(?![A-Za-z0-9])[\s,:]*", text, re.IGNORECASE)
                size = match.end() if match else 0
            else:
                size = len(word) if text.startswith(word) else 0
            if 0 < size < len(text):
                text, changed = text[size:].lstrip(TRIM), True
    return text


def sentences(text: str) -> list[str]:
    """The text's sentences (split at 。！？!?；; line breaks and full stops), without end marks."""
    parts = re.split(r"(?<=[。！？!?；;])|\n+|(?<=\.)\s+", text)
    return [part.strip(TRIM) for part in parts if part and part.strip(TRIM)]


def trim(text: str, limit: int) -> str:
    """At most limit characters, cut after a clause (，;:) or else a whole word, marked with …"""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    clause = max(cut.rfind(mark) for mark in "，,；;：:")
    if clause > limit // 2:
        cut = cut[:clause]
    elif " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(TRIM) + "…"


def number(word: str) -> int:
    """The value of 300, "1,000", "twenty" or 一百五十 / 两千 / 三万."""
    word = word.replace(",", "")
    if word.isdigit():
        return int(word)
    if word.lower() in EN_NUMBERS:
        return EN_NUMBERS[word.lower()]
    total = section = digit = 0
    for ch in word:
        if ch in ZH_DIGITS:
            digit = ZH_DIGITS[ch]
        elif ch == "万":
            total, section, digit = total + (section + digit) * 10_000, 0, 0
        else:
            section, digit = section + (digit or 1) * ZH_UNITS[ch], 0
    return total + section + digit


def detect_language(text: str, chinese_share: float, default: str) -> str:
    """zh_CN when Chinese characters are at least chinese_share of the letters; en; default if none."""
    chinese, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    if chinese + latin == 0:
        return default
    return "zh_CN" if chinese / (chinese + latin) >= chinese_share else "en"


def singular(word: str) -> str:
    """An English plural made singular: addresses → address, families → family, calls → call."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def base_verb(text: str) -> str:
    """'approves applications' → 'approve applications', after 'Staff' was taken off the front."""
    first, _, tail = text.partition(" ")
    if not first.isalpha() or not first.islower():
        return text
    return f"{singular(first)} {tail}".strip()


def indefinite_article(name: str) -> str:
    """'a' or 'an' for an English role name (a donor, an applicant)."""
    return "an" if name[:1].lower() in "aeiou" else "a"

"""The drafter's sentences: fills the drafting rules' sentence patterns in one language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.requests.intake.drafting.rules import DraftingRules
from app.requests.intake.drafting.wording import TRIM


class Writer:
    """Fills the rules' sentence patterns for one language: `write("key", **values)`."""

    def __init__(self, rules: DraftingRules, language: str) -> None:
        self.language, self.patterns = language, rules.phrasing[language]

    def __call__(self, key: str, **values: Any) -> str:
        return self.patterns[key].format(**values)

    def count(self, key: str, n: int, **values: Any) -> str:
        return self.patterns[key]["one" if n == 1 else "other"].format(n=n, **values)

    def join(self, items: Iterable[str], joiner: str = "list_joiner") -> str:
        return self.patterns[joiner].join(items)

    def sentences(self, items: Iterable[str]) -> str:
        """Each item as a sentence: capitalised in English, ended unless it already trails off (…)."""
        done = []
        for item in items:
            item = item.rstrip(TRIM)
            if self.language == "en" and item[:1].islower():
                item = item[0].upper() + item[1:]
            done.append(item if item.endswith("…") else item + self.patterns["sentence_end"])
        return self.patterns["sentence_joiner"].join(done)

    def pick(self, text: Mapping[str, str]) -> str:
        return text[self.language]

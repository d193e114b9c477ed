"""Cause areas: the list in requests/organizations/causes.json, their names, and checking a choice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

CAUSES_FILE = Path("requests") / "organizations" / "causes.json"


@dataclass(frozen=True)
class Cause:
    """One cause area: a stored slug and its names in both languages."""

    slug: str
    en: str
    zh: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


def causes() -> tuple[Cause, ...]:
    """The cause areas, in the order of CONTENT_DIR/requests/organizations/causes.json (read once per
    process)."""
    return _read_causes(str(Path(current_app.config["CONTENT_DIR"]) / CAUSES_FILE))


@lru_cache(maxsize=4)
def _read_causes(path: str) -> tuple[Cause, ...]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Cause(entry["slug"], entry["en"], entry["zh"]) for entry in document["causes"])


def cause_label(slug: str, locale: str) -> str:
    """The name of a cause area in `locale` ('en' or 'zh_CN'); an unknown slug is shown as it is."""
    for cause in causes():
        if cause.slug == slug:
            return cause.label(locale)
    return slug


def clean_causes(values: Any) -> tuple[list[str], str | None]:
    """Known slugs in the order given (names in either language are accepted), or an error sentence."""
    if not isinstance(values, list | tuple):
        return [], _("Choose at least one cause area.")
    by_word = {}
    for cause in causes():
        for word in (cause.slug, cause.en, cause.zh):
            by_word[word.casefold()] = cause.slug
    cleaned: list[str] = []
    for value in values:
        slug = by_word.get(str(value).strip().casefold())
        if slug is None:
            return [], _("“%(value)s” is not one of our cause areas. Choose from: %(choices)s.",
                         value=str(value)[:60], choices=", ".join(c.slug for c in causes()))
        if slug not in cleaned:
            cleaned.append(slug)
    if not cleaned:
        return [], _("Choose at least one cause area.")
    return cleaned, None

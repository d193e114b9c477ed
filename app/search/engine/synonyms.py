"""Synonym groups for reading queries: search/engine/synonyms.json plus every skill's names and synonyms.

Groups are phrases (any language) that should find each other; a skill's group also carries its
slug, so a query naming a skill finds the requests tagged with it. The table holds the phrases as
index terms (turned by the `terms` function `app.search.engine.parsing` passes in), looked up while a query
is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.models import Skill
from app.extensions import db

SYNONYMS_FILE = Path("search") / "engine" / "synonyms.json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynonymGroup:
    """Phrases that mean the same for search, and the skill they name (if they come from one).

    A query phrase found in `phrases` also finds the phrases of `expands_to` (all of `phrases`
    when None). A skill expands only to its names: its synonyms are looser ("Excel" for database
    design), so they lead to the skill but are not searched for in its place.
    """

    phrases: tuple[str, ...]
    skill: str | None = None
    expands_to: tuple[str, ...] | None = None

    @property
    def expansions(self) -> tuple[str, ...]:
        return self.phrases if self.expands_to is None else self.expands_to


class SynonymFileError(ValueError):
    """search/engine/synonyms.json is unreadable or not shaped as {"groups": [[phrase, ...], ...]}."""


_file_cache: dict[tuple[str, float], tuple[SynonymGroup, ...]] = {}


def file_groups() -> tuple[SynonymGroup, ...]:
    """The groups of CONTENT_DIR/search/synonyms.json (re-read when the file changes).

    Raises SynonymFileError naming the file when it is not valid; a missing file has no groups.
    """
    path = Path(current_app.config["CONTENT_DIR"]) / SYNONYMS_FILE
    if not path.is_file():
        return ()
    key = (str(path), path.stat().st_mtime)
    if key not in _file_cache:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SynonymFileError(f"{path}: {error}") from None
        groups = document.get("groups") if isinstance(document, dict) else None
        if not isinstance(groups, list) or not all(
                isinstance(group, list) and all(isinstance(p, str) for p in group) for group in groups):
            raise SynonymFileError(f'{path}: expected {{"groups": [["word", ...], ...]}}')
        _file_cache.clear()
        _file_cache[key] = tuple(SynonymGroup(tuple(p for p in group if p.strip())) for group in groups)
    return _file_cache[key]


# Skills change rarely (`flask skills sync`): their groups are read again when this process changed
# a skill, or after SKILLS_TTL seconds for changes made by another process.
SKILLS_TTL = 60.0
_skills_cache: dict[str, Any] = {"version": -1, "read_at": 0.0}
_skills_version = [0]


@sa.event.listens_for(Skill, "after_insert")
@sa.event.listens_for(Skill, "after_update")
@sa.event.listens_for(Skill, "after_delete")
def _skill_changed(*_args: Any) -> None:
    _skills_version[0] += 1


def skill_groups() -> tuple[tuple[SynonymGroup, ...], str]:
    """`read_skill_groups()`, cached (see SKILLS_TTL); the fingerprint says when they changed."""
    cache = _skills_cache
    if cache["version"] != _skills_version[0] or time.monotonic() - cache["read_at"] > SKILLS_TTL:
        version = _skills_version[0]
        cache["groups"], cache["fingerprint"] = read_skill_groups()
        cache["version"], cache["read_at"] = version, time.monotonic()
    return cache["groups"], cache["fingerprint"]


def read_skill_groups() -> tuple[tuple[SynonymGroup, ...], str]:
    """One group per skill in the database (slug words, both names, synonyms) and their fingerprint.

    Each expands to the skill's slug words and names only (see SynonymGroup).

    The fingerprint changes whenever any skill's words change, so callers can cache what they
    derive from the groups.
    """
    rows = db.session.execute(sa.select(Skill.slug, Skill.name_en, Skill.name_zh, Skill.synonyms)
                              .order_by(Skill.slug)).all()
    groups = tuple(SynonymGroup((slug.replace("-", " "), name_en, name_zh, *(synonyms or [])), skill=slug,
                                expands_to=(slug.replace("-", " "), name_en, name_zh))
                   for slug, name_en, name_zh, synonyms in rows)
    fingerprint = hashlib.sha256(repr(groups).encode()).hexdigest()
    return groups, fingerprint


Sequence = tuple[str, ...]


@dataclass
class SynonymEntry:
    """What a phrase found in a query leads to: other term sequences, and skills (by slug)."""

    sequences: set[Sequence] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)


class SynonymTable:
    """Index-term sequences that find each other, looked up by their first term.

    `terms` turns a phrase into index terms, the same way queries are read.
    """

    def __init__(self, groups: Iterable[SynonymGroup], terms: Callable[[str], list[str]]) -> None:
        self.entries: dict[Sequence, SynonymEntry] = {}
        for group in groups:
            expansions = {tuple(terms(phrase)) for phrase in group.expansions} - {()}
            for sequence in {tuple(terms(phrase)) for phrase in group.phrases} - {()}:
                entry = self.entries.setdefault(sequence, SynonymEntry())
                entry.sequences |= expansions
                if group.skill:
                    entry.skills.add(group.skill)
        self.by_first: dict[str, list[Sequence]] = {}
        for sequence in sorted(self.entries, key=len, reverse=True):
            self.by_first.setdefault(sequence[0], []).append(sequence)

    def longest_match(self, words: list[str], position: int) -> tuple[Sequence, SynonymEntry] | None:
        """The longest phrase of the table starting at `words[position]`, with its entry, or None."""
        for sequence in self.by_first.get(words[position], ()):
            if tuple(words[position:position + len(sequence)]) == sequence:
                return sequence, self.entries[sequence]
        return None


_table_cache: dict[str, Any] = {}
_table_lock = threading.Lock()


def current_table(terms: Callable[[str], list[str]]) -> SynonymTable:
    """The table for the current synonyms file and skills, rebuilt only when either changed.

    An unreadable synonyms file is logged and left out (searching goes on with the skills).
    """
    try:
        from_file = file_groups()
    except SynonymFileError:
        log.exception("search synonyms file unreadable: searching without its synonyms")
        from_file = ()
    from_skills, fingerprint = skill_groups()
    key = f"{id(from_file)}:{fingerprint}"
    with _table_lock:
        if _table_cache.get("key") != key:
            _table_cache["table"] = SynonymTable((*from_file, *from_skills), terms)
            _table_cache["key"] = key
        return _table_cache["table"]

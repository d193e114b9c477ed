"""A spec's sections in one canonical form, in the API's JSON shape, as text, and compared line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.cleaning import normalise_text
from app.requests.models import SpecVersion

# The spec sections of the API contract, in its order, by the kind of value each holds.
TEXT_SECTIONS = ("summary", "background", "effort_reasoning")
LIST_SECTIONS = ("users_and_roles", "data_entities", "user_stories", "acceptance_criteria",
                 "constraints", "open_questions")
NUMBER_SECTIONS = ("team_size", "effort_hours")
SECTIONS = ("summary", "background", "users_and_roles", "data_entities", "user_stories",
            "acceptance_criteria", "constraints", "skills", "team_size", "effort_hours",
            "effort_reasoning", "open_questions")
SECTION_LABELS = {
    "summary": _l("Summary"), "background": _l("Background"), "users_and_roles": _l("Users and roles"),
    "data_entities": _l("Data to keep"), "user_stories": _l("User stories"),
    "acceptance_criteria": _l("Acceptance criteria"), "constraints": _l("Constraints"),
    "skills": _l("Skills needed"), "team_size": _l("Team size"), "effort_hours": _l("Effort (hours)"),
    "effort_reasoning": _l("How the effort was estimated"), "open_questions": _l("Open questions"),
}
# Character-level highlighting compares every pair of characters: past this many pairs a changed
# line is simply marked changed as a whole.
INLINE_DIFF_LIMIT = 4_000_000
# Below this similarity a changed line is shown as rewritten, not as a confetti of small matches.
INLINE_DIFF_MIN_RATIO = 0.3


def clean_lines(value: Any) -> list[str]:
    """A list section as clean items: one line each (so the one-per-line form reads it back), no blanks."""
    if isinstance(value, str):
        value = value.splitlines()
    items = []
    for item in value or []:
        item = " ".join(part.strip() for part in str(item).splitlines() if part.strip())
        if item:
            items.append(item)
    return items


def canonical_content(content: dict[str, Any]) -> dict[str, Any]:
    """The contract's sections of a spec in one canonical form, so equal specs compare equal.

    Text is trimmed with plain line endings, lists hold one-line items without blanks, skills are
    sorted unique slugs, and numbers stay as they are (None when missing). Other keys are dropped.
    """
    out: dict[str, Any] = {name: normalise_text(content.get(name)) for name in TEXT_SECTIONS}
    out.update({name: clean_lines(content.get(name)) for name in LIST_SECTIONS})
    out["skills"] = sorted({str(slug).strip() for slug in content.get("skills") or [] if str(slug).strip()})
    out.update({name: content.get(name) for name in NUMBER_SECTIONS})
    return {name: out[name] for name in SECTIONS}


def spec_json(spec: SpecVersion) -> dict[str, Any]:
    """A spec version in the API contract's shape (canonical: trimmed text, one-line items, sorted skills).

    The spec endpoints answer with it, and so does a help request's `spec` field.
    """
    content = canonical_content(spec.content)
    return {"version": spec.version, **{name: content[name] for name in SECTIONS}}


def spec_lines(content: dict[str, Any]) -> list[str]:
    """The text rendering of a spec: each section under its heading, list items one per line."""
    content = canonical_content(content)
    lines: list[str] = []
    for name in SECTIONS:
        lines.append(f"## {SECTION_LABELS[name]}")
        value = content[name]
        if name in LIST_SECTIONS or name == "skills":
            lines.extend(f"- {item}" for item in value)
        elif name in TEXT_SECTIONS:
            lines.extend(value.split("\n") if value else [])
        elif value is not None:
            lines.append(str(value))
        lines.append("")
    return lines


Segments = tuple[tuple[str, bool], ...]  # (text, changed) pieces of one line


@dataclass(frozen=True)
class DiffLine:
    number: int
    segments: Segments


@dataclass(frozen=True)
class DiffRow:
    """A row of a diff table: `kind` is equal, delete, insert or replace; a missing side is None."""

    kind: str
    old: DiffLine | None
    new: DiffLine | None


def _whole(text: str, changed: bool) -> Segments:
    return ((text, changed),) if text else ()


def _changed_parts(old: str, new: str) -> tuple[Segments, Segments]:
    """The two lines cut into unchanged and changed pieces (by character: Chinese has no spaces)."""
    if len(old) * len(new) > INLINE_DIFF_LIMIT:
        return _whole(old, True), _whole(new, True)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < INLINE_DIFF_MIN_RATIO:
        return _whole(old, True), _whole(new, True)
    old_parts: list[tuple[str, bool]] = []
    new_parts: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(old_parts, old[i1:i2], tag != "equal")
        _append(new_parts, new[j1:j2], tag != "equal")
    return tuple(old_parts), tuple(new_parts)


def _append(parts: list[tuple[str, bool]], text: str, changed: bool) -> None:
    """Add a piece, joined to the previous one when both are changed or both unchanged."""
    if not text:
        return
    if parts and parts[-1][1] == changed:
        parts[-1] = (parts[-1][0] + text, changed)
    else:
        parts.append((text, changed))


def diff_lines(old_lines: list[str], new_lines: list[str]) -> tuple[list[DiffRow], list[DiffRow]]:
    """Side-by-side and inline rows for two texts; changed lines carry their changed pieces.

    Inline rows list a changed block's removed lines before its added ones, as unified diffs do.
    """
    side: list[DiffRow] = []
    inline: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                row = DiffRow("equal", DiffLine(i + 1, _whole(old_lines[i], False)),
                              DiffLine(j + 1, _whole(new_lines[j], False)))
                side.append(row)
                inline.append(row)
            continue
        removed, added = [], []
        for i, j in zip_longest(range(i1, i2), range(j1, j2)):
            if i is not None and j is not None:
                old_parts, new_parts = _changed_parts(old_lines[i], new_lines[j])
                old, new = DiffLine(i + 1, old_parts), DiffLine(j + 1, new_parts)
                side.append(DiffRow("replace", old, new))
            else:
                old = DiffLine(i + 1, _whole(old_lines[i], True)) if i is not None else None
                new = DiffLine(j + 1, _whole(new_lines[j], True)) if j is not None else None
                side.append(DiffRow("delete" if new is None else "insert", old, new))
            if old is not None:
                removed.append(DiffRow("delete", old, None))
            if new is not None:
                added.append(DiffRow("insert", None, new))
        inline.extend(removed + added)
    return side, inline

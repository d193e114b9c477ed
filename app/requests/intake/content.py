"""The intake question set and the drafting rules under CONTENT_DIR: read, checked together, cached."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from app.core.taxonomy import TaxonomyError, load_taxonomy
from app.requests.intake import content_checks as check
from app.requests.intake.content_checks import LANGUAGES, REQUEST_FIELDS, ContentError, Text
from app.requests.intake.drafting.rules import DRAFTING_DIR, TAXONOMY_FILE, DraftingRules, read_drafting_rules

__all__ = ["LANGUAGES", "REQUEST_FIELDS", "ContentError", "IntakeContent", "IntakeQuestion", "forget_content",
           "intake_content", "read_content"]

QUESTION_KINDS = ("text", "textarea", "list", "choice", "checklist", "date")
QUESTIONS_FILE = "requests/intake/questions.json"


@dataclass(frozen=True)
class IntakeQuestion:
    """One step of the guided intake: a plain-language question about one request field."""

    key: str
    step: int
    kind: str
    required: bool
    max_length: int | None
    question: Text
    help: Text
    example: dict[str, Any]  # a string per language, or a list of strings for list questions
    options: tuple[tuple[str, Text], ...]  # (value, label) pairs for choice and checklist questions


@dataclass(frozen=True)
class IntakeContent:
    """The question set, the drafting rules and the skills taxonomy, checked against each other."""

    questions: tuple[IntakeQuestion, ...]
    rules: DraftingRules
    taxonomy: tuple[dict[str, Any], ...]


def _question(entry: Any) -> IntakeQuestion:
    key, kind = check.string(entry, "key"), check.string(entry, "kind")
    if key not in REQUEST_FIELDS:
        raise check.BadValue(f"'key' must be one of the request fields ({', '.join(REQUEST_FIELDS)})")
    if kind not in QUESTION_KINDS:
        raise check.BadValue(f"'kind' must be one of {', '.join(QUESTION_KINDS)}")
    example = check.get(entry, "example")
    for language in LANGUAGES:
        if kind == "list":
            check.words(example, language)
        else:
            check.string(example, language)
    options = tuple((check.string(o, "value"), check.texts(o, "label")) for o in entry.get("options", []))
    if (kind in ("choice", "checklist")) != bool(options):
        raise check.BadValue("choice and checklist questions need 'options'; other kinds take none")
    required = check.get(entry, "required")
    if not isinstance(required, bool):
        raise check.BadValue("'required' must be true or false")
    max_length = check.whole_number(entry, "max_length", 1, 20_000) if "max_length" in entry else None
    return IntakeQuestion(key, check.whole_number(entry, "step", 1, 50), kind, required, max_length,
                          check.texts(entry, "question"), check.texts(entry, "help"),
                          {language: example[language] for language in LANGUAGES}, options)


def _questions(root: Path, rules: DraftingRules) -> tuple[IntakeQuestion, ...]:
    document = check.read_json(root, QUESTIONS_FILE)
    questions = check.entries(QUESTIONS_FILE, document, "questions", "question", _question)
    missing = [key for key in REQUEST_FIELDS if key not in {q.key for q in questions}]
    if missing:
        raise ContentError(f"{QUESTIONS_FILE}: no question asks for {missing[0]!r}")
    if len({q.step for q in questions}) != len(questions):
        raise ContentError(f"{QUESTIONS_FILE}: two questions share a step number")
    # The drafter must understand every option a nonprofit can tick.
    known = {"constraints": ({c.id for c in rules.constraints}, "constraints.json"),
             "rhythm": ({r.id for r in rules.rhythms}, "constraints.json (rhythms)")}
    for number, question in enumerate(questions, start=1):
        ids, where = known.get(question.key, (None, ""))
        for value, _label in question.options if ids is not None else ():
            if value not in ids:
                raise ContentError(f"{QUESTIONS_FILE}: question #{number} ({question.key!r}): option "
                                   f"{value!r} has no entry with that id in {DRAFTING_DIR}/{where}")
    return tuple(sorted(questions, key=lambda q: q.step))


def read_content(content_dir: str | Path) -> IntakeContent:
    """Read and check the question set, the drafting rules and the skills taxonomy under content_dir.

    Needs no app context. Raises ContentError naming the file and the entry (its number and id)
    when a file is missing, is not JSON, breaks a rule, or refers to a skill, role, constraint or
    rhythm that does not exist.
    """
    root = Path(content_dir)
    try:
        taxonomy = tuple(load_taxonomy(root / TAXONOMY_FILE))
    except TaxonomyError as error:
        raise ContentError(f"{TAXONOMY_FILE}: {error}") from None
    rules = read_drafting_rules(root, taxonomy)
    return IntakeContent(_questions(root, rules), rules, taxonomy)


@lru_cache(maxsize=4)
def _cached(content_dir: str) -> IntakeContent:
    return read_content(content_dir)


def intake_content(content_dir: str | Path | None = None) -> IntakeContent:
    """The checked content for content_dir (default: the app's CONTENT_DIR), read once per process.

    Raises ContentError as read_content does; call forget_content() after editing the files.
    """
    if content_dir is None:
        content_dir = current_app.config["CONTENT_DIR"]
    return _cached(str(Path(content_dir).resolve()))


def forget_content() -> None:
    """Drop the cached content so the next intake_content() call reads the files again."""
    _cached.cache_clear()

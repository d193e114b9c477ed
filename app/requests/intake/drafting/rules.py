"""The spec drafter's rules from requests/intake/drafting/: one checked reader per file, typed values out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.requests.intake import content_checks as check
from app.requests.intake.content_checks import LANGUAGES, REQUEST_FIELDS, Text, Words

DRAFTING_DIR = "requests/intake/drafting"
TAXONOMY_FILE = "volunteers/skills.json"

# Every sentence pattern the drafter fills in, with the placeholders it may use. A pattern given as
# {"one": ..., "other": ...} is picked by count.
PHRASES: dict[str, set[str]] = {
    "untitled": set(), "summary": {"title", "problem"}, "summary_users": {"roles"},
    "summary_size": {"engineers", "hours"}, "background_problem": {"text"},
    "background_process": {"text"}, "background_missing": set(), "list_joiner": set(),
    "parts_joiner": set(), "sentence_end": set(), "sentence_joiner": set(),
    "role_with_count": {"role", "count", "unit"}, "default_unit": set(), "number_grouping": set(),
    "story": {"role", "item", "article"}, "acceptance_story": {"role", "item", "article", "article_cap"},
    "acceptance_story_public": {"role", "item", "article", "article_cap"},
    "entity": {"name", "english"}, "rhythm": {"rhythm"}, "rhythm_as_written": {"text"},
    "deadline": {"date"}, "no_deadline": set(), "constraint_note": {"text"},
    "times_hours": {"what", "hours"}, "base_hours": {"hours"}, "adjustment": {"label", "percent"},
    "reasoning": {"parts", "adjustments", "hours"}, "reasoning_no_adjustment": {"parts", "hours"},
    "reasoning_team": {"per_week", "engineers", "weeks"},
}
COUNTED_PHRASES: dict[str, set[str]] = {
    "count_story": {"n"}, "count_entity": {"n"}, "count_role": {"n"}, "count_integration": {"n", "names"},
    "count_engineer": {"n"},
}


@dataclass(frozen=True)
class Role:
    """A kind of person who uses the tool; signs_in is False for people without an account."""

    id: str
    name: Text
    words: Words
    signs_in: bool
    unit: dict[str, str]


@dataclass(frozen=True)
class Entry:
    """A lexicon entry: an id, its name in both languages and the words that point to it."""

    id: str
    name: Text
    words: Words


@dataclass(frozen=True)
class Constraint:
    """A recognised constraint: the words that reveal it and what it adds to the spec."""

    id: str
    words: Words
    words_elsewhere: Words
    requirement: Text
    acceptance: Text
    skills: Words
    effort_percent: int
    effort_label: Text | None
    implied_by_sensitive_data: bool
    answers_hosting: bool


@dataclass(frozen=True)
class Integration:
    """An outside service the work plugs into (maps, payments…), found through the skills it needs."""

    id: str
    name: Text
    skills: Words
    hours: int
    question: Text | None


@dataclass(frozen=True)
class FieldCheck:
    """The shortest acceptable answer to one question, and what to ask when it is shorter."""

    field: str
    min_chars: dict[str, int]
    question: Text


@dataclass(frozen=True)
class DraftingRules:
    """Everything in requests/intake/drafting/, checked; the drafter only interprets it."""

    chinese_share: float
    default_language: str
    sentence_chars: dict[str, int]
    summary_chars: dict[str, int]
    sentences_per_section: int
    phrasing: dict[str, dict[str, Any]]
    roles: tuple[Role, ...]
    default_role: str
    fallback_roles: Words
    subject_lead_ins: Words
    modal_words: Words
    item_lead_ins: Words
    action_hints: tuple[tuple[Words, Words], ...]  # (words, candidate role ids in order)
    count_classifiers: Words
    classifiers_shown: Words
    separators: Words
    entity_lead_ins: Words
    entity_suffixes: Words
    not_entities: Words
    new_entity_chars: dict[str, int]
    entities: tuple[Entry, ...]
    ignored_synonyms: Words
    skill_keywords: tuple[tuple[str, Words], ...]
    base_skills: tuple[tuple[Words, Words], ...]  # (slugs to add, unless any of these was found)
    constraints: tuple[Constraint, ...]
    rhythms: tuple[Entry, ...]
    no_deadline_words: Words
    effort: dict[str, int]
    team_size: tuple[tuple[int, int], ...]  # (from_hours, size), ascending
    integrations: tuple[Integration, ...]
    field_checks: tuple[FieldCheck, ...]
    vague_words: Words
    hosting_words: Words
    sensitive_data: tuple[Entry, ...]
    must_do_item_chars: dict[str, int]
    questions: dict[str, Text]  # fixed open questions: must_do_missing, must_do_item_vague, user_count…


def _phrasing(document: Any) -> dict[str, dict[str, Any]]:
    phrasing = check.get(document, "phrasing")
    checked: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        patterns = check.get(phrasing, language)
        own: dict[str, Any] = {}
        for key, allowed in PHRASES.items():
            pattern = check.get(patterns, key)
            if not isinstance(pattern, str):
                raise check.BadValue(f"phrasing {language}.{key} must be a string")
            own[key] = check.placeholders(f"phrasing {language}.{key}", pattern, allowed)
        for key, allowed in COUNTED_PHRASES.items():
            forms = check.get(patterns, key)
            own[key] = {form: check.placeholders(f"phrasing {language}.{key}.{form}",
                                                 check.string(forms, form), allowed)
                        for form in ("one", "other")}
        checked[language] = own
    return checked


def _language_rules(root: Path) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/language.json"
    document = check.read_json(root, file)

    def build() -> dict[str, Any]:
        detection, sentences = check.get(document, "detection"), check.get(document, "sentences")
        share = check.get(detection, "chinese_share")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
            raise check.BadValue("detection.chinese_share must be a number between 0 and 1")
        default = check.string(detection, "default")
        if default not in LANGUAGES:
            raise check.BadValue(f"detection.default must be one of {', '.join(LANGUAGES)}")
        return {"chinese_share": float(share), "default_language": default,
                "sentence_chars": check.per_language(sentences, "max_chars"),
                "summary_chars": check.per_language(sentences, "summary_chars"),
                "sentences_per_section": check.whole_number(sentences, "per_section", 1, 10),
                "phrasing": _phrasing(document)}
    return check.file_level(file, build)


def _entry(entry: Any, name: str = "name") -> Entry:
    return Entry(check.string(entry, "id"), check.texts(entry, name), check.words(entry, "words"))


def _units(entry: Any) -> dict[str, str]:
    units = entry.get("unit", {})
    valid = isinstance(units, dict) and all(k in LANGUAGES and isinstance(v, str) for k, v in units.items())
    if not valid:
        raise check.BadValue("'unit' must be an object of texts keyed by language")
    return dict(units)


def _role_rules(root: Path) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/roles.json"
    document = check.read_json(root, file)

    def role(entry: Any) -> Role:
        return Role(check.string(entry, "id"), check.texts(entry, "name"), check.words(entry, "words"),
                    check.flag(entry, "signs_in", default=True), _units(entry))

    roles = check.entries(file, document, "roles", "role", role)
    ids = {r.id for r in roles}
    hints = check.entries(
        file, document, "action_hints", "action hint",
        lambda e: (check.words(e, "words"), check.known(e, "roles", ids, "role id", may_be_empty=False)))

    def build() -> dict[str, Any]:
        default = check.string(document, "default_role")
        if default not in ids:
            raise check.BadValue(f"default_role {default!r} is not one of the roles")
        return {"roles": roles, "action_hints": hints, "default_role": default,
                "fallback_roles": check.known(document, "fallback_order", ids, "role id"),
                "subject_lead_ins": check.words(document, "subject_lead_ins"),
                "modal_words": check.words(document, "modal_words"),
                "item_lead_ins": check.words(document, "item_lead_ins"),
                "count_classifiers": check.words(document, "count_classifiers"),
                "classifiers_shown": check.words(document, "classifiers_shown", may_be_empty=True)}
    return check.file_level(file, build)


def _entity_rules(root: Path) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/entities.json"
    document = check.read_json(root, file)
    entities = check.entries(file, document, "entities", "entity", _entry)
    return check.file_level(file, lambda: {
        "entities": entities, "separators": check.words(document, "separators", spaces=True),
        "entity_lead_ins": check.words(document, "lead_ins"),
        "entity_suffixes": check.words(document, "suffixes"),
        "not_entities": check.words(document, "not_entities"),
        "new_entity_chars": check.per_language(document, "max_new_entity_chars")})


def _skill_rules(root: Path, taxonomy: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/skill_keywords.json"
    document = check.read_json(root, file)
    slugs = {skill["slug"] for skill in taxonomy}
    synonyms = {check.fold(word) for skill in taxonomy for word in skill["synonyms"]}

    def keyword_list(entry: Any) -> tuple[str, Words]:
        slug = check.string(entry, "skill")
        if slug not in slugs:
            raise check.BadValue(f"'skill' names {slug!r}, which is not a known skill slug")
        return slug, check.words(entry, "words")

    keywords = check.entries(file, document, "keywords", "keyword list", keyword_list)

    def build() -> dict[str, Any]:
        ignored = check.words(document, "ignored_synonyms", may_be_empty=True)
        for word in ignored:
            if check.fold(word) not in synonyms:
                raise check.BadValue(
                    f"ignored_synonyms lists {word!r}, which is no skill's synonym in {TAXONOMY_FILE}")
        return {"ignored_synonyms": ignored, "skill_keywords": keywords, "base_skills": base}

    base = check.entries(file, document, "base_skills", "base skill rule",
                         lambda e: (check.known(e, "add", slugs, "skill slug", may_be_empty=False),
                                    check.known(e, "unless_any_of", slugs, "skill slug")))
    return check.file_level(file, build)


def _constraint_rules(root: Path, slugs: set[str]) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/constraints.json"
    document = check.read_json(root, file)

    def constraint(entry: Any) -> Constraint:
        effort = entry.get("effort") if isinstance(entry, dict) else None
        implied = check.flag(entry, "implied_by_sensitive_data")
        hosting = check.flag(entry, "answers_hosting")
        return Constraint(
            check.string(entry, "id"), check.words(entry, "words"),
            check.words(entry, "words_elsewhere", may_be_empty=True),
            check.texts(entry, "requirement"), check.texts(entry, "acceptance"),
            check.known(entry, "skills", slugs, "skill slug"),
            check.whole_number(effort, "percent", 0, 200) if effort is not None else 0,
            check.texts(effort, "label") if effort is not None else None, implied, hosting)

    constraints = check.entries(file, document, "constraints", "constraint", constraint)
    rhythms = check.entries(file, document, "rhythms", "rhythm", lambda e: _entry(e, name="phrase"))
    return check.file_level(file, lambda: {"constraints": constraints, "rhythms": rhythms,
                                           "no_deadline_words": check.words(document, "no_deadline_words")})


def _effort_rules(root: Path, slugs: set[str]) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/effort.json"
    document = check.read_json(root, file)

    def integration(entry: Any) -> Integration:
        question = check.texts(entry, "question") if isinstance(entry, dict) and "question" in entry else None
        return Integration(check.string(entry, "id"), check.texts(entry, "name"),
                           check.known(entry, "skills", slugs, "skill slug", may_be_empty=False),
                           check.whole_number(entry, "hours", 1, 1000), question)

    integrations = check.entries(file, document, "integrations", "integration", integration)
    steps = check.entries(
        file, document, "team_size", "team size step",
        lambda e: (check.whole_number(e, "from_hours", 0, 100_000), check.whole_number(e, "size", 1, 4)))

    def build() -> dict[str, Any]:
        if steps[0][0] != 0 or [s[0] for s in steps] != sorted({s[0] for s in steps}):
            raise check.BadValue("team_size steps must start at from_hours 0 and rise")
        keys = ("hours_per_story", "hours_per_entity", "hours_per_role", "base_hours", "minimum_hours",
                "round_to_hours", "hours_per_engineer_per_week")
        effort = {key: check.whole_number(document, key, 0, 1000) for key in keys}
        for key in ("round_to_hours", "hours_per_engineer_per_week"):
            check.whole_number(document, key, 1, 1000)
        return {"effort": effort, "team_size": steps, "integrations": integrations}
    return check.file_level(file, build)


def _question_rules(root: Path) -> dict[str, Any]:
    file = f"{DRAFTING_DIR}/open_questions.json"
    document = check.read_json(root, file)

    def field_check(entry: Any) -> FieldCheck:
        field = check.string(entry, "field")
        if field not in REQUEST_FIELDS:
            raise check.BadValue(f"'field' must be one of the request fields ({', '.join(REQUEST_FIELDS)})")
        return FieldCheck(field, check.per_language(entry, "min_chars"), check.texts(entry, "question"))

    checks = check.entries(file, document, "fields", "field check", field_check)
    sensitive = check.entries(file, document, "sensitive_data", "sensitive data kind", _entry)

    def build() -> dict[str, Any]:
        fixed = ("must_do_missing", "user_count", "hosting", "rhythm", "deadline")
        questions = {key: check.texts(document, key) for key in fixed}
        questions["must_do_item_vague"] = {
            language: check.placeholders(f"must_do_item_vague.{language}", text, {"item"})
            for language, text in check.texts(document, "must_do_item_vague").items()}
        questions["privacy"] = {language: check.placeholders(f"privacy.{language}", text, {"kinds"})
                                for language, text in check.texts(document, "privacy").items()}
        return {"field_checks": checks, "sensitive_data": sensitive, "questions": questions,
                "vague_words": check.words(document, "vague_words"),
                "hosting_words": check.words(document, "hosting_words"),
                "must_do_item_chars": check.per_language(document, "must_do_item_min_chars")}
    return check.file_level(file, build)


def read_drafting_rules(root: Path, taxonomy: tuple[dict[str, Any], ...]) -> DraftingRules:
    """Read and check every file in root/requests/intake/drafting/, against the given skills taxonomy.

    Raises ContentError naming the file and the entry when a file is missing, is not JSON, breaks
    a rule, or names a skill, role or placeholder that does not exist.
    """
    slugs = {skill["slug"] for skill in taxonomy}
    return DraftingRules(
        **_language_rules(root), **_role_rules(root), **_entity_rules(root),
        **_skill_rules(root, taxonomy), **_constraint_rules(root, slugs), **_effort_rules(root, slugs),
        **_question_rules(root))

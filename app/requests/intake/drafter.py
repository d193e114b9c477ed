"""The spec drafter: a nonprofit's intake answers in, an engineer-readable spec out, by rules held in data."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from app.requests.intake.drafting_rules import Constraint, DraftingRules, Entry, Integration, Role
from app.requests.intake.wording import (
    ANY_COUNT,
    CJK,
    LATIN,
    NUMBER,
    TRIM,
    base_verb,
    detect_language,
    indefinite_article,
    is_traditional,
    mentions,
    normalise,
    number,
    scan,
    sentences,
    singular,
    strip_leads,
    trim,
    word_pattern,
)

SPEC_FIELDS = ("summary", "background", "users_and_roles", "data_entities", "user_stories",
               "acceptance_criteria", "constraints", "skills", "team_size", "effort_hours",
               "effort_reasoning", "open_questions")
TEXT_FIELDS = ("title", "problem", "current_process", "users", "data_kept", "rhythm", "constraints")
SNAKE_CASE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
BULLET = re.compile(r"^\s*(?:[-*•·]|\d+\s*[.、)）]|[（(]\d+[)）])\s*")



@dataclass(frozen=True)
class IntakeAnswers:
    """A nonprofit's answers to the intake questions, as the API contract names them."""

    title: str = ""
    problem: str = ""
    current_process: str = ""
    users: str = ""
    data_kept: str = ""
    must_do: tuple[str, ...] = ()
    rhythm: str = ""
    constraints: str = ""
    constraint_options: tuple[str, ...] = ()  # the checklist values ticked in the intake form
    deadline: str = ""

    @classmethod
    def from_mapping(cls, answers: Mapping[str, Any]) -> IntakeAnswers:
        """Answers from a JSON body or a saved draft; missing or null fields become empty.

        `must_do` may be a list or one text with an item per line; `constraints` may be a text or a
        list mixing ticked checklist values (snake_case ids) and free text.
        """
        def text(value: Any) -> str:
            return "" if value is None else str(value).strip()

        must_do = answers.get("must_do") or ()
        if isinstance(must_do, str):
            must_do = must_do.splitlines()
        raw = answers.get("constraints") or ()
        items = [raw] if isinstance(raw, str) else [text(item) for item in raw]
        options = [*(answers.get("constraint_options") or ()), *(i for i in items if SNAKE_CASE.match(i))]
        return cls(**{key: text(answers.get(key)) for key in TEXT_FIELDS if key != "constraints"},
                   must_do=tuple(text(item) for item in must_do if text(item)),
                   constraints="\n".join(i for i in items if i and not SNAKE_CASE.match(i)),
                   constraint_options=tuple(options), deadline=text(answers.get("deadline")))


@dataclass
class DraftedSpec:
    """The drafted spec: the API contract's sections, plus its language and each open question's topic."""

    language: str
    summary: str
    background: str
    users_and_roles: list[str]
    data_entities: list[str]
    user_stories: list[str]
    acceptance_criteria: list[str]
    constraints: list[str]
    skills: list[str]
    team_size: int
    effort_hours: int
    effort_reasoning: str
    open_questions: list[str]
    open_question_topics: list[str]

    def as_spec(self) -> dict[str, Any]:
        """The contract's spec sections only (no version), ready to store as a spec version's content."""
        values = asdict(self)
        return {key: values[key] for key in SPEC_FIELDS}


class _Writer:
    """Fills the rules' sentence patterns for one language."""

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


# --- users and roles ------------------------------------------------------------------------------

def _role_lexicon(rules: DraftingRules) -> list[tuple[str, Sequence[str]]]:
    return [(role.id, role.words) for role in rules.roles]


def _people(text: str, rules: DraftingRules) -> list[tuple[int, int, str]]:
    """The roles named in a text, in order. In "volunteer doctors" or "市民志愿者" the first word only
    describes the second, so the pair counts once, as the second."""
    hits = scan(text, _role_lexicon(rules))
    merged: list[tuple[int, int, str]] = []
    for hit in hits:
        if merged and not text[merged[-1][1]:hit[0]].strip():
            hit = (merged.pop()[0], hit[1], hit[2])
        merged.append(hit)
    return merged


@lru_cache(maxsize=8)
def _count_patterns(classifiers: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A number just before a role (20 staff, 约300名社区志愿者) or just after it (志愿者约30人, staff: 4)."""
    classifier = "|".join(re.escape(c) for c in classifiers)
    modifier = r"(?:\s*(?:(?![和及与])[\u4e00-\u9fff]){0,4}|\s+(?:[A-Za-z][A-Za-z-]*\s+){0,2})"
    before = re.compile(rf"(?<![\d几])(?P<n>{NUMBER})\s*(?:多|余|来|几)?\s*(?P<c>{classifier})?{modifier}$",
                        re.IGNORECASE)
    after = re.compile(rf"^\s*(?:(?:[:：(（]\s*)(?:约|大约|about|around|~)?\s*(?P<a>{NUMBER})"
                       rf"|(?:约|大约|大概|有|共)?\s*(?P<b>{NUMBER})\s*(?:多|余|来)?\s*(?P<c>{classifier}))",
                       re.IGNORECASE)
    return before, after


def _role_counts(users: str, rules: DraftingRules) -> list[tuple[str, int | None, str | None]]:
    """Each role the users answer lists, in order, with the number given beside it and its measure word.

    Words in brackets only describe ("50名志愿者（多是退休老人）"), so roles named there are not listed.
    """
    before, after = _count_patterns(rules.count_classifiers)
    outside = re.sub(r"[(（][^()（）]*[)）]", lambda m: " " * len(m.group()), users)
    hits = _people(outside, rules)
    found: dict[str, tuple[int | None, str | None]] = {}
    for index, (start, end, role_id) in enumerate(hits):
        previous_end = hits[index - 1][1] if index else 0
        next_start = hits[index + 1][0] if index + 1 < len(hits) else len(users)
        match = before.search(users[previous_end:start]) or after.search(users[end:next_start])
        count = None
        if match:
            count = number(match.group("n") if match.re is before else match.group("a") or match.group("b"))
        if found.get(role_id, (None, None))[0] is None:
            found[role_id] = (count, match.group("c") if match else None)
    return [(role_id, count, unit) for role_id, (count, unit) in found.items()]


def _subject_role(item: str, rules: DraftingRules, known: list[str]) -> tuple[str, str, bool]:
    """Who does a 'must do' item, and the item without its subject: (role id, rest, subject removed)."""
    rest = strip_leads(item, (*rules.subject_lead_ins, *rules.item_lead_ins))
    hits = _people(rest, rules)
    if hits and hits[0][0] == 0:  # "志愿者上传…", "Volunteers log…": the item starts with its doer
        stripped = strip_leads(rest[hits[0][1]:].lstrip(TRIM), (*rules.modal_words, *rules.item_lead_ins))
        return hits[0][2], stripped or rest, bool(stripped)
    for _start, end, role_id in hits:  # "…捐赠人可以查看…", "…donors can see…"
        if any(word_pattern(modal).match(rest[end:].lstrip()) for modal in rules.modal_words):
            return role_id, rest, False
    # An action word counts only before the first person named: in "提醒志愿者配送", 配送 is theirs.
    action = rest[:hits[0][0]] if hits else rest
    for words, candidates in rules.action_hints:
        if mentions(action, words):
            return next((r for r in candidates if r in known), candidates[0]), rest, False
    fallback = next((r for r in rules.fallback_roles if r in known), None)
    signing_in = [r.id for r in rules.roles if r.signs_in and r.id in known]
    return fallback or (signing_in[0] if signing_in else rules.default_role), rest, False


def _stories(answers: IntakeAnswers, rules: DraftingRules, known: list[str]) -> list[tuple[Role, str]]:
    """One (role, item text) per 'must do' item, the item reworded to follow "I can"."""
    roles = {role.id: role for role in rules.roles}
    stories = []
    for raw in answers.must_do:
        item = BULLET.sub("", raw).strip(TRIM)
        if not item:
            continue
        role_id, rest, subject_removed = _subject_role(item, rules, known)
        if subject_removed and rest.isascii():
            rest = base_verb(rest)
        if rest[:2].isascii() and rest[:1].isupper() and rest[1:2].islower():
            rest = rest[0].lower() + rest[1:]  # "Log visits" reads "I can log visits"
        stories.append((roles[role_id], rest))
    return stories


def _role_lines(counts: list[tuple[str, int | None, str | None]], ordered: list[str],
                rules: DraftingRules, write: _Writer) -> list[str]:
    roles, given = {role.id: role for role in rules.roles}, {c[0]: c[1:] for c in counts}
    lines = []
    for role_id in ordered:
        role, (count, classifier) = roles[role_id], given.get(role_id, (None, None))
        name = write.pick(role.name)
        if write.language == "en":
            name = name[0].upper() + name[1:]
        if count:
            shown = classifier if classifier in rules.classifiers_shown else None
            unit = shown or role.unit.get(write.language) or write("default_unit")
            number = f"{count:,}".replace(",", write("number_grouping"))
            name = write("role_with_count", role=name, count=number, unit=unit)
        lines.append(name)
    return lines


# --- data entities --------------------------------------------------------------------------------

def _new_entity(piece: str, rules: DraftingRules, language: str) -> str | None:
    """A piece of the answer no lexicon entry knows, as an entity name, or None if it is no entity."""
    details = [word.casefold() for word in rules.not_entities]
    if "的" in piece:  # "项目点的电话": the part before 的 is the thing, the rest its detail
        head, _, tail = piece.rpartition("的")
        piece = head if tail.casefold() in details or not tail else piece
    changed = True
    while changed:
        changed = False
        for suffix in sorted(rules.entity_suffixes, key=len, reverse=True):
            if piece.casefold().endswith(suffix.casefold()) and len(piece) > len(suffix):
                piece, changed = piece[:-len(suffix)].strip(TRIM + "的"), True
    folded = piece.casefold()
    # A detail on its own ("电话"), or ending one ("紧急联系电话", "home addresses"), is no entity.
    if not piece or any(folded == d or folded.endswith(d if not d.isascii() else " " + d) for d in details):
        return None
    if len(piece) > rules.new_entity_chars[language] or not (CJK.search(piece) or LATIN.search(piece)):
        return None
    if piece.isascii():
        words = piece.split()
        # The head noun is the one before "for"/"of" ("calls for help"), else the last one.
        head = next((i - 1 for i, w in enumerate(words) if i and w.lower() in ("for", "of")), len(words) - 1)
        words[head] = singular(words[head])
        piece = " ".join(words)
        piece = piece[0].upper() + piece[1:]
    return piece


def _entities(data_kept: str, rules: DraftingRules, write: _Writer) -> list[str]:
    """The data entities in the 'information you keep' answer, through the entity lexicon, deduplicated."""
    separators = "|".join(re.escape(s) for s in sorted(rules.separators, key=len, reverse=True))
    lexicon = [(entry.id, entry.words) for entry in rules.entities]
    names = {entry.id: entry.name for entry in rules.entities}
    found: dict[str, str] = {}
    for raw in re.split(separators, data_kept, flags=re.IGNORECASE):
        piece = strip_leads(raw.strip(TRIM), rules.entity_lead_ins).strip(TRIM)
        hits = scan(piece, lexicon)
        for _start, _end, entity_id in hits:
            name = names[entity_id]
            found.setdefault(entity_id, write("entity", name=write.pick(name), english=name["en"]))
        new = None if hits or not piece else _new_entity(piece, rules, write.language)
        if new:
            found.setdefault(new.casefold(), new)
    return list(found.values())


# --- constraints, skills, effort ------------------------------------------------------------------

def _constraints(answers: IntakeAnswers, everything: str, rules: DraftingRules,
                 sensitive: list[Entry]) -> tuple[list[Constraint], bool]:
    """The constraints that apply, in rule order, and whether the nonprofit itself spoke of privacy."""
    stated = [c for c in rules.constraints
              if c.id in answers.constraint_options or mentions(answers.constraints, c.words)
              or mentions(everything, c.words_elsewhere)]
    privacy_answered = any(c.implied_by_sensitive_data for c in stated)
    applying = [c for c in rules.constraints
                if c in stated or (c.implied_by_sensitive_data and sensitive)]
    return applying, privacy_answered


def _constraint_lines(answers: IntakeAnswers, everything: str, applying: list[Constraint],
                      rules: DraftingRules, write: _Writer) -> tuple[list[str], list[str]]:
    """Non-functional requirements (with rhythm, deadline and the nonprofit's other notes) and the
    open-question topics for a missing rhythm or deadline."""
    limit = rules.sentence_chars[write.language]
    lines = [write.pick(c.requirement) for c in applying]
    missing = []
    rhythm = next((r for r in rules.rhythms if answers.rhythm.strip() == r.id
                   or mentions(answers.rhythm, r.words)), None)
    rhythm = rhythm or next((r for r in rules.rhythms if mentions(everything, r.words)), None)
    if rhythm:
        lines.append(write("rhythm", rhythm=write.pick(rhythm.name)))
    elif answers.rhythm:
        lines.append(write("rhythm_as_written", text=trim(answers.rhythm, limit)))
    else:
        missing.append("rhythm")
    if answers.deadline:
        lines.append(write("deadline", date=answers.deadline))
    elif mentions(everything, rules.no_deadline_words):
        lines.append(write("no_deadline"))
    else:
        missing.append("deadline")
    known_words = [word for entry in (*rules.constraints, *rules.rhythms) for word in entry.words]
    for sentence in sentences(answers.constraints):
        if not mentions(sentence, known_words) and not mentions(sentence, rules.no_deadline_words):
            note = write("constraint_note", text=trim(sentence, limit))
            lines.append(write.sentences([note]))
    return lines, missing


def _skills(everything: str, applying: list[Constraint], rules: DraftingRules,
            taxonomy: Sequence[Mapping[str, Any]]) -> list[str]:
    """Taxonomy slugs whose synonyms or extra keywords occur anywhere in the answers, in taxonomy order."""
    ignored = {word.casefold() for word in rules.ignored_synonyms}
    extra = dict(rules.skill_keywords)
    found = {slug for c in applying for slug in c.skills}
    for skill in taxonomy:
        words = [w for w in skill["synonyms"] if w.casefold() not in ignored]
        if mentions(everything, [*words, *extra.get(skill["slug"], ())]):
            found.add(skill["slug"])
    named = set(found)
    for add, unless in rules.base_skills:
        if not named & set(unless):
            found |= set(add)
    return [skill["slug"] for skill in taxonomy if skill["slug"] in found]


def _effort(counts: dict[str, int], skills: list[str], applying: list[Constraint], rules: DraftingRules,
            write: _Writer) -> tuple[int, int, str, list[Integration]]:
    """(team size, effort hours, reasoning naming every count, integrations found)."""
    weights = rules.effort
    integrations = [i for i in rules.integrations if set(i.skills) & set(skills)]
    parts = [write("times_hours", what=write.count(f"count_{kind}", n), hours=weights[f"hours_per_{kind}"])
             for kind, n in counts.items()]
    total = sum(n * weights[f"hours_per_{kind}"] for kind, n in counts.items())
    by_hours: dict[int, list[str]] = {}
    for integration in integrations:
        by_hours.setdefault(integration.hours, []).append(write.pick(integration.name))
        total += integration.hours
    for hours, names in by_hours.items():
        what = write.count("count_integration", len(names), names=write.join(names))
        parts.append(write("times_hours", what=what, hours=hours))
    parts.append(write("base_hours", hours=weights["base_hours"]))
    total += weights["base_hours"]
    extras = [c for c in applying if c.effort_percent]
    total *= 1 + sum(c.effort_percent for c in extras) / 100
    step = weights["round_to_hours"]
    hours = max(weights["minimum_hours"], math.floor(total / step + 0.5) * step)
    team = max(size for start, size in rules.team_size if hours >= start)
    adjustments = write.join([write("adjustment", label=write.pick(c.effort_label), percent=c.effort_percent)
                              for c in extras if c.effort_label], "parts_joiner")
    key = "reasoning" if adjustments else "reasoning_no_adjustment"
    reasoning = write(key, parts=write.join(parts, "parts_joiner"), adjustments=adjustments, hours=hours)
    weeks = math.ceil(hours / (team * weights["hours_per_engineer_per_week"]))
    team_sentence = write("reasoning_team", per_week=weights["hours_per_engineer_per_week"],
                          engineers=write.count("count_engineer", team), weeks=weeks)
    return team, hours, write.patterns["sentence_joiner"].join([reasoning, team_sentence]), integrations


# --- open questions, summary, the whole spec ------------------------------------------------------

def _is_thin(text: str, minimum: int, rules: DraftingRules) -> bool:
    """Empty, shorter than the minimum, or vague ("等等", "not sure")."""
    return len(text) < minimum or mentions(text, rules.vague_words)


def _open_questions(answers: IntakeAnswers, everything: str, rules: DraftingRules, write: _Writer,
                    facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(topic, question) for every missing or vague answer, in the order the rules list them."""
    questions, language = [], write.language
    for check in rules.field_checks:
        if _is_thin(getattr(answers, check.field), check.min_chars[language], rules):
            questions.append((check.field, write.pick(check.question)))
    if not answers.must_do:
        questions.append(("must_do", write.pick(rules.questions["must_do_missing"])))
    for item in answers.must_do:
        if _is_thin(item.strip(TRIM), rules.must_do_item_chars[language], rules):
            text = rules.questions["must_do_item_vague"][language].format(item=item.strip(TRIM))
            questions.append(("must_do", text))
    if not facts["has_user_count"]:
        questions.append(("user_count", write.pick(rules.questions["user_count"])))
    if not facts["hosting_known"]:
        questions.append(("hosting", write.pick(rules.questions["hosting"])))
    if facts["sensitive"] and not facts["privacy_answered"]:
        kinds = write.join(write.pick(kind.name) for kind in facts["sensitive"])
        questions.append(("privacy", rules.questions["privacy"][language].format(kinds=kinds)))
    for topic in facts["missing"]:
        questions.append((topic, write.pick(rules.questions[topic])))
    for integration in facts["integrations"]:
        if integration.question:
            questions.append((f"integration:{integration.id}", write.pick(integration.question)))
    return questions


def _summary(answers: IntakeAnswers, rules: DraftingRules, write: _Writer, roles: list[str],
             team: int, hours: int) -> tuple[str, str]:
    """A summary and a background composed from trimmed sentences of the title, problem and process."""
    limit, count = rules.sentence_chars[write.language], rules.sentences_per_section
    title = trim((sentences(answers.title) or [write("untitled")])[0], limit)
    problem, process = sentences(answers.problem), sentences(answers.current_process)
    short = rules.summary_chars[write.language]
    opening = write("summary", title=title, problem=trim(problem[0], short)) if problem else title
    parts = [write.sentences([opening])]
    if roles:
        parts.append(write("summary_users", roles=write.join(roles)))
    parts.append(write("summary_size", engineers=write.count("count_engineer", team), hours=hours))
    background = []
    if problem:
        background.append(write("background_problem",
                                text=write.sentences(trim(s, limit) for s in problem[:count])))
    if process:
        background.append(write("background_process",
                                text=write.sentences(trim(s, limit) for s in process[:count])))
    joiner = write.patterns["sentence_joiner"]
    return joiner.join(parts), joiner.join(background) or write("background_missing")


def draft_spec(answers: IntakeAnswers | Mapping[str, Any], rules: DraftingRules,
               taxonomy: Sequence[Mapping[str, Any]]) -> DraftedSpec:
    """Draft the engineer-readable spec for a request's intake answers.

    Pure and deterministic: no Flask, no database, and the same answers, rules and taxonomy always
    give the same spec. Writes in the answers' language (mostly Chinese → zh_CN, else en). Never
    raises for missing or empty answers: each gap becomes an open question instead.
    """
    if not isinstance(answers, IntakeAnswers):
        answers = IntakeAnswers.from_mapping(answers)
    # People write all their answers in one script, so one Traditional answer marks them all.
    traditional = any(is_traditional(v) for v in (*vars(answers).values(), *answers.must_do)
                      if isinstance(v, str))
    answers = IntakeAnswers(**{key: normalise(value, traditional=traditional) if isinstance(value, str)
                               else tuple(normalise(v, traditional=traditional) for v in value)
                               for key, value in vars(answers).items()})
    everything = "\n".join([*(getattr(answers, key) for key in TEXT_FIELDS), *answers.must_do])
    language = detect_language(everything, rules.chinese_share, rules.default_language)
    write = _Writer(rules, language)

    # Roles the users answer lists, then those doing a 'must do' item; roles named only as the object
    # of an item ("send donors a receipt") help choose who does it but are not listed as users.
    counts = _role_counts(answers.users, rules)
    listed = [role_id for role_id, _, _ in counts]
    mentioned = [hit[2] for hit in _people("\n".join(answers.must_do), rules)]
    stories = _stories(answers, rules, [*listed, *mentioned])
    listed += [role.id for role, _ in stories]
    roles = _role_lines(counts, list(dict.fromkeys(listed)), rules, write)
    entities = _entities(answers.data_kept, rules, write)

    sensitive = [kind for kind in rules.sensitive_data if mentions(everything, kind.words)]
    applying, privacy_answered = _constraints(answers, everything, rules, sensitive)
    constraint_lines, missing = _constraint_lines(answers, everything, applying, rules, write)
    skills = _skills(everything, applying, rules, taxonomy)
    sizes = {"story": len(stories), "entity": len(entities), "role": len(roles)}
    team, hours, reasoning, integrations = _effort(sizes, skills, applying, rules, write)

    user_stories, criteria = [], []
    for role, item in stories:
        name = write.pick(role.name)
        article = indefinite_article(name)
        user_stories.append(write("story", role=name, item=item, article=article))
        key = "acceptance_story" if role.signs_in else "acceptance_story_public"
        criteria.append(write(key, role=name, item=item, article=article, article_cap=article.capitalize()))
    criteria += [write.pick(c.acceptance) for c in applying]

    facts = {"has_user_count": any(n for _, n, _ in counts) or bool(ANY_COUNT.search(answers.users)),
             "hosting_known": mentions(everything, rules.hosting_words)
             or any(c.answers_hosting for c in applying),
             "sensitive": sensitive, "privacy_answered": privacy_answered, "missing": missing,
             "integrations": integrations}
    questions = _open_questions(answers, everything, rules, write, facts)
    summary, background = _summary(answers, rules, write, roles, team, hours)
    return DraftedSpec(
        language=language, summary=summary, background=background, users_and_roles=roles,
        data_entities=entities, user_stories=user_stories, acceptance_criteria=criteria,
        constraints=constraint_lines, skills=skills, team_size=team, effort_hours=hours,
        effort_reasoning=reasoning, open_questions=[q for _, q in questions],
        open_question_topics=[topic for topic, _ in questions])

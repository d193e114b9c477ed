"""Drafting constraints, skills and effort: the requirements that apply, the skills named, the hours."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from app.requests.intake.drafting.answers import IntakeAnswers
from app.requests.intake.drafting.phrasing import Writer
from app.requests.intake.drafting.rules import Constraint, DraftingRules, Entry, Integration
from app.requests.intake.drafting.wording import mentions, sentences, trim


def find_constraints(answers: IntakeAnswers, everything: str, rules: DraftingRules,
                     sensitive: list[Entry]) -> tuple[list[Constraint], bool]:
    """The constraints that apply, in rule order, and whether the nonprofit itself spoke of privacy."""
    stated = [c for c in rules.constraints
              if c.id in answers.constraint_options or mentions(answers.constraints, c.words)
              or mentions(everything, c.words_elsewhere)]
    privacy_answered = any(c.implied_by_sensitive_data for c in stated)
    applying = [c for c in rules.constraints
                if c in stated or (c.implied_by_sensitive_data and sensitive)]
    return applying, privacy_answered


def constraint_requirements(answers: IntakeAnswers, everything: str, applying: list[Constraint],
                            rules: DraftingRules, write: Writer) -> tuple[list[str], list[str]]:
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


def find_skills(everything: str, applying: list[Constraint], rules: DraftingRules,
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


def estimate_effort(counts: dict[str, int], skills: list[str], applying: list[Constraint],
                    rules: DraftingRules, write: Writer) -> tuple[int, int, str, list[Integration]]:
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

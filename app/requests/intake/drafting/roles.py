"""Drafting users and roles: who the answers name, how many of each, and a user story per 'must do' item."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from app.requests.intake.drafting.answers import IntakeAnswers
from app.requests.intake.drafting.phrasing import Writer
from app.requests.intake.drafting.rules import DraftingRules, Role
from app.requests.intake.drafting.wording import (
    NUMBER,
    TRIM,
    base_verb,
    mentions,
    number,
    scan,
    strip_leads,
    word_pattern,
)

BULLET = re.compile(r"^\s*(?:[-*•·]|\d+\s*[.、)）]|[（(]\d+[)）])\s*")


def _role_lexicon(rules: DraftingRules) -> list[tuple[str, Sequence[str]]]:
    return [(role.id, role.words) for role in rules.roles]


def people_named(text: str, rules: DraftingRules) -> list[tuple[int, int, str]]:
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


def role_counts(users: str, rules: DraftingRules) -> list[tuple[str, int | None, str | None]]:
    """Each role the users answer lists, in order, with the number given beside it and its measure word.

    Words in brackets only describe ("50名志愿者（多是退休老人）"), so roles named there are not listed.
    """
    before, after = _count_patterns(rules.count_classifiers)
    outside = re.sub(r"[(（][^()（）]*[)）]", lambda m: " " * len(m.group()), users)
    hits = people_named(outside, rules)
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
    hits = people_named(rest, rules)
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


def must_do_stories(answers: IntakeAnswers, rules: DraftingRules, known: list[str]) -> list[tuple[Role, str]]:
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


def role_lines(counts: list[tuple[str, int | None, str | None]], ordered: list[str],
                rules: DraftingRules, write: Writer) -> list[str]:
    """The users-and-roles lines: each role's name, with its number and measure word when given."""
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

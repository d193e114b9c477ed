"""Drafting open questions: one for every missing or vague answer, in the order the rules list them."""

from __future__ import annotations

from typing import Any

from app.requests.intake.drafting.answers import IntakeAnswers
from app.requests.intake.drafting.phrasing import Writer
from app.requests.intake.drafting.rules import DraftingRules
from app.requests.intake.drafting.wording import TRIM, mentions


def _is_thin(text: str, minimum: int, rules: DraftingRules) -> bool:
    """Empty, shorter than the minimum, or vague ("等等", "not sure")."""
    return len(text) < minimum or mentions(text, rules.vague_words)


def open_questions(answers: IntakeAnswers, everything: str, rules: DraftingRules, write: Writer,
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

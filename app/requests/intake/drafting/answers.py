"""What the spec drafter reads and writes: a nonprofit's intake answers and the drafted spec."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

SPEC_FIELDS = ("summary", "background", "users_and_roles", "data_entities", "user_stories",
               "acceptance_criteria", "constraints", "skills", "team_size", "effort_hours",
               "effort_reasoning", "open_questions")
TEXT_FIELDS = ("title", "problem", "current_process", "users", "data_kept", "rhythm", "constraints")
SNAKE_CASE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")


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

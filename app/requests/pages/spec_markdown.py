"""A spec version as a Markdown document to download, and the file name it travels under (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

# Headings and words of the document; pages pass the same keys translated into the reader's language.
ENGLISH_LABELS: Mapping[str, str] = {
    "summary": "Summary", "background": "Background", "users_and_roles": "Users and roles",
    "data_entities": "Data to keep", "user_stories": "User stories",
    "acceptance_criteria": "Acceptance criteria", "constraints": "Constraints", "skills": "Skills needed",
    "team_size": "Team size", "effort_hours": "Effort (hours)",
    "effort_reasoning": "How the effort was estimated", "open_questions": "Open questions",
    "team_and_effort": "Team and effort", "empty": "None listed.", "spec_version": "Spec version",
}
TEXT_SECTIONS = ("summary", "background")
LIST_SECTIONS = ("users_and_roles", "data_entities", "user_stories", "acceptance_criteria", "constraints")
TITLE_MAX_IN_FILENAME = 80
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class SpecDocument:
    """What the document says: the request's title, facts about it, and one spec version's sections.

    `content` holds the spec sections of the API contract (canonical form: text sections as
    strings, list sections as lists of one-line strings). `facts` are (label, value) pairs already
    written in the reader's language (organisation, status, seats, deadline ...). `skill_names`
    are the skills' display names; without them the content's skill slugs are listed.
    """

    request_id: int
    title: str
    content: Mapping[str, Any]
    version: int | None = None
    skill_names: Sequence[str] = ()
    facts: Sequence[tuple[str, str]] = ()
    source_url: str | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: ENGLISH_LABELS)


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _block(text: Any) -> str:
    return str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _demote_headings(text: str, levels: int = 2) -> str:
    """The writer's own headings pushed `levels` down (stopping at ######), so they sit under the
    document's sections; lines inside fenced code blocks are left alone."""
    out, fence = [], None
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0]
        elif fence is not None and opening and opening.group(1)[0] == fence:
            fence = None
        elif fence is None:
            line = _ATX_HEADING.sub(lambda m: m.group(1) + "#" * min(len(m.group(2)) + levels, 6), line)
        out.append(line)
    return "\n".join(out)


def render_spec_markdown(document: SpecDocument) -> str:
    """The whole spec as Markdown: title, facts, then every section of the contract, in its order.

    Text sections are kept as their authors wrote them (they are Markdown already), their headings
    pushed under the document's own; list sections
    become bullet lists; an empty section says so instead of disappearing. Open questions come
    last, after the team and effort. The text ends with one newline.
    """
    labels = {**ENGLISH_LABELS, **document.labels}
    content = document.content
    lines = [f"# {_one_line(document.title)}", ""]
    facts = list(document.facts)
    if document.version is not None:
        facts.append((labels["spec_version"], str(document.version)))
    if document.source_url:
        facts.append(("URL", f"<{document.source_url}>"))
    for label, value in facts:
        lines.append(f"- **{_one_line(label)}:** {_one_line(value)}")
    if facts:
        lines.append("")

    def section(name: str, body: list[str]) -> None:
        lines.extend([f"## {labels[name]}", "", *(body or [f"_{labels['empty']}_"]), ""])

    for name in TEXT_SECTIONS:
        text = _demote_headings(_block(content.get(name)))
        section(name, [text] if text else [])
    for name in LIST_SECTIONS:
        section(name, [f"- {_one_line(item)}" for item in content.get(name) or [] if _one_line(item)])
    skills = document.skill_names or content.get("skills") or []
    section("skills", [f"- {_one_line(skill)}" for skill in skills])

    effort = []
    for name in ("team_size", "effort_hours"):
        if content.get(name) is not None:
            effort.append(f"- **{labels[name]}:** {content[name]}")
    reasoning = _demote_headings(_block(content.get("effort_reasoning")), 3)
    if reasoning:
        effort.extend(["", f"**{labels['effort_reasoning']}:**", "", reasoning])
    section("team_and_effort", effort)
    questions = [_one_line(question) for question in content.get("open_questions") or []]
    section("open_questions", [f"- {question}" for question in questions if question])
    return "\n".join(lines).rstrip("\n") + "\n"


def download_filename(request_id: int) -> str:
    """The plain ASCII file name every client understands: it carries the request's id."""
    return f"codebridge-request-{request_id}-spec.md"


def title_filename(request_id: int, title: str) -> str:
    """A file name made from the request's title and id, safe on every system (may be non-ASCII)."""
    name = unicodedata.normalize("NFC", _one_line(title))
    name = " ".join(_UNSAFE_IN_FILENAME.sub(" ", name).split()).strip(" .")
    name = name[:TITLE_MAX_IN_FILENAME].strip(" .")
    return f"{name}-{request_id}.md" if name else download_filename(request_id)


def content_disposition(request_id: int, title: str) -> str:
    """The Content-Disposition header of the download: an attachment with an ASCII name carrying the id
    and an RFC 5987 `filename*` in UTF-8 built from the title."""
    utf8_name = quote(title_filename(request_id, title), safe="")
    return f"attachment; filename=\"{download_filename(request_id)}\"; filename*=UTF-8''{utf8_name}"

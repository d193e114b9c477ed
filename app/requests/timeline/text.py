"""What each timeline step says, in the reader's language: one table from kinds and status moves to sentences.

Timeline entries store a neutral English summary for the API and the audit trail; pages never
show it to a Chinese reader. They translate the entry from its `kind` and `detail` here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.templating import status_label
from app.requests.models import TimelineEntry

# A status move, by (from, to). Moves into `withdrawn` share one sentence.
STATUS_SENTENCES = {
    ("draft", "intake"): _l("Submitted for intake: Codebridge drafted a spec from the nonprofit’s answers."),
    ("intake", "draft"): _l("Sent back to the nonprofit with questions."),
    ("intake", "open"): _l("Published: open for volunteers."),
    ("open", "in_progress"): _l("Work started: the first volunteer joined the team."),
    ("in_progress", "open"): _l("All seats were released: open for volunteers again."),
    ("in_progress", "in_review"): _l("Delivery submitted for the nonprofit’s review."),
    ("in_review", "in_progress"): _l("Changes asked on the delivery: work continues."),
    ("in_review", "delivered"): _l("Delivery accepted: the project is delivered."),
}
WITHDRAWN_SENTENCE = _l("Withdrawn: the request is closed.")

CHECKIN_SENTENCES = {
    "on_track": _l("Check-in posted: on track."),
    "at_risk": _l("Check-in posted: at risk."),
    "blocked": _l("Check-in posted: blocked."),
}

# Kinds whose sentence needs nothing from the entry's detail.
KIND_SENTENCES = {
    "created": _l("Request created."),
    "intake_rejected": _l("Rejected at intake."),
    "claim_requested": _l("A volunteer asked to join the team."),
    "claim_declined": _l("A request to join the team was declined."),
    "claim_withdrawn": _l("A volunteer left the team."),
    "claim_released": _l("A coordinator released a seat on the team."),
    "claim_expired": _l("A request to join the team expired without an answer."),
    "claim_completed": _l("A volunteer completed their commitment."),
    "checkin_reply": _l("The nonprofit answered a check-in."),
    "milestone_added": _l("A milestone was planned."),
    "milestone_done": _l("A milestone was reached."),
    "delivery_submitted": _l("Delivery submitted: repository, live link and hand-over notes."),
    "delivery_accepted": _l("The nonprofit accepted the delivery."),
    "delivery_changes_requested": _l("The nonprofit asked for changes to the delivery."),
    "stalled": _l("No check-in for two periods: marked as stalled."),
    "stalled_nudge": _l("A coordinator nudged the team."),
    "unstalled": _l("Back on track after a new check-in."),
}
KIND_SENTENCES["changes_requested"] = KIND_SENTENCES["delivery_changes_requested"]
KIND_SENTENCES["claim_submitted"] = KIND_SENTENCES["claim_requested"]

# A word for the kind of step, so the page can mark status moves, team changes and progress apart.
TONES = {
    "created": "status", "status_changed": "status", "spec_updated": "status", "intake_rejected": "attention",
    "checkin": "progress", "checkin_reply": "progress", "milestone_added": "progress",
    "milestone_done": "progress", "review": "delivery", "stalled": "attention", "stalled_nudge": "attention",
}


def _claim_accepted(detail: dict[str, Any]) -> str:
    if detail.get("role") == "lead":
        return _("A volunteer joined the team as its lead.")
    return _("A volunteer joined the team.")


def _status_changed(detail: dict[str, Any]) -> str:
    old, new = detail.get("from"), detail.get("to")
    if new == "withdrawn":
        return str(WITHDRAWN_SENTENCE)
    sentence = STATUS_SENTENCES.get((old, new))
    if sentence is not None:
        return str(sentence)
    return _("Status changed from “%(old)s” to “%(new)s”.",
             old=status_label(str(old)), new=status_label(str(new)))


def _spec_updated(detail: dict[str, Any]) -> str:
    version = detail.get("version")
    if isinstance(version, int):
        return _("Spec updated to version %(version)d.", version=version)
    return _("Spec updated.")


def _checkin(detail: dict[str, Any]) -> str:
    sentence = CHECKIN_SENTENCES.get(detail.get("status"))
    return str(sentence) if sentence is not None else _("Check-in posted.")


def _review(detail: dict[str, Any]) -> str:
    rating = detail.get("rating")
    if isinstance(rating, int) and 1 <= rating <= 5:
        return _("A review was posted: %(rating)d out of 5.", rating=rating)
    return _("A review was posted.")


def _claim_renewed(detail: dict[str, Any]) -> str:
    months = detail.get("months")
    if isinstance(months, int) and months > 0:
        return ngettext("A volunteer renewed their commitment for %(num)d month.",
                        "A volunteer renewed their commitment for %(num)d months.", months)
    return _("A volunteer renewed their commitment.")


def _attachment(kind: str) -> Callable[[dict[str, Any]], str]:
    def describe(detail: dict[str, Any]) -> str:
        name = str(detail.get("name") or "")
        if kind == "attachment_added":
            return _("File attached: %(name)s", name=name) if name else _("A file was attached.")
        return _("File removed: %(name)s", name=name) if name else _("A file was removed.")
    return describe


def _featured_at_event(detail: dict[str, Any]) -> str:
    name = detail.get("event_name")
    if isinstance(name, str) and name:
        return _("Featured at the matching event “%(name)s”.", name=name)
    return _("Featured at a matching event.")


DETAIL_SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "status_changed": _status_changed,
    "spec_updated": _spec_updated,
    "claim_accepted": _claim_accepted,
    "claim_renewed": _claim_renewed,
    "checkin": _checkin,
    "review": _review,
    "attachment_added": _attachment("attachment_added"),
    "attachment_removed": _attachment("attachment_removed"),
    "featured_at_event": _featured_at_event,
}


def is_known_kind(kind: str) -> bool:
    """Whether `kind` has its own translated sentence (others fall back, see describe_entry)."""
    return kind in KIND_SENTENCES or kind in DETAIL_SENTENCES


def describe_entry(kind: str, detail: dict[str, Any] | None, summary: str) -> str:
    """The sentence for a timeline step in the current language.

    Known kinds are translated from `kind` and `detail`. An unknown kind (one a newer feature added
    without a sentence here) shows its stored English `summary` to English readers and a neutral
    translated sentence to everyone else, so raw English never reaches a Chinese page.
    """
    detail = detail or {}
    if kind in DETAIL_SENTENCES:
        return DETAIL_SENTENCES[kind](detail)
    if kind in KIND_SENTENCES:
        return str(KIND_SENTENCES[kind])
    locale = get_locale()
    if locale is not None and locale.language == "en" and summary:
        return summary
    if "claim" in kind:
        return _("The team changed.")
    if "deliver" in kind:
        return _("The delivery moved on.")
    return _("The project moved a step forward.")


def tone_of(kind: str) -> str:
    """A short word for the kind of step: status, team, progress, delivery or attention."""
    if kind in TONES:
        return TONES[kind]
    if "claim" in kind:
        return "team"
    if "deliver" in kind:
        return "delivery"
    return "status"


@dataclass(frozen=True)
class TimelineStep:
    """A timeline entry as a page shows it: its sentence, tone and the entry itself."""

    entry: TimelineEntry
    sentence: str
    tone: str

    @property
    def note(self) -> str | None:
        """The free-text note a person wrote with the step (a withdrawal reason), if any."""
        note = (self.entry.detail or {}).get("note")
        return str(note) if note else None


def timeline_steps(entries: list[TimelineEntry]) -> list[TimelineStep]:
    """The entries, each with its translated sentence and tone, in the order given."""
    return [TimelineStep(entry, describe_entry(entry.kind, entry.detail, entry.summary), tone_of(entry.kind))
            for entry in entries]

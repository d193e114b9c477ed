"""The demo requests' intake: specs drafted from the answers, the coordinator's edits, and review threads."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.core.audit import services as audit
from app.core.models import User
from app.demo.state import DemoDataError, DemoState
from app.extensions import db
from app.requests.intake.content import intake_content
from app.requests.intake.drafting.drafter import draft_spec
from app.requests.intake.services import intake_answers
from app.requests.models import HelpRequest, RequestMessage, SpecVersion
from app.requests.review.services import EDITABLE_STATUSES
from app.requests.review.spec_text import SECTIONS, canonical_content
from app.requests.review.thread import CLOSED_STATUSES
from app.requests.timeline.services import add_entry

# The note submit_request gives the version it drafts (stored untranslated, as the service does).
DRAFTED_NOTE = "Drafted by Codebridge from the intake answers."
ANSWER_FIELDS = ("title", "problem", "current_process", "users", "data_kept", "must_do", "rhythm",
                 "constraints")
# A coordinator's edit lands an hour before that day's step (say, publishing); messages of one day
# follow each other ten minutes apart, the first at the moment of that day's step.
EDIT_LEAD = timedelta(hours=1)
MESSAGE_GAP = timedelta(minutes=10)
AUTHORS = ("coordinator", "staff")


@dataclass(frozen=True)
class IntakeEvent:
    """A coordinator's spec edit or a thread message, at its moment in the request's past."""

    at: datetime
    kind: str  # "edit" or "message"
    entry: dict[str, Any]


class IntakeSteps(DemoState):
    """Writes each request's intake as the services would have: drafted versions, edits, messages."""

    def answers(self, entry: dict[str, Any], *, final: bool) -> dict[str, Any]:
        """The request's intake answers: as they are now, or as first submitted (before a send-back)."""
        answers = {name: entry[name] for name in ANSWER_FIELDS}
        earlier = entry.get("answers_before_resubmission", {})
        unknown = sorted(set(earlier) - set(ANSWER_FIELDS))
        if unknown:
            raise DemoDataError(f"{entry['title']!r}: answers_before_resubmission names unknown answers "
                                f"{unknown}")
        return answers if final else {**answers, **earlier}

    def restore_answers(self, help_request: HelpRequest, entry: dict[str, Any]) -> None:
        """The nonprofit's final answers, written into the draft before it is submitted the last time."""
        for name, value in self.answers(entry, final=True).items():
            setattr(help_request, name, value)

    def intake_events(self, help_request: HelpRequest, entry: dict[str, Any]) -> list[IntakeEvent]:
        """The request's spec edits and messages, oldest first; raises DemoDataError for a bad one."""
        title = help_request.title
        events = [IntakeEvent(self.at(title, edit["days_ago"]) - EDIT_LEAD, "edit", edit)
                  for edit in entry.get("spec_edits", [])]
        per_day: Counter[int] = Counter()
        previous_days: int | None = None
        for message in entry.get("messages", []):
            days = message["days_ago"]
            if message.get("author") not in AUTHORS:
                raise DemoDataError(f"{title!r}: a message's author must be one of {', '.join(AUTHORS)}")
            if previous_days is not None and days > previous_days:
                raise DemoDataError(f"{title!r}: list its messages oldest first")
            moment = self.at(title, days) + MESSAGE_GAP * per_day[days]
            events.append(IntakeEvent(min(moment, self.now - timedelta(minutes=1)), "message", message))
            per_day[days] += 1
            previous_days = days
        return sorted(events, key=lambda event: event.at)

    def replay(self, help_request: HelpRequest, events: list[IntakeEvent], until: datetime | None) -> None:
        """Add (and remove from `events`) every event before `until`, or all of them when it is None."""
        while events and (until is None or events[0].at < until):
            event = events.pop(0)
            if event.kind == "edit":
                self.add_coordinator_edit(help_request, event.entry, event.at)
            else:
                self.add_message(help_request, event.entry, event.at)

    def add_spec_version(self, help_request: HelpRequest, content: dict[str, Any], *, author: User | None,
                         note: str, at: datetime) -> SpecVersion:
        """Make `content` the request's current spec; its effort and skills follow it, as in the services."""
        version = SpecVersion(version=len(help_request.spec_versions) + 1, content=content, note=note,
                              author=author, created_at=at)
        help_request.spec_versions.append(version)
        help_request.current_spec_version = version.version
        help_request.effort_hours = content["effort_hours"]
        help_request.skills = [self.skill(slug) for slug in dict.fromkeys(content["skills"])]
        self.summary.created["spec versions"] += 1
        return version

    def add_drafted_spec(self, help_request: HelpRequest, at: datetime) -> None:
        """The spec the drafter writes from the answers on submission, exactly as submit_request does."""
        content = intake_content()
        spec = draft_spec(intake_answers(help_request), content.rules, content.taxonomy)
        version = self.add_spec_version(help_request, spec.as_spec(), author=None, note=DRAFTED_NOTE, at=at)
        help_request.team_size = max(spec.team_size, help_request.seats_taken, 1)
        audit.record("request.spec_drafted", help_request, actor=None, version=version.version,
                     skills=list(spec.skills), team_size=help_request.team_size,
                     effort_hours=spec.effort_hours).at = at

    def add_coordinator_edit(self, help_request: HelpRequest, edit: dict[str, Any], at: datetime) -> None:
        """A coordinator's new version with `changes` over the current one, as save_spec writes it."""
        title, days = help_request.title, edit["days_ago"]
        if help_request.status not in EDITABLE_STATUSES:
            raise DemoDataError(f"{title!r}: the spec edit of {days} days ago falls while the request is "
                                f"{help_request.status}; a coordinator edits a spec only in intake or open")
        changes = edit["changes"]
        unknown = sorted(set(changes) - set(SECTIONS))
        if unknown:
            raise DemoDataError(f"{title!r}: the spec edit of {days} days ago changes unknown sections "
                                f"{unknown}")
        previous = help_request.spec_versions[-1].content
        current = canonical_content(previous)
        content = canonical_content({**current, **changes})
        if content == current:
            raise DemoDataError(f"{title!r}: the spec edit of {days} days ago changes nothing")
        team_size = content["team_size"]
        if isinstance(team_size, bool) or not isinstance(team_size, int) or team_size < 1:
            raise DemoDataError(f"{title!r}: the spec edit of {days} days ago needs a team size of 1 "
                                "or more")
        version = self.add_spec_version(help_request, {**previous, **content}, author=self.coordinator,
                                        note=edit["note"], at=at)
        help_request.team_size = team_size
        add_entry(help_request, "spec_updated", actor=self.coordinator,
                  summary=f"Spec updated to version {version.version}.",
                  detail={"version": version.version}).at = at
        audit.record("request.spec_updated", help_request, actor=self.coordinator, version=version.version,
                     previous_version=version.version - 1, note=edit["note"]).at = at

    def add_message(self, help_request: HelpRequest, message: dict[str, Any], at: datetime) -> None:
        """One message of the coordinator–nonprofit thread, from submission until the request closes."""
        if help_request.submitted_at is None or help_request.status in CLOSED_STATUSES:
            raise DemoDataError(f"{help_request.title!r}: the message of {message['days_ago']} days ago "
                                f"falls while the request is {help_request.status}; its thread runs from "
                                "the first submission until the request closes")
        author = (self.coordinator if message["author"] == "coordinator"
                  else self.staff_of(help_request.organization.name))
        db.session.add(RequestMessage(help_request=help_request, author=author, body=message["body"],
                                      created_at=at))
        self.summary.created["thread messages"] += 1

    def check_sent_back(self, entry: dict[str, Any], days_ago: int) -> None:
        """A request goes back to its nonprofit only with the coordinator's questions in its thread."""
        messages = entry.get("messages", [])
        if not any(m["author"] == "coordinator" and m["days_ago"] == days_ago for m in messages):
            raise DemoDataError(f"{entry['title']!r} is sent back to draft {days_ago} days ago without the "
                                "coordinator's questions among its messages of that day")

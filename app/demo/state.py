"""What every part of the demo loader shares: the demo files, the summary, and lookups by natural key."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.models import Skill, User
from app.requests.models import HelpRequest, Organization

DEMO_FILES = {
    "organizations": Path("requests") / "demo" / "organizations.json",
    "requests": Path("requests") / "demo" / "requests.json",
    "volunteers": Path("volunteers") / "demo" / "volunteers.json",
    "staff": Path("volunteers") / "demo" / "staff.json",
    "progress": Path("volunteers") / "demo" / "progress.json",
}
# A delivered request keeps its team: completed claims still hold the seats they took.
SEAT_CLAIM_STATUSES = ("accepted", "completed")
# Each kind of demo record with its singular, for the one-line summary.
KINDS = {"organisations": "organisation", "requests": "request", "volunteers": "volunteer",
         "coordinators": "coordinator", "nonprofit staff": "nonprofit staff", "claims": "claim",
         "check-ins": "check-in", "milestones": "milestone", "deliveries": "delivery", "reviews": "review",
         "matching events": "matching event", "event registrations": "event registration",
         "event matches": "event match", "spec versions": "spec version",
         "thread messages": "thread message"}


class DemoDataError(ValueError):
    """A demo file is missing or refers to something that does not exist; the message names it."""


@dataclass
class DemoSummary:
    """What the demo data set holds in the database after a load, and how much of it this run added."""

    counts: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    accounts: dict[str, User] = field(default_factory=dict)

    @property
    def created_count(self) -> int:
        return sum(self.created.values())

    def line(self) -> str:
        """One line for the terminal: every kind with its count, then how many are new."""
        parts = ", ".join(f"{self.counts[kind]} {one if self.counts[kind] == 1 else kind}"
                          for kind, one in KINDS.items())
        return f"Demo data: {parts} ({self.created_count} new on this run)"


def read_demo_files(content_dir: Path) -> dict[str, Any]:
    """The parsed demo files under `content_dir`; raises DemoDataError for a missing or broken one."""
    content = {}
    for name, relative in DEMO_FILES.items():
        path = content_dir / relative
        try:
            content[name] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DemoDataError(f"{path}: demo file is missing") from None
        except json.JSONDecodeError as error:
            raise DemoDataError(f"{path}: not valid JSON ({error})") from None
    return content


class DemoState:
    """The demo content, the rows loaded so far by natural key, and repeatable past timestamps."""

    def __init__(self, content: dict[str, Any], *, password_hash: str, now: datetime) -> None:
        self.content = content
        self.password_hash = password_hash
        self.now = now
        self.summary = DemoSummary()
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Organization] = {}
        self.requests: dict[str, HelpRequest] = {}
        self.new_requests: set[str] = set()
        self.skills: dict[str, Skill] = {}
        self.progress = content["progress"]

    # Time: every record sits in the past, at a repeatable time of a Beijing working day.
    def at(self, key: str, days_ago: int) -> datetime:
        digest = zlib.crc32(f"{key}|{days_ago}".encode())
        day = (self.now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
        moment = day + timedelta(hours=2 + digest % 12, minutes=(digest >> 8) % 60)
        return min(moment, self.now - timedelta(minutes=5))

    def today_plus(self, days: int) -> date:
        return (self.now + timedelta(days=days)).date()

    @property
    def coordinator(self) -> User:
        return self.summary.accounts["coordinator"]

    def user(self, email: str) -> User:
        if email not in self.users:
            raise DemoDataError(f"demo data refers to an unknown account {email!r}")
        return self.users[email]

    def organization(self, name: str) -> Organization:
        if name not in self.orgs:
            raise DemoDataError(f"demo data refers to an unknown organisation {name!r}")
        return self.orgs[name]

    def request(self, title: str) -> HelpRequest:
        if title not in self.requests:
            raise DemoDataError(f"demo data refers to an unknown request {title!r}")
        return self.requests[title]

    def skill(self, slug: str) -> Skill:
        if slug not in self.skills:
            raise DemoDataError(f"demo data uses the skill {slug!r}, which is not in volunteers/skills.json")
        return self.skills[slug]

    def staff_of(self, org_name: str) -> User:
        """The organisation's first staff member, who speaks for it in the demo."""
        members = self.content["staff"]["staff"]
        email = next((m["email"] for m in members if m["organization"] == org_name), None)
        if email is None:
            raise DemoDataError(f"the demo organisation {org_name!r} has no staff account in staff.json")
        return self.user(email)

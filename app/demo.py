"""The demo data set: load requests/demo and volunteers/demo into the database, idempotently."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core import audit, passwords
from app.core.db import utcnow
from app.core.models import AuditEvent, Skill, User
from app.core.taxonomy import sync_skills
from app.extensions import db
from app.requests.models import HelpRequest, Membership, Organization, RequestMessage, SpecVersion
from app.requests.status import transition
from app.requests.timeline import add_entry
from app.volunteers.models import (
    CheckIn,
    CheckInReply,
    Claim,
    Delivery,
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
    Milestone,
    Review,
    VolunteerProfile,
    VolunteerSkill,
)

DEMO_FILES = {
    "organizations": Path("requests") / "demo" / "organizations.json",
    "requests": Path("requests") / "demo" / "requests.json",
    "volunteers": Path("volunteers") / "demo" / "volunteers.json",
    "staff": Path("volunteers") / "demo" / "staff.json",
    "progress": Path("volunteers") / "demo" / "progress.json",
}
# A delivered request keeps its team: completed claims still hold the seats they took.
SEAT_CLAIM_STATUSES = ("accepted", "completed")
CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30}
STATUS_STAMPS = {"intake": "submitted_at", "open": "published_at", "delivered": "delivered_at",
                 "withdrawn": "withdrawn_at"}
# Each kind of demo record with its singular, for the one-line summary.
KINDS = {"organisations": "organisation", "requests": "request", "volunteers": "volunteer",
         "coordinators": "coordinator", "nonprofit staff": "nonprofit staff", "claims": "claim",
         "check-ins": "check-in", "milestones": "milestone", "deliveries": "delivery", "reviews": "review",
         "matching events": "matching event"}


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


class DemoLoader:
    """Creates the demo rows that are not there yet, with plausible past timestamps, in one transaction."""

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

    @property
    def step_count(self) -> int:
        """How many units `run` reports to its progress callback."""
        staff = self.content["staff"]
        return (1 + len(staff["staff"]) + len(self.content["volunteers"])
                + len(self.content["organizations"]) + len(self.content["requests"]) + 1)

    # Time: every record sits in the past, at a repeatable time of a Beijing working day.
    def at(self, key: str, days_ago: int) -> datetime:
        digest = zlib.crc32(f"{key}|{days_ago}".encode())
        day = (self.now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
        moment = day + timedelta(hours=2 + digest % 12, minutes=(digest >> 8) % 60)
        return min(moment, self.now - timedelta(minutes=5))

    def today_plus(self, days: int) -> date:
        return (self.now + timedelta(days=days)).date()

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

    def run(self, advance: Callable[[], None] = lambda: None) -> DemoSummary:
        """Load everything missing and commit once; an error rolls the whole load back."""
        self.skills = {s.slug: s for s in db.session.scalars(sa.select(Skill))}
        try:
            self.load_people(advance)
            for entry in self.content["organizations"]:
                self.load_organization(entry)
                advance()
            for entry in self.content["requests"]:
                self.load_request(entry)
                advance()
            self.load_progress()
            self.load_event(self.progress["event"])
            advance()
            if self.summary.created_count:
                audit.record("demo.loaded", target_type="system", **dict(self.summary.created))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return self.summary

    # People ------------------------------------------------------------------------------
    def account(self, entry: dict[str, Any], role: str, kind: str, created_at: datetime) -> tuple[User, bool]:
        """The account with the entry's e-mail, created when missing; returns it and whether it is new."""
        user = db.session.scalar(sa.select(User).where(User.email == entry["email"]))
        is_new = user is None
        if user is None:
            user = User(email=entry["email"], name=entry["name"], role=role, locale=entry["locale"],
                        password_hash=self.password_hash, created_at=created_at)
            db.session.add(user)
            db.session.flush()
            self.summary.created[kind] += 1
        self.summary.counts[kind] += 1
        self.users[user.email] = user
        return user, is_new

    def load_people(self, advance: Callable[[], None]) -> None:
        staff = self.content["staff"]
        coordinator, _ = self.account(staff["coordinator"], "coordinator", "coordinators", self.at("c", 400))
        self.summary.accounts["coordinator"] = coordinator
        advance()
        for entry in staff["staff"]:
            user, _ = self.account(entry, "nonprofit", "nonprofit staff", self.at(entry["email"], 250))
            self.summary.accounts.setdefault("nonprofit", user)
            advance()
        for entry in self.content["volunteers"]:
            joined = self.at(entry["email"], entry["joined_days_ago"])
            user, is_new = self.account(entry, "volunteer", "volunteers", joined)
            self.summary.accounts.setdefault("volunteer", user)
            if is_new:
                self.add_profile(user, entry, joined)
            advance()

    def add_profile(self, user: User, entry: dict[str, Any], joined: datetime) -> None:
        db.session.add(VolunteerProfile(
            user_id=user.id, hours_per_week=entry["hours_per_week"], city=entry["city"],
            remote=entry["remote"], languages=entry["languages"], causes=entry["causes"],
            bio=entry["bio"], updated_at=joined))
        for skill in entry["skills"]:
            db.session.add(VolunteerSkill(user_id=user.id, skill_id=self.skill(skill["slug"]).id,
                                          level=skill["level"]))

    def skill(self, slug: str) -> Skill:
        if slug not in self.skills:
            raise DemoDataError(f"demo data uses the skill {slug!r}, which is not in volunteers/skills.json")
        return self.skills[slug]

    # Organisations and requests ----------------------------------------------------------
    def load_organization(self, entry: dict[str, Any]) -> None:
        org = db.session.scalar(sa.select(Organization).where(Organization.name == entry["name"]))
        self.summary.counts["organisations"] += 1
        if org is None:
            created = self.at(entry["name"], entry["created_days_ago"])
            decided = entry["verification_days_ago"]
            contact = entry["contact"]
            org = Organization(
                name=entry["name"], description=entry["description"], cause_areas=entry["cause_areas"],
                region=entry["region"], website=entry["website"],
                registration_number=entry["registration_number"], contact_name=contact["name"],
                contact_phone=contact["phone"], contact_email=contact["email"],
                verification=entry["verification"], verification_note=entry["verification_note"],
                verified_at=None if decided is None else self.at(entry["name"], decided),
                verified_by=None if decided is None else self.summary.accounts["coordinator"],
                created_at=created, updated_at=created)
            db.session.add(org)
            self.summary.created["organisations"] += 1
            for member in self.content["staff"]["staff"]:
                if member["organization"] == entry["name"]:
                    org.memberships.append(Membership(user=self.user(member["email"]),
                                                      role=member["role"], created_at=created))
        self.orgs[entry["name"]] = org

    def staff_of(self, org_name: str) -> User:
        """The organisation's first staff member, who speaks for it in the demo."""
        members = self.content["staff"]["staff"]
        email = next((m["email"] for m in members if m["organization"] == org_name), None)
        if email is None:
            raise DemoDataError(f"the demo organisation {org_name!r} has no staff account in staff.json")
        return self.user(email)

    def load_request(self, entry: dict[str, Any]) -> None:
        org = self.organization(entry["organization"])
        self.summary.counts["requests"] += 1
        existing = db.session.scalar(sa.select(HelpRequest).where(
            HelpRequest.organization_id == org.id, HelpRequest.title == entry["title"]))
        if existing is not None:
            self.requests[entry["title"]] = existing
            return
        title, staff = entry["title"], self.staff_of(entry["organization"])
        created = self.at(title, entry["history"][0][1])
        deadline = entry.get("deadline_in_days")
        help_request = HelpRequest(
            organization=org, created_by=staff, title=title, problem=entry["problem"],
            current_process=entry["current_process"], users=entry["users"], data_kept=entry["data_kept"],
            must_do=entry["must_do"], rhythm=entry["rhythm"], constraints=entry["constraints"],
            deadline=None if deadline is None else self.today_plus(deadline), status="draft",
            team_size=entry["team_size"], checkin_cadence=entry["checkin_cadence"],
            created_at=created, updated_at=created)
        db.session.add(help_request)
        db.session.flush()
        add_entry(help_request, "created", actor=staff, summary="Request created.").at = created
        self.requests[title] = help_request
        self.new_requests.add(title)
        self.summary.created["requests"] += 1
        self.add_spec_versions(help_request, entry.get("spec_versions", []))
        for message in entry.get("messages", []):
            author = self.summary.accounts["coordinator"] if message["author"] == "coordinator" else staff
            db.session.add(RequestMessage(help_request=help_request, author=author, body=message["body"],
                                          created_at=self.at(title, message["days_ago"])))

    def add_spec_versions(self, help_request: HelpRequest, versions: list[dict[str, Any]]) -> None:
        content: dict[str, Any] = {}
        for number, version in enumerate(versions, start=1):
            content = {**content, **version.get("content", {}), **version.get("changes", {})}
            by_coordinator = version["author"] == "coordinator"
            # The drafter writes right after submission; a coordinator's edit lands before publishing.
            offset = timedelta(hours=-1) if by_coordinator else timedelta(minutes=1)
            help_request.spec_versions.append(SpecVersion(
                version=number, content=content, note=version.get("note"),
                author=self.summary.accounts["coordinator"] if by_coordinator else None,
                created_at=self.at(help_request.title, version["days_ago"]) + offset))
        if versions:
            help_request.current_spec_version = len(versions)
            help_request.effort_hours = content["effort_hours"]
            help_request.skills = [self.skill(slug) for slug in content["skills"]]

    # Progress ----------------------------------------------------------------------------
    def load_progress(self) -> None:
        """Walk every new request through its history, with its team's claims, check-ins and delivery."""
        progress = self.progress
        for entry in self.content["requests"]:
            title = entry["title"]
            if title not in self.new_requests:
                continue
            claims = [self.add_claim(c) for c in progress["claims"] if c["request"] == title]
            deliveries = [d for d in progress["deliveries"] if d["request"] == title]
            self.walk_history(self.requests[title], entry, claims, deliveries)
            for checkin in (c for c in progress["checkins"] if c["request"] == title):
                self.add_checkin(checkin)
            for milestone in (m for m in progress["milestones"] if m["request"] == title):
                self.add_milestone(milestone, claims)
            for review in (r for r in progress["reviews"] if r["request"] == title):
                self.add_review(review)
            self.finish_request(self.requests[title], entry, claims)
        for kind, key in (("claims", "claims"), ("check-ins", "checkins"), ("milestones", "milestones"),
                          ("deliveries", "deliveries"), ("reviews", "reviews")):
            self.summary.counts[kind] = len(progress[key])

    def add_claim(self, entry: dict[str, Any]) -> Claim:
        help_request, volunteer = self.request(entry["request"]), self.user(entry["volunteer"])
        title, status = help_request.title, entry["status"]
        claim = Claim(help_request=help_request, volunteer=volunteer, role=entry["role"],
                      hours_per_week=entry["hours_per_week"], message=entry["message"], status=status,
                      created_at=self.at(title, entry["created_days_ago"]))
        decider = (self.summary.accounts["coordinator"] if entry.get("decided_by") == "coordinator"
                   else self.staff_of(help_request.organization.name))
        if status in SEAT_CLAIM_STATUSES:
            # One minute before the status step of the same day, which the acceptance caused.
            claim.accepted_at = self.at(title, entry["accepted_days_ago"]) - timedelta(minutes=1)
            claim.created_at = min(claim.created_at, claim.accepted_at)
            claim.decided_at, claim.decided_by = claim.accepted_at, decider
            claim.commitment_months = self.commitment_months(claim.accepted_at)
            claim.ends_on = (claim.accepted_at + timedelta(days=30 * claim.commitment_months)).date()
            db.session.add(claim)
            db.session.flush()
            add_entry(help_request, "claim_accepted", actor=decider, summary="A volunteer joined the team.",
                      detail={"claim_id": claim.id, "role": claim.role,
                              "volunteer_id": volunteer.id}).at = claim.accepted_at
        elif status == "declined":
            claim.decided_at = self.at(title, entry["decided_days_ago"])
            claim.decided_by, claim.decision_note = decider, entry["decision_note"]
        elif status == "withdrawn":
            claim.closed_at = self.at(title, entry["closed_days_ago"])
            claim.exit_note = entry["exit_note"]
        db.session.add(claim)
        self.summary.created["claims"] += 1
        return claim

    def commitment_months(self, accepted_at: datetime) -> int:
        """The shortest usual commitment that still runs a month from now, so no demo claim expires."""
        for months in (3, 6, 12):
            if accepted_at + timedelta(days=30 * months) >= self.now + timedelta(days=30):
                return months
        return 12

    def walk_history(self, help_request: HelpRequest, entry: dict[str, Any], claims: list[Claim],
                     deliveries: list[dict[str, Any]]) -> None:
        """Replay each status step through the status machine, then move its stamps into the past."""
        staff = self.staff_of(entry["organization"])
        coordinator = self.summary.accounts["coordinator"]
        lead = next((c.volunteer for c in claims if c.role == "lead"), None)
        # Who moved the request: the coordinator publishes, the first acceptance starts the work,
        # the lead delivers, the nonprofit asks for changes and accepts; a coordinator withdraws
        # the requests of an organisation that failed verification.
        starter = next((c.decided_by for c in claims if c.accepted_at), staff)
        for status, days_ago in entry["history"][1:]:
            moment = self.at(help_request.title, days_ago)
            if status == "in_review":
                self.add_delivery(next(d for d in deliveries if d["days_ago"] == days_ago))
            actor = {"open": coordinator, "in_review": lead,
                     "in_progress": staff if help_request.status == "in_review" else starter,
                     "withdrawn": staff if help_request.organization.is_verified else coordinator,
                     }.get(status, staff)
            timeline_entry = transition(help_request, status, by=actor,
                                        note=entry.get("withdrawn_reason") if status == "withdrawn" else None)
            timeline_entry.at = moment
            for pending in db.session.new:  # the audit event transition() just added
                if isinstance(pending, AuditEvent) and pending.at is None:
                    pending.at = moment
            if status in STATUS_STAMPS:
                setattr(help_request, STATUS_STAMPS[status], moment)
            for claim in claims:
                if status == "delivered" and claim.status == "completed":
                    claim.closed_at = moment

    def add_delivery(self, entry: dict[str, Any]) -> None:
        help_request = self.request(entry["request"])
        minute = timedelta(minutes=1)  # just before the status step of the same day
        submitted = self.at(help_request.title, entry["days_ago"]) - minute
        responded = entry.get("responded_days_ago")
        responded_at = None if responded is None else self.at(help_request.title, responded) - minute
        delivery = Delivery(
            help_request=help_request, submitted_by=self.user(entry["submitted_by"]),
            repository_url=entry["repository_url"], demo_url=entry["demo_url"],
            handover_notes=entry["handover_notes"], status=entry["status"],
            response_note=entry.get("response_note"), created_at=submitted,
            responded_at=responded_at)
        db.session.add(delivery)
        db.session.flush()
        add_entry(help_request, "delivery_submitted", actor=delivery.submitted_by,
                  summary="Delivery submitted.", detail={"delivery_id": delivery.id}).at = submitted
        self.summary.created["deliveries"] += 1

    def add_checkin(self, entry: dict[str, Any]) -> None:
        help_request = self.request(entry["request"])
        created = self.at(help_request.title, entry["days_ago"])
        checkin = CheckIn(help_request=help_request, author=self.user(entry["author"]),
                          summary=entry["summary"], next_steps=entry["next_steps"],
                          blockers=entry["blockers"], hours=float(entry["hours"]), status=entry["status"],
                          percent_complete=entry["percent_complete"], created_at=created)
        for number, reply in enumerate(entry["replies"], start=1):
            checkin.replies.append(CheckInReply(author=self.user(reply["author"]), body=reply["body"],
                                                created_at=min(created + timedelta(hours=3 * number),
                                                               self.now - timedelta(minutes=1))))
        db.session.add(checkin)
        db.session.flush()
        add_entry(help_request, "checkin", actor=checkin.author, summary="Check-in posted.",
                  detail={"checkin_id": checkin.id, "status": checkin.status, "hours": checkin.hours,
                          "percent_complete": checkin.percent_complete}).at = created
        help_request.last_checkin_at = max(help_request.last_checkin_at or created, created)
        self.summary.created["check-ins"] += 1

    def add_milestone(self, entry: dict[str, Any], claims: list[Claim]) -> None:
        help_request = self.request(entry["request"])
        started = min((c.accepted_at for c in claims if c.accepted_at), default=help_request.created_at)
        done = entry["done_days_ago"]
        db.session.add(Milestone(
            help_request=help_request, title=entry["title"], due_on=self.today_plus(entry["due_in_days"]),
            done_at=None if done is None else self.at(help_request.title, done),
            created_by_id=next((c.volunteer.id for c in claims if c.role == "lead"), None),
            created_at=started + timedelta(hours=2)))
        self.summary.created["milestones"] += 1

    def add_review(self, entry: dict[str, Any]) -> None:
        help_request = self.request(entry["request"])
        written = self.at(help_request.title + entry["author"], entry["days_ago"])
        about_org = entry["subject"] == "organization"
        review = Review(help_request=help_request, author=self.user(entry["author"]), rating=entry["rating"],
                        body=entry["body"], created_at=written, updated_at=written,
                        subject_organization=help_request.organization if about_org else None,
                        subject_user=None if about_org else self.user(entry["subject"]))
        db.session.add(review)
        db.session.flush()
        add_entry(help_request, "review", actor=review.author, summary="Review posted.",
                  detail={"review_id": review.id, "rating": review.rating}).at = written
        self.summary.created["reviews"] += 1

    def finish_request(self, help_request: HelpRequest, entry: dict[str, Any], claims: list[Claim]) -> None:
        """Set the counters the services keep: seats taken, stalled flag, last change."""
        help_request.seats_taken = sum(1 for c in claims if c.status in SEAT_CLAIM_STATUSES)
        period = timedelta(days=CADENCE_DAYS[help_request.checkin_cadence])
        last = help_request.last_checkin_at
        # Stalled means no check-in for two periods of the agreed cadence (product.md).
        if help_request.status == "in_progress" and last is not None and self.now - last > 2 * period:
            help_request.is_stalled, help_request.stalled_at = True, last + 2 * period
        last_step = self.at(help_request.title, entry["history"][-1][1])
        help_request.updated_at = max(last_step, last or last_step)
        db.session.flush()

    # The matching event ------------------------------------------------------------------
    def load_event(self, entry: dict[str, Any]) -> None:
        self.summary.counts["matching events"] += 1
        if db.session.scalar(sa.select(MatchingEvent.id).where(MatchingEvent.name == entry["name"])):
            return
        day = (self.now - timedelta(days=entry["starts_days_ago"])).replace(
            hour=0, minute=30, second=0, microsecond=0)  # 08:30 in Beijing
        event = MatchingEvent(name=entry["name"], starts_at=day, location=entry["location"],
                              online=entry["online"], capacity=entry["capacity"], status=entry["status"],
                              created_by=self.summary.accounts["coordinator"],
                              created_at=self.at(entry["name"], entry["created_days_ago"]))
        db.session.add(event)
        db.session.flush()
        for title in entry["requests"]:
            db.session.add(EventRequest(event_id=event.id, request_id=self.request(title).id))
        for registration in entry["registrations"]:
            volunteer = self.user(registration["volunteer"])
            attended = day + timedelta(minutes=zlib.crc32(volunteer.email.encode()) % 50)
            db.session.add(EventRegistration(
                event_id=event.id, volunteer_id=volunteer.id,
                preferences=[self.request(title).id for title in registration["preferences"]],
                created_at=self.at(volunteer.email, registration["registered_days_ago"]),
                attended_at=attended if registration["attended"] else None))
        for match in entry["matches"]:
            self.add_match(event, match)
        self.summary.created["matching events"] += 1

    def add_match(self, event: MatchingEvent, entry: dict[str, Any]) -> None:
        volunteer, help_request = self.user(entry["volunteer"]), self.request(entry["request"])
        claim = None
        if entry["confirmed"]:
            claim = db.session.scalar(sa.select(Claim).where(
                Claim.request_id == help_request.id, Claim.volunteer_id == volunteer.id,
                Claim.status.in_(SEAT_CLAIM_STATUSES)))
            if claim is None:
                raise DemoDataError(
                    f"confirmed match {volunteer.email} → {help_request.title!r} has no accepted claim")
        db.session.add(EventMatch(event_id=event.id, volunteer_id=volunteer.id, request_id=help_request.id,
                                  score=entry["score"], reasons=entry["reasons"],
                                  claim_id=claim.id if claim else None,
                                  confirmed_at=claim.accepted_at if claim else None))


def load_demo(advance: Callable[[], None] = lambda: None,
              on_start: Callable[[int], None] = lambda total: None) -> DemoSummary:
    """Sync the skills, then load every demo record that is not in the database yet, and commit.

    Records are matched by natural keys (e-mail, organisation name, request title within its
    organisation, event name), so a second run adds nothing and reports 0 new. The demo accounts
    share DEMO_PASSWORD, hashed once. `on_start(total)` and `advance()` report progress. Raises
    DemoDataError (and writes nothing beyond the skills) when a demo file is missing or refers to
    an unknown skill, account or request; raises TaxonomyError for a bad skills file.
    """
    sync_skills()
    content = read_demo_files(Path(current_app.config["CONTENT_DIR"]))
    password_hash = passwords.hash_password(current_app.config["DEMO_PASSWORD"])
    loader = DemoLoader(content, password_hash=password_hash, now=utcnow())
    on_start(loader.step_count)
    return loader.run(advance)

"""The demo loader: people, organisations and requests, each request walked through its history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.core.audit import services as audit
from app.core.models import AuditEvent, Skill, User
from app.demo.events import STARTS, EventSteps
from app.demo.intake import IntakeEvent, IntakeSteps
from app.demo.progress import ProgressSteps
from app.demo.state import SEAT_CLAIM_STATUSES, DemoDataError, DemoSummary
from app.extensions import db
from app.requests.models import HelpRequest, Membership, Organization
from app.requests.status import transition
from app.requests.timeline.services import add_entry
from app.volunteers.models import Claim, VolunteerProfile, VolunteerSkill

CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30}
STATUS_STAMPS = {"intake": "submitted_at", "open": "published_at", "delivered": "delivered_at",
                 "withdrawn": "withdrawn_at"}


@dataclass
class RequestStory:
    """A new request on its way through its history, which the past event may split in two."""

    entry: dict[str, Any]
    help_request: HelpRequest
    claim_entries: list[dict[str, Any]]  # its claims in the demo file, not loaded yet
    claims: list[Claim] = field(default_factory=list)
    from_event: list[Claim] = field(default_factory=list)  # made by confirming the past event's matches
    intake: list[IntakeEvent] | None = None  # its spec edits and messages not replayed yet
    next_step: int = 0  # the first status step not walked yet
    event_day: int | None = None  # days ago of the past event, when it split this history

    def take_claims(self, made_before: Callable[[int], bool]) -> list[dict[str, Any]]:
        """Its claim entries made on the days `made_before` accepts, no longer waiting to be loaded."""
        taken = [c for c in self.claim_entries if made_before(c["created_days_ago"])]
        self.claim_entries = [c for c in self.claim_entries if c not in taken]
        return taken


class DemoLoader(IntakeSteps, ProgressSteps, EventSteps):
    """Creates the demo rows that are not there yet, with plausible past timestamps, in one transaction."""

    @property
    def step_count(self) -> int:
        """How many units `run` reports to its progress callback."""
        staff = self.content["staff"]
        return (1 + len(staff["staff"]) + len(self.content["volunteers"])
                + len(self.content["organizations"]) + len(self.content["requests"])
                + 2)  # the histories around the past event, then the upcoming events

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
            advance()
            self.load_upcoming_events()
            self.count_events()
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
                verified_by=None if decided is None else self.coordinator,
                created_at=created, updated_at=created)
            db.session.add(org)
            self.summary.created["organisations"] += 1
            for member in self.content["staff"]["staff"]:
                if member["organization"] == entry["name"]:
                    org.memberships.append(Membership(user=self.user(member["email"]),
                                                      role=member["role"], created_at=created))
        self.orgs[entry["name"]] = org

    def load_request(self, entry: dict[str, Any]) -> None:
        """The request as its nonprofit drafted it; its intake and the rest follow in load_progress."""
        org = self.organization(entry["organization"])
        submissions = sum(1 for status, _ in entry["history"] if status == "intake")
        self.summary.counts["requests"] += 1
        self.summary.counts["spec versions"] += submissions + len(entry.get("spec_edits", []))
        self.summary.counts["thread messages"] += len(entry.get("messages", []))
        existing = db.session.scalar(sa.select(HelpRequest).where(
            HelpRequest.organization_id == org.id, HelpRequest.title == entry["title"]))
        if existing is not None:
            self.requests[entry["title"]] = existing
            return
        title, staff = entry["title"], self.staff_of(entry["organization"])
        created = self.at(title, entry["history"][0][1])
        deadline = entry.get("deadline_in_days")
        help_request = HelpRequest(
            organization=org, created_by=staff, status="draft", checkin_cadence=entry["checkin_cadence"],
            deadline=None if deadline is None else self.today_plus(deadline),
            created_at=created, updated_at=created, **self.answers(entry, final=False))
        db.session.add(help_request)
        db.session.flush()
        add_entry(help_request, "created", actor=staff, summary="Request created.").at = created
        self.requests[title] = help_request
        self.new_requests.add(title)
        self.summary.created["requests"] += 1

    # Progress ----------------------------------------------------------------------------
    def load_progress(self) -> None:
        """Walk every new request through its history, with its team's claims, check-ins and delivery.

        A past event loaded on this run splits the walk at its day, so the engine sees the demo as
        it stood then: every history up to the event (the claims made before it, status steps,
        spec edits and messages), then the event, whose confirmed matches seat the teams it formed,
        then the rest of every history.
        """
        progress = self.progress
        stories = [RequestStory(entry, self.requests[entry["title"]],
                                [c for c in progress["claims"] if c["request"] == entry["title"]])
                   for entry in self.content["requests"] if entry["title"] in self.new_requests]
        event_entry = self.past_event()
        if event_entry is not None:
            cut = event_entry["starts_days_ago"]
            opening = self.event_day(-cut) + STARTS
            for story in stories:
                story.claims += [self.add_claim(c) for c in story.take_claims(lambda days: days > cut)]
                self.walk_history(story, until=opening)
            made = self.match_past_event(event_entry, self.hold_past_event(event_entry))
            for story in stories:
                story.from_event = made.get(story.entry["title"], [])
                story.claims += story.from_event
                story.event_day = cut
        for story in stories:
            story.claims += [self.add_claim(c) for c in story.take_claims(lambda days: True)]
            self.walk_history(story, until=None)
            title = story.entry["title"]
            checkins = [c for c in progress["checkins"] if c["request"] == title]
            self.check_team(story, checkins)
            for checkin in checkins:
                self.add_checkin(checkin)
            for milestone in (m for m in progress["milestones"] if m["request"] == title):
                self.add_milestone(milestone, story.claims)
            for review in (r for r in progress["reviews"] if r["request"] == title):
                self.add_review(review)
            self.finish_request(story.help_request, story.entry, story.claims)
        for kind, key in (("claims", "claims"), ("check-ins", "checkins"), ("milestones", "milestones"),
                          ("deliveries", "deliveries"), ("reviews", "reviews")):
            self.summary.counts[kind] = len(progress[key])

    def check_team(self, story: RequestStory, checkins: list[dict[str, Any]]) -> None:
        """Refuse check-ins by someone the engine did not put on a team formed at the past event."""
        if not story.from_event:
            return
        team = {c.volunteer.email for c in story.claims if c.status in SEAT_CLAIM_STATUSES}
        for checkin in checkins:
            if checkin["author"] not in team:
                raise DemoDataError(
                    f"{story.entry['title']!r}: {checkin['author']} posts check-ins, but the engine placed "
                    f"{', '.join(sorted(team)) or 'nobody'} on its team at the matching event; change the "
                    f"event's registrations or the check-ins")

    def walk_history(self, story: RequestStory, until: datetime | None) -> None:
        """Replay each status step through the status machine (up to `until`, or to the end), then
        move its stamps into the past.

        Each submission drafts a spec version from the answers of that moment; the coordinator's
        edits and the thread's messages are added in time order between the steps. A step the
        past event's confirmation already took (the first seat starts the work) is not taken again.
        """
        help_request, entry, claims = story.help_request, story.entry, story.claims
        staff = self.staff_of(entry["organization"])
        coordinator = self.coordinator
        lead = next((c.volunteer for c in claims if c.role == "lead"), None)
        # Who moved the request: the coordinator publishes and sends back, the first acceptance
        # starts the work, the lead delivers, the nonprofit submits, asks for changes and accepts;
        # a coordinator withdraws the requests of an organisation that failed verification.
        starter = next((c.decided_by for c in claims if c.accepted_at), staff)
        if story.intake is None:
            story.intake = self.intake_events(help_request, entry)
        events = story.intake
        steps = entry["history"][1:]
        last_submission = max((i for i, (status, _) in enumerate(steps) if status == "intake"), default=None)
        stop = None if until is None else until.replace(hour=0, minute=0, second=0, microsecond=0)
        while story.next_step < len(steps):
            index, (status, days_ago) = story.next_step, steps[story.next_step]
            moment = self.at(help_request.title, days_ago)
            if stop is not None and moment >= stop:  # a step on the event's day comes after it
                break
            story.next_step += 1
            if days_ago == story.event_day and help_request.status == status:
                continue
            self.replay(help_request, events, until=moment)
            if status == "in_review":
                self.add_delivery(next(d for d in self.progress["deliveries"]
                                       if d["request"] == help_request.title and d["days_ago"] == days_ago))
            if index == last_submission:
                self.restore_answers(help_request, entry)
            actor = {"open": coordinator, "draft": coordinator, "in_review": lead,
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
            if status == "intake":
                self.add_drafted_spec(help_request, moment)
            elif status == "draft":
                self.check_sent_back(entry, days_ago)
            for claim in claims:
                if status == "delivered" and claim.status == "completed":
                    claim.closed_at = moment
        self.replay(help_request, events, until=until)

    def finish_request(self, help_request: HelpRequest, entry: dict[str, Any], claims: list[Claim]) -> None:
        """Set the counters the services keep: seats taken, stalled flag, last change."""
        help_request.seats_taken = sum(1 for c in claims if c.status in SEAT_CLAIM_STATUSES)
        if help_request.seats_taken > help_request.team_size:
            raise DemoDataError(f"{help_request.title!r} has {help_request.seats_taken} claims holding seats "
                                f"but its current spec asks for a team of {help_request.team_size}")
        period = timedelta(days=CADENCE_DAYS[help_request.checkin_cadence])
        last = help_request.last_checkin_at
        # Stalled means no check-in for two periods of the agreed cadence (product.md).
        if help_request.status == "in_progress" and last is not None and self.now - last > 2 * period:
            help_request.is_stalled, help_request.stalled_at = True, last + 2 * period
        last_step = self.at(help_request.title, entry["history"][-1][1])
        last_edit = max((v.created_at for v in help_request.spec_versions), default=last_step)
        help_request.updated_at = max(last_step, last or last_step, last_edit)
        db.session.flush()

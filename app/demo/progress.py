"""The demo teams' work: claims, check-ins with replies, milestones, deliveries, reviews."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.demo.state import SEAT_CLAIM_STATUSES, DemoState
from app.extensions import db
from app.requests.timeline.services import add_entry
from app.volunteers.models import (
    CheckIn,
    CheckInReply,
    Claim,
    Delivery,
    Milestone,
    Review,
)


class ProgressSteps(DemoState):
    """Adds what happened once a request was published, each record at its moment in the past."""

    def add_claim(self, entry: dict[str, Any]) -> Claim:
        help_request, volunteer = self.request(entry["request"]), self.user(entry["volunteer"])
        title, status = help_request.title, entry["status"]
        claim = Claim(help_request=help_request, volunteer=volunteer, role=entry["role"],
                      hours_per_week=entry["hours_per_week"], message=entry["message"], status=status,
                      created_at=self.at(title, entry["created_days_ago"]))
        decider = (self.coordinator if entry.get("decided_by") == "coordinator"
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

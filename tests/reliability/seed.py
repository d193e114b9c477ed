"""The attacker's battery's world: two organisations, a request in every status, and one user per role.

`seed_world()` builds it in one commit and returns a `World`: the users by role, the ids of every
object a route can name (`world.ids`, used to fill URL templates like "/claims/{pending_claim}"),
and a bearer token per user for the API. `client_for(app, world, role)` is a test client signed in
as that role (through tests.helpers.sign_in), `call(...)` sends one request as a role, and
`fingerprint()` reads every table, so a test can tell that a refused request changed nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.accounts.services import issue_api_token, password_reset_token
from app.core.db import utcnow
from app.core.models import Notification, User
from app.extensions import db
from app.requests.models import Attachment, OrganizationInvitation, RequestMessage
from app.search.models import SavedSearch
from app.volunteers.models import (
    CheckIn,
    CheckInReply,
    Delivery,
    EventMatch,
    EventRegistration,
    EventRequest,
    MatchingEvent,
    Milestone,
    Review,
)
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import EN, sign_in

# Who knocks on every door. "team" is the volunteer with a pending claim on the open request and an
# accepted seat on the requests past it; "volunteer" is any other volunteer; "member" is staff of the
# organisation owning every object, "outsider" staff of another one; "blocked" a blocked volunteer.
ROLES = ("anonymous", "blocked", "volunteer", "team", "member", "outsider", "coordinator")
TEXT_FILE = b"Opening hours and the list of our 40 volunteer drivers.\n"


@dataclass
class World:
    user_ids: dict[str, int]
    ids: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User:
        """The role's user, read again (tests end sessions between requests)."""
        return db.session.get(User, self.user_ids[role])

    def path(self, template: str) -> str:
        return template.format(**self.ids)


def _attachment(upload_dir: Path, *, uploaded_by: User, **owner: Any) -> Attachment:
    """An attachment row with its file on disk (a short UTF-8 text), as an upload would leave it."""
    key = secrets.token_hex(20)
    attachment = Attachment(uploaded_by_id=uploaded_by.id, original_name="drivers.txt",
                            content_type="text/plain", size_bytes=len(TEXT_FILE), storage_key=key, **owner)
    folder = upload_dir / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(TEXT_FILE)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def seed_world(upload_dir: Path, *, api: bool = True) -> World:
    """Build the world and commit it (about 0.1 s on SQLite); with `api`, a bearer token per user.

    The blocked user gets its token before it is blocked, as a user blocked later would have one.
    """
    member = make_user("nonprofit", name="Staff Wang")
    outsider = make_user("nonprofit", name="Outsider Zhao")
    volunteer = make_volunteer(name="Volunteer Qian")
    team = make_volunteer(name="Team Sun")
    coordinator = make_user("coordinator", name="Coordinator Li")
    blocked = make_volunteer(name="Blocked Zhou")
    org = make_org(members=[member], name="Green Roots Food Bank")
    other_org = make_org(members=[outsider], name="Mountain Clinic Fund")

    draft = make_request(org, status="draft", title="Paper visit records")
    intake = make_request(org, status="intake", title="Donor tracking")
    open_request = make_request(org, status="open", team_size=2, title="Map of food donors")
    in_progress = make_request(org, status="in_progress", title="Volunteer rota")
    in_review = make_request(org, status="in_review", title="Pick-up routes")
    delivered = make_request(org, status="delivered", title="Stock sheet")
    other_open = make_request(other_org, status="open", title="Clinic visits")

    pending_claim = make_claim(open_request, team, status="pending", role="lead")
    accepted_claim = make_claim(in_progress, team, status="accepted", role="lead")
    make_claim(in_review, team, status="accepted", role="lead")
    make_claim(delivered, team, status="completed", role="lead")
    now = utcnow()
    checkin = CheckIn(request_id=in_progress.id, author_id=team.id, summary="Rota page works.",
                      next_steps="Export to Excel.", blockers="None.", hours=3)
    db.session.add(checkin)
    db.session.flush()
    db.session.add(CheckInReply(checkin_id=checkin.id, author_id=member.id, body="Thank you!"))
    in_progress.last_checkin_at = now
    milestone = Milestone(request_id=in_progress.id, title="First version", created_by_id=member.id,
                          due_on=(now + timedelta(days=14)).date())
    delivery = Delivery(request_id=in_review.id, submitted_by_id=team.id,
                        repository_url="https://github.com/foodbank/routes",
                        demo_url="https://routes.example.org", handover_notes="Run make up.")
    review = Review(request_id=delivered.id, author_id=member.id, subject_user_id=team.id, rating=5,
                    body="Kept going every month.")
    message = RequestMessage(request_id=intake.id, author_id=member.id, body="Is the spec right?")
    notification = Notification(user_id=member.id, kind="claim_received", params={}, link="/dashboard")
    saved = SavedSearch(user_id=team.id, name="Maps", query="map", filters={})
    invitation_token = secrets.token_urlsafe(32)
    invitation = OrganizationInvitation(organization_id=org.id, email="newcomer@example.org",
                                        token_hash=hashlib.sha256(invitation_token.encode()).hexdigest(),
                                        invited_by_id=member.id, created_at=now)
    db.session.add_all([milestone, delivery, review, message, notification, saved, invitation])
    db.session.flush()
    attachment = _attachment(upload_dir, uploaded_by=member, request_id=draft.id, purpose="intake")
    document = _attachment(upload_dir, uploaded_by=member, organization_id=org.id, purpose="verification")
    # A published event featuring the open request, where the team volunteer is checked in and proposed,
    # and a draft event only coordinators see.
    event = MatchingEvent(name="Autumn hackathon", starts_at=now + timedelta(days=7),
                          ends_at=now + timedelta(days=7, hours=8), city="Beijing", location="Zhongguancun",
                          capacity=10, status="registration", published_at=now, created_by_id=coordinator.id,
                          matching_notes={})
    draft_event = MatchingEvent(name="Winter hackathon", starts_at=now + timedelta(days=60), city="Wuhan",
                                location="Optics Valley", capacity=10, status="planned",
                                created_by_id=coordinator.id, matching_notes={})
    db.session.add_all([event, draft_event])
    db.session.flush()
    db.session.add_all([
        EventRequest(event_id=event.id, request_id=open_request.id),
        EventRegistration(event_id=event.id, volunteer_id=team.id, status="registered",
                          check_in_code="TEAM2345", preferences=[open_request.id], attended_at=now),
        EventMatch(event_id=event.id, volunteer_id=team.id, request_id=open_request.id, score=0.5,
                   reasons=[]),
    ])
    db.session.commit()

    users = {"blocked": blocked, "volunteer": volunteer, "team": team, "member": member,
             "outsider": outsider, "coordinator": coordinator}
    tokens = {role: issue_api_token(user) for role, user in users.items()} if api else {}
    blocked.is_blocked = True
    db.session.commit()
    ids = {"org": org.id, "other_org": other_org.id, "draft": draft.id, "intake": intake.id,
           "open": open_request.id, "in_progress": in_progress.id, "in_review": in_review.id,
           "delivered": delivered.id, "other_open": other_open.id, "pending_claim": pending_claim.id,
           "accepted_claim": accepted_claim.id, "checkin": checkin.id, "milestone": milestone.id,
           "review": review.id, "notification": notification.id, "saved_search": saved.id,
           "attachment": attachment.id, "document": document.id, "invitation_token": invitation_token,
           "reset_token": password_reset_token(member), "team_user": team.id,
           "volunteer_user": volunteer.id, "member_user": member.id, "member_email": member.email,
           "event": event.id, "draft_event": draft_event.id}
    return World({role: user.id for role, user in users.items()}, ids, tokens)


def client_for(app: Flask, world: World, role: str) -> FlaskClient:
    """A fresh test client: signed in as `role` (its session cookie), or anonymous."""
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, world.user(role))
    return client


def prepare(app: Flask, world: World, role: str, path: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client and headers to call `path` as `role`: the session cookie for pages, a bearer token for
    the API. Signing in writes a session row, so take a fingerprint after this, not before."""
    headers = dict(EN)
    if path.startswith("/api/"):
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        return app.test_client(), headers
    return client_for(app, world, role), headers


def call(app: Flask, world: World, role: str, method: str, path: str, **kwargs: Any):
    """Send one request as `role` (see `prepare`)."""
    client, headers = prepare(app, world, role, path)
    return client.open(path, method=method, headers=headers, **kwargs)


def fingerprint() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal fingerprints mean nothing was written."""
    db.session.remove()
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            # Sorted here, not by the database: PostgreSQL can't order json columns.
            rows[table.name] = sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
    return rows

"""The access matrix: every rule in the URL map, called by every role, with a decision written down.

Each entry names a route by endpoint, the path it is called on (filled with the ids of the seeded
world, see tests/reliability/seed.py), what each role gets for GET and for the route's writing
method, and a body that would succeed for a role that may write. Outcomes are classes:

  A  allowed: 2xx, a redirect anywhere but the sign-in page, or 409/410/422 (it got past
     authorisation to a state or validation check)
  S  sign-in required: a redirect to the sign-in page (with ?next=), or 401
  D  denied: 403, or 404 where the app hides that the object exists

A new route without an entry fails the build, and so does an entry naming a route that is gone.
Every refused call must leave every table as it was: no unauthorised write.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.helpers import empty_all_tables, reset_rate_limits
from tests.reliability.seed import ROLES, TEXT_FILE, fingerprint, prepare, seed_world

A, S, D = "A", "S", "D"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
NEW_PASSWORD = "a brand new passphrase 42"


def expect(default: str, anonymous: str | None = None, **roles: str) -> dict[str, str]:
    """Outcomes by role: `default` for signed-in roles; a blocked user is treated as anonymous."""
    anonymous = anonymous or default
    outcomes = {role: default for role in ROLES}
    outcomes.update(anonymous=anonymous, blocked=anonymous, **roles)
    return outcomes


def only(*allowed: str, anonymous: str = S) -> dict[str, str]:
    """Only the named roles are allowed; other signed-in roles are denied."""
    return expect(D, anonymous, **{role: A for role in allowed})


PUBLIC = expect(A)
SIGNED_IN = expect(A, S)
COORDINATOR = only("coordinator")
VOLUNTEERS = only("volunteer", "team")
NONPROFITS = only("member", "outsider")
STAFF = only("member")
STAFF_OR_COORDINATOR = only("member", "coordinator")
# A private request (draft, intake): its staff and coordinators see it; for everyone else it does not exist.
HIDDEN_BUT_TO_STAFF = only("member", "coordinator", anonymous=D)
# The request's team, its organisation's staff and coordinators.
INSIDERS = only("team", "member", "coordinator")


@dataclass(frozen=True)
class Route:
    path: str
    get: dict[str, str] | None = None
    write: dict[str, str] | None = None
    body: dict[str, Any] | None = None  # form fields for pages, JSON for the API; "{name}" → world.ids
    upload: bool = False  # send the body as multipart with a small text file in `file`


ORGANIZATION_FORM = {"name": "Green Roots Food Bank", "description": "We move surplus food.",
                     "cause_areas": "poverty-relief", "region": "Beijing", "contact_name": "Wang",
                     "contact_phone": "+86 138 0000 1111", "contact_email": "wang@example.org"}
SPEC_FORM = {"base_version": "1", "summary": "A rota for drivers.", "background": "Paper today.",
             "users_and_roles": "Staff", "data_entities": "Driver", "user_stories": "As staff I plan.",
             "acceptance_criteria": "Works on phones.", "constraints": "", "open_questions": "",
             "team_size": "1", "effort_hours": "40", "effort_reasoning": "Small.", "note": "Clearer."}
CHECKIN_FORM = {"summary": "Export works.", "next_steps": "Deploy.", "blockers": "", "hours": "3",
                "status": "on_track", "percent_complete": "60"}
DELIVERY_BODY = {"repository_url": "https://github.com/foodbank/rota", "demo_url": "",
                 "handover_notes": "Run make up."}
EVENT_FORM = {"name": "Spring hackathon", "starts_at": "2030-04-18T09:00", "ends_at": "2030-04-18T17:00",
              "city": "Beijing", "location": "Zhongguancun", "capacity": "30",
              "description": "A day of matching."}

MATRIX: dict[str, Route] = {
    # --- accounts and pages everyone sees -------------------------------------------------------
    "core.home": Route("/", get=PUBLIC),
    "core.healthz": Route("/healthz", get=PUBLIC),
    "static": Route("/static/css/app.css", get=PUBLIC),
    "core.sign_in": Route("/sign-in", get=PUBLIC, write=PUBLIC,
                          body={"email": "nobody@example.org", "password": "wrong password"}),
    "core.sign_up": Route("/sign-up", get=PUBLIC, write=PUBLIC,
                          body={"role": "volunteer", "name": "New Person", "email": "new@example.org",
                                "password": NEW_PASSWORD, "locale": "en"}),
    "core.sign_out": Route("/sign-out", write=PUBLIC, body={}),
    "core.sign_out_everywhere": Route("/account/sign-out-everywhere", write=SIGNED_IN, body={}),
    "core.forgot_password": Route("/forgot-password", get=PUBLIC, write=PUBLIC,
                                  body={"email": "{member_email}"}),
    # Whoever holds the e-mailed link may choose the password: the link is the credential.
    "core.reset_password": Route("/reset-password/{reset_token}", get=PUBLIC, write=PUBLIC,
                                 body={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    "core.switch_language": Route("/language/en", write=PUBLIC, body={}),
    "core.account": Route("/account", get=SIGNED_IN, write=SIGNED_IN,
                          body={"name": "Renamed", "locale": "en", "claims": "y"}),
    "core.change_password": Route("/account/password", get=SIGNED_IN, write=SIGNED_IN,
                                  body={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD}),
    "core.dashboard": Route("/dashboard", get=SIGNED_IN),
    "core.list_notifications": Route("/notifications", get=SIGNED_IN),
    "core.read_all_notifications": Route("/notifications/read-all", write=SIGNED_IN, body={}),
    "core.read_notification": Route("/notifications/{notification}/read", write=STAFF, body={}),
    "core.audit_log": Route("/audit", get=COORDINATOR),
    "search.search_requests": Route("/search?q=map", get=PUBLIC),
    "requests.browse_projects": Route("/projects", get=PUBLIC),
    "search.saved_searches": Route("/search/saved", get=VOLUNTEERS),
    "search.save_search": Route("/search/saved", write=VOLUNTEERS,
                                body={"name": "Maps", "frequency": "weekly", "search": "q=map"}),
    "search.delete_saved_search": Route("/search/saved/{saved_search}/delete", write=only("team"), body={}),

    # --- organisations --------------------------------------------------------------------------
    "requests.create_organization": Route("/organizations/new", get=NONPROFITS, write=NONPROFITS,
                                          body={**ORGANIZATION_FORM, "name": "Riverside Shelter"}),
    "requests.show_organization": Route("/organizations/{org}", get=PUBLIC),
    "requests.edit_organization": Route("/organizations/{org}/edit", get=STAFF_OR_COORDINATOR,
                                        write=STAFF_OR_COORDINATOR, body=ORGANIZATION_FORM),
    "requests.organization_members": Route("/organizations/{org}/members", get=STAFF_OR_COORDINATOR),
    # Staff bring in colleagues; coordinators don't add people to someone else's team.
    "requests.invite_member": Route("/organizations/{org}/invitations", write=STAFF,
                                    body={"email": "colleague@example.org"}),
    # Anyone may open the link; only the invited address may join (an unknown address signs up).
    "requests.accept_invitation": Route("/invitations/{invitation_token}", get=PUBLIC, write=expect(D, A),
                                        body={"name": "New Colleague", "password": NEW_PASSWORD,
                                              "locale": "en"}),
    "requests.organization_verification": Route("/organizations/{org}/verification",
                                                get=STAFF_OR_COORDINATOR),
    "requests.upload_verification_document": Route("/organizations/{org}/verification/documents",
                                                   write=STAFF_OR_COORDINATOR, body={}, upload=True),
    "requests.delete_verification_document": Route(
        "/organizations/{org}/verification/documents/{document}/delete", write=STAFF_OR_COORDINATOR, body={}),
    "requests.request_verification": Route("/organizations/{org}/verification/request", write=STAFF, body={}),
    "requests.decide_verification": Route("/organizations/{org}/verification/decision", write=COORDINATOR,
                                          body={"decision": "rejected", "note": "Send your registration."}),
    "requests.verification_queue": Route("/organizations/verification-queue", get=COORDINATOR),

    # --- intake: drafts, files, withdrawal -------------------------------------------------------
    "requests.new_request": Route("/requests/new", get=NONPROFITS, write=NONPROFITS,
                                  body={"title": "A stock sheet"}),
    "requests.my_requests": Route("/requests/mine", get=NONPROFITS),
    "requests.edit_draft": Route("/requests/{draft}/intake/problem", get=STAFF, write=STAFF,
                                 body={"problem": "Visits are on paper."}),
    "requests.submit_request": Route("/requests/{draft}/submit", write=STAFF, body={}),
    "requests.upload_attachment": Route("/requests/{draft}/attachments", write=STAFF, body={}, upload=True),
    "requests.delete_attachment": Route("/requests/{draft}/attachments/{attachment}/delete", write=STAFF,
                                        body={}),
    "requests.download_attachment": Route("/attachments/{attachment}", get=HIDDEN_BUT_TO_STAFF),
    "requests.withdraw_request": Route("/requests/{open}/withdraw", get=STAFF_OR_COORDINATOR,
                                       write=STAFF_OR_COORDINATOR, body={"reason": "Solved otherwise."}),

    # --- request pages ----------------------------------------------------------------------------
    "requests.view_request": Route("/requests/{draft}", get=HIDDEN_BUT_TO_STAFF),
    "requests.request_timeline": Route("/requests/{intake}/timeline", get=HIDDEN_BUT_TO_STAFF),
    "requests.download_spec": Route("/requests/{intake}/spec.md", get=HIDDEN_BUT_TO_STAFF),
    "requests.spec_versions": Route("/requests/{intake}/spec/versions", get=HIDDEN_BUT_TO_STAFF),
    "requests.show_spec_version": Route("/requests/{intake}/spec/versions/1", get=HIDDEN_BUT_TO_STAFF),
    "requests.compare_spec_versions": Route("/requests/{intake}/spec/compare", get=HIDDEN_BUT_TO_STAFF),
    "requests.request_thread": Route("/requests/{intake}/thread",
                                     get=STAFF_OR_COORDINATOR),
    "requests.post_message": Route("/requests/{intake}/thread", write=STAFF_OR_COORDINATOR,
                                   body={"body": "Which staff would use it?"}),

    # --- coordinator review -----------------------------------------------------------------------
    "requests.intake_queue": Route("/intake", get=COORDINATOR),
    "requests.review_request": Route("/requests/{intake}/review", get=COORDINATOR),
    "requests.edit_spec": Route("/requests/{intake}/spec/edit", get=COORDINATOR, write=COORDINATOR,
                                body=SPEC_FORM),
    "requests.publish_request": Route("/requests/{intake}/publish", write=COORDINATOR, body={}),
    "requests.send_back_request": Route("/requests/{intake}/send-back", write=COORDINATOR,
                                        body={"message": "Who enters the data?"}),
    "requests.reject_request": Route("/requests/{intake}/reject", write=COORDINATOR,
                                     body={"reason": "Not software."}),
    "volunteers.needs_attention": Route("/coordinator/needs-attention", get=COORDINATOR),
    "volunteers.nudge_team": Route("/requests/{in_progress}/nudge", write=COORDINATOR,
                                   body={"note": "How is it going?"}),

    # --- claims -----------------------------------------------------------------------------------
    # The team volunteer already has a live claim: its GET goes to that claim, its POST is a 409.
    "volunteers.claim_seat": Route("/requests/{open}/claim", get=VOLUNTEERS, write=VOLUNTEERS,
                                   body={"role": "member", "hours_per_week": "4", "message": "I can help.",
                                         "commitment_months": "3"}),
    "volunteers.show_claim": Route("/claims/{pending_claim}", get=INSIDERS),
    "volunteers.accept_claim": Route("/claims/{pending_claim}/accept", write=STAFF_OR_COORDINATOR, body={}),
    "volunteers.decline_claim": Route("/claims/{pending_claim}/decline", write=STAFF_OR_COORDINATOR, body={}),
    "volunteers.withdraw_claim": Route("/claims/{pending_claim}/withdraw", write=only("team"), body={}),
    "volunteers.release_claim": Route("/claims/{accepted_claim}/release", write=COORDINATOR, body={}),
    # Staff and coordinators see the claim; only its volunteer renews or concludes.
    "volunteers.renew_claim": Route("/claims/{accepted_claim}/renew", get=only("team"),
                                    write=only("team"), body={"commitment_months": "3"}),
    "volunteers.conclude_claim": Route("/claims/{accepted_claim}/conclude",
                                       get=only("team"), write=only("team"),
                                       body={"exit_note": "Export done; deployment next."}),
    "volunteers.my_projects": Route("/my-projects", get=VOLUNTEERS),

    # --- progress: check-ins and milestones --------------------------------------------------------
    # Anyone else opening the check-in form is sent back to the request page with an explanation.
    "volunteers.post_checkin": Route("/requests/{in_progress}/checkins/new", get=SIGNED_IN,
                                     write=only("team"), body=CHECKIN_FORM),
    "volunteers.reply_to_checkin": Route("/checkins/{checkin}/replies",
                                         write=INSIDERS, body={"body": "Thanks!"}),
    "volunteers.add_milestone": Route("/requests/{in_progress}/milestones",
                                      write=INSIDERS,
                                      body={"title": "Beta", "due_on": "2030-01-31"}),
    "volunteers.complete_milestone": Route("/milestones/{milestone}/done",
                                           write=INSIDERS, body={}),

    # --- delivery and reviews -----------------------------------------------------------------------
    "volunteers.submit_delivery": Route("/requests/{in_progress}/deliver", get=only("team"),
                                        write=only("team"), body=DELIVERY_BODY),
    "volunteers.accept_delivery": Route("/requests/{in_review}/delivery/accept", write=STAFF, body={}),
    "volunteers.request_delivery_changes": Route("/requests/{in_review}/delivery/changes", get=STAFF,
                                                 write=STAFF, body={"body": "The export misses dates."}),
    "volunteers.write_review": Route("/requests/{delivered}/reviews/new?subject={team_user}",
                                     get=only("team", "member"), write=only("team", "member"),
                                     body={"rating": "5", "body": "Kept going every month."}),
    "volunteers.edit_review": Route("/reviews/{review}/edit", get=STAFF, write=STAFF,
                                    body={"rating": "4", "body": "Good work."}),

    # --- volunteer profiles and recommendations --------------------------------------------------
    "volunteers.show_profile": Route("/volunteers/{team_user}", get=PUBLIC),
    "volunteers.edit_profile": Route("/volunteers/me/edit", get=VOLUNTEERS, write=VOLUNTEERS,
                                     body={"hours_per_week": "6", "timezone": "Asia/Shanghai",
                                           "remote": "yes", "bio": "Flask and maps."}),
    "volunteers.suggest_skills": Route("/volunteers/skills/suggest?q=py", get=PUBLIC),
    "volunteers.recommended_projects": Route("/recommendations", get=VOLUNTEERS),
    # Matching events: the public pages and the engineer's registration (a draft does not exist for others).
    "volunteers.list_events": Route("/events", get=PUBLIC),
    "volunteers.show_event": Route("/events/{draft_event}", get=only("coordinator", anonymous=D)),
    "volunteers.register_for_event": Route("/events/{event}/registration", write=VOLUNTEERS,
                                           body={"choice_1": "{open}"}),
    "volunteers.change_event_ranking": Route("/events/{event}/ranking", write=only("team"),
                                             body={"choice_1": "{open}"}),
    "volunteers.cancel_event_registration": Route("/events/{event}/cancel", write=only("team"), body={}),
    "volunteers.show_check_in_code": Route("/events/{event}/my-code", get=only("team")),
    # The coordinator's pages: only coordinators, on a draft as on a published event; for everyone else
    # the page is refused before the event is looked up (403 whatever the id, so nothing leaks).
    "volunteers.manage_create_event": Route("/events/new", get=COORDINATOR, write=COORDINATOR,
                                            body=EVENT_FORM),
    "volunteers.manage_event": Route("/events/{draft_event}/manage", get=COORDINATOR),
    "volunteers.manage_edit_event": Route("/events/{draft_event}/edit", get=COORDINATOR, write=COORDINATOR,
                                          body={**EVENT_FORM, "name": "Renamed hackathon"}),
    "volunteers.manage_publish_event": Route("/events/{draft_event}/publish", get=COORDINATOR,
                                             write=COORDINATOR, body={}),
    "volunteers.manage_close_event": Route("/events/{event}/close", get=COORDINATOR, write=COORDINATOR,
                                           body={}),
    "volunteers.manage_event_requests": Route("/events/{event}/requests?q=clinic", get=COORDINATOR),
    "volunteers.manage_feature_requests": Route("/events/{event}/requests", write=COORDINATOR,
                                                body={"request_ids": "{other_open}"}),
    "volunteers.manage_unfeature_request": Route("/events/{event}/requests/{open}/unfeature",
                                                 write=COORDINATOR, body={}),
    # A code is enough to check someone in at the door: only coordinators may try codes.
    "volunteers.manage_check_in": Route("/events/{event}/check-in?q=Sun", get=COORDINATOR, write=COORDINATOR,
                                        body={"check_in_code": "TEAM2345"}),
    "volunteers.manage_board": Route("/events/{event}/board", get=COORDINATOR),
    "volunteers.manage_board_state": Route("/events/{event}/board/state", get=COORDINATOR),
    "volunteers.manage_run_matching": Route("/events/{event}/board/run", write=COORDINATOR, body={}),
    "volunteers.manage_move_person": Route("/events/{event}/board/move", write=COORDINATOR,
                                           body={"user_id": "{team_user}", "request_id": ""}),
    "volunteers.manage_lock_match": Route("/events/{event}/board/lock", write=COORDINATOR,
                                          body={"user_id": "{team_user}", "locked": "1"}),
    "volunteers.manage_confirm_matches": Route("/events/{event}/board/confirm", get=COORDINATOR,
                                               write=COORDINATOR, body={}),
    "volunteers.manage_report": Route("/events/{event}/report", get=COORDINATOR),
    "volunteers.manage_report_csv": Route("/events/{event}/report.csv", get=COORDINATOR),

    # --- API: accounts -------------------------------------------------------------------------
    "api.openapi_json": Route("/api/v1/openapi.json", get=PUBLIC),
    "api.create_user": Route("/api/v1/users", write=PUBLIC,
                             body={"email": "api-user@example.org", "password": NEW_PASSWORD,
                                   "name": "Api User", "role": "volunteer", "locale": "en"}),
    "api.issue_token": Route("/api/v1/auth/token", write=PUBLIC,
                             body={"email": "{member_email}", "password": DEFAULT_PASSWORD}),
    "api.revoke_token": Route("/api/v1/auth/token", write=SIGNED_IN),
    "api.read_me": Route("/api/v1/me", get=SIGNED_IN),
    "api.update_me": Route("/api/v1/me", write=SIGNED_IN, body={"name": "Renamed"}),
    "api.list_audit_events": Route("/api/v1/audit-events", get=COORDINATOR),
    "api.read_stats": Route("/api/v1/stats", get=COORDINATOR),

    # --- API: organisations -------------------------------------------------------------------
    "api.list_organizations": Route("/api/v1/organizations", get=PUBLIC),
    "api.create_organization": Route("/api/v1/organizations", write=NONPROFITS,
                                     body={"name": "Riverside Shelter", "description": "Beds for the night.",
                                           "cause_areas": ["poverty-relief"], "region": "Wuhan"}),
    "api.read_organization": Route("/api/v1/organizations/{org}", get=PUBLIC),
    "api.update_organization": Route("/api/v1/organizations/{org}", write=STAFF_OR_COORDINATOR,
                                     body={"description": "We move surplus food, fast."}),
    "api.list_members": Route("/api/v1/organizations/{org}/members", get=STAFF_OR_COORDINATOR),
    "api.invite_member": Route("/api/v1/organizations/{org}/invitations", write=STAFF,
                               body={"email": "colleague@example.org"}),
    "api.accept_invitation": Route("/api/v1/invitations/accept", write=expect(D, S),
                                   body={"token": "{invitation_token}"}),
    "api.decide_verification": Route("/api/v1/organizations/{org}/verification", write=COORDINATOR,
                                     body={"decision": "rejected", "note": "Send your registration."}),
    "api.request_verification": Route("/api/v1/organizations/{org}/verification/request", write=STAFF),

    # --- API: help requests, intake and specs --------------------------------------------------
    "api.list_requests": Route("/api/v1/requests", get=PUBLIC),
    # Nonprofit staff start drafts for their own organisation only.
    "api.create_request": Route("/api/v1/requests", write=STAFF, body={"organization_id": "{org}",
                                                                        "title": "A stock sheet"}),
    "api.read_request": Route("/api/v1/requests/{draft}", get=HIDDEN_BUT_TO_STAFF),
    "api.update_request": Route("/api/v1/requests/{draft}", write=STAFF, body={"problem": "On paper."}),
    "api.submit_request": Route("/api/v1/requests/{draft}/submit", write=STAFF),
    "api.withdraw_request": Route("/api/v1/requests/{open}/withdraw", write=STAFF_OR_COORDINATOR,
                                  body={"reason": "Solved otherwise."}),
    "api.read_timeline": Route("/api/v1/requests/{intake}/timeline", get=HIDDEN_BUT_TO_STAFF),
    "api.list_request_attachments": Route("/api/v1/requests/{draft}/attachments", get=HIDDEN_BUT_TO_STAFF),
    "api.upload_request_attachment": Route("/api/v1/requests/{draft}/attachments", write=STAFF, body={},
                                           upload=True),
    "api.download_request_attachment": Route("/api/v1/requests/{draft}/attachments/{attachment}",
                                             get=HIDDEN_BUT_TO_STAFF),
    "api.delete_request_attachment": Route("/api/v1/requests/{draft}/attachments/{attachment}", write=STAFF),
    "api.get_spec": Route("/api/v1/requests/{intake}/spec", get=HIDDEN_BUT_TO_STAFF),
    "api.list_spec_versions": Route("/api/v1/requests/{intake}/spec/versions", get=HIDDEN_BUT_TO_STAFF),
    "api.update_spec": Route("/api/v1/requests/{intake}/spec", write=COORDINATOR,
                             body={"summary": "A rota for drivers.", "base_version": 1}),
    "api.publish_request": Route("/api/v1/requests/{intake}/publish", write=COORDINATOR),
    "api.send_back_request": Route("/api/v1/requests/{intake}/send-back", write=COORDINATOR,
                                   body={"message": "Who enters the data?"}),
    "api.reject_request": Route("/api/v1/requests/{intake}/reject", write=COORDINATOR,
                                body={"reason": "Not software."}),
    "api.list_messages": Route("/api/v1/requests/{intake}/messages", get=STAFF_OR_COORDINATOR),
    "api.post_message": Route("/api/v1/requests/{intake}/messages", write=STAFF_OR_COORDINATOR,
                              body={"body": "Which staff would use it?"}),

    # --- API: claims ----------------------------------------------------------------------------
    "api.create_claim": Route("/api/v1/requests/{open}/claims", write=VOLUNTEERS,
                              body={"role": "member", "hours_per_week": 4}),
    "api.list_request_claims": Route("/api/v1/requests/{open}/claims", get=STAFF_OR_COORDINATOR),
    "api.list_my_claims": Route("/api/v1/volunteers/me/claims", get=VOLUNTEERS),
    "api.read_claim": Route("/api/v1/claims/{pending_claim}", get=INSIDERS),
    "api.accept_claim": Route("/api/v1/claims/{pending_claim}/accept", write=STAFF_OR_COORDINATOR, body={}),
    "api.decline_claim": Route("/api/v1/claims/{pending_claim}/decline", write=STAFF_OR_COORDINATOR, body={}),
    "api.withdraw_claim": Route("/api/v1/claims/{pending_claim}/withdraw", write=only("team"), body={}),
    "api.release_claim": Route("/api/v1/claims/{accepted_claim}/release", write=COORDINATOR, body={}),
    "api.renew_claim": Route("/api/v1/claims/{accepted_claim}/renew", write=only("team"),
                             body={"commitment_months": 3}),
    "api.conclude_claim": Route("/api/v1/claims/{accepted_claim}/conclude", write=only("team"),
                                body={"exit_note": "Export done; deployment next."}),

    # --- API: progress, delivery, reviews --------------------------------------------------------
    "api.list_checkins": Route("/api/v1/requests/{in_progress}/checkins", get=PUBLIC),
    "api.create_checkin": Route("/api/v1/requests/{in_progress}/checkins", write=only("team"),
                                body={"summary": "Export works.", "hours": 3}),
    "api.create_checkin_reply": Route("/api/v1/checkins/{checkin}/replies",
                                      write=INSIDERS, body={"body": "Thanks!"}),
    "api.list_milestones": Route("/api/v1/requests/{in_progress}/milestones", get=PUBLIC),
    "api.create_milestone": Route("/api/v1/requests/{in_progress}/milestones",
                                  write=INSIDERS, body={"title": "Beta"}),
    "api.update_milestone": Route("/api/v1/milestones/{milestone}",
                                  write=INSIDERS, body={"done": True}),
    "api.submit_delivery": Route("/api/v1/requests/{in_progress}/delivery", write=only("team"),
                                 body={"repository_url": "https://github.com/foodbank/rota",
                                       "handover_notes": "Run make up."}),
    # The delivery of a public request is public (to signed-in callers); its notes are not.
    "api.read_delivery": Route("/api/v1/requests/{in_review}/delivery", get=SIGNED_IN),
    "api.accept_delivery": Route("/api/v1/requests/{in_review}/delivery/accept", write=STAFF, body={}),
    "api.request_delivery_changes": Route("/api/v1/requests/{in_review}/delivery/changes", write=STAFF,
                                          body={"body": "The export misses dates."}),
    "api.list_reviews": Route("/api/v1/requests/{delivered}/reviews", get=PUBLIC),
    "api.create_review": Route("/api/v1/requests/{delivered}/reviews", write=only("team", "member"),
                               body={"rating": 5, "body": "Kept going.", "subject_user_id": "{team_user}"}),
    "api.update_review": Route("/api/v1/reviews/{review}", write=STAFF, body={"rating": 4}),

    # --- API: volunteers and saved searches ---------------------------------------------------
    "api.read_volunteer_profile": Route("/api/v1/volunteers/{team_user}", get=PUBLIC),
    "api.read_my_volunteer_profile": Route("/api/v1/volunteers/me", get=VOLUNTEERS),
    "api.update_my_volunteer_profile": Route("/api/v1/volunteers/me", write=VOLUNTEERS,
                                             body={"hours_per_week": 6}),
    "api.list_recommendations": Route("/api/v1/volunteers/me/recommendations", get=VOLUNTEERS),
    "api.list_saved_searches": Route("/api/v1/saved-searches", get=VOLUNTEERS),
    "api.create_saved_search": Route("/api/v1/saved-searches", write=VOLUNTEERS,
                                     body={"name": "Maps", "q": "map"}),
    "api.delete_saved_search": Route("/api/v1/saved-searches/{saved_search}", write=only("team")),

    # --- API: matching events ---------------------------------------------------------------------
    # {event} is published: the team volunteer is registered, checked in and proposed for {open}.
    # {draft_event} is a draft: it does not exist for anyone but coordinators.
    "api.create_event": Route("/api/v1/events", write=COORDINATOR,
                              body={"name": "Spring hackathon", "starts_at": "2030-04-18T09:00:00+08:00",
                                    "city": "Beijing", "location": "Zhongguancun", "capacity": 30}),
    "api.list_events": Route("/api/v1/events", get=PUBLIC),
    "api.read_event": Route("/api/v1/events/{draft_event}", get=only("coordinator", anonymous=D)),
    "api.update_event": Route("/api/v1/events/{event}", write=COORDINATOR, body={"name": "Renamed"}),
    "api.publish_event": Route("/api/v1/events/{draft_event}/publish", write=COORDINATOR),
    "api.close_event": Route("/api/v1/events/{event}/close", write=COORDINATOR),
    "api.feature_requests": Route("/api/v1/events/{event}/requests", write=COORDINATOR,
                                  body={"request_ids": ["{other_open}"]}),
    "api.unfeature_request": Route("/api/v1/events/{event}/requests/{open}", write=COORDINATOR),
    # The team volunteer is registered already: their second registration is a 409, past authorisation.
    "api.register_for_event": Route("/api/v1/events/{event}/registrations", write=VOLUNTEERS,
                                    body={"preferences": ["{open}"]}),
    # Only a registered engineer has a ranking to change, a registration to cancel or to read.
    "api.change_event_preferences": Route("/api/v1/events/{event}/registrations", write=only("team"),
                                          body={"preferences": []}),
    "api.cancel_event_registration": Route("/api/v1/events/{event}/registrations", write=only("team")),
    "api.read_my_registration": Route("/api/v1/events/{event}/registration", get=only("team")),
    "api.list_event_registrations": Route("/api/v1/events/{event}/registrations", get=COORDINATOR),
    "api.check_in": Route("/api/v1/events/{event}/attendance", write=COORDINATOR,
                          body={"user_id": "{team_user}"}),
    "api.run_matching": Route("/api/v1/events/{event}/matching", write=COORDINATOR, body={}),
    "api.move_match": Route("/api/v1/events/{event}/matching/move", write=COORDINATOR,
                            body={"user_id": "{team_user}", "request_id": None}),
    "api.lock_match": Route("/api/v1/events/{event}/matching/lock", write=COORDINATOR,
                            body={"user_id": "{team_user}", "locked": True}),
    "api.confirm_matches": Route("/api/v1/events/{event}/matching/confirm", write=COORDINATOR, body={}),
    "api.read_board": Route("/api/v1/events/{event}/board", get=COORDINATOR),
    "api.read_report": Route("/api/v1/events/{event}/report", get=COORDINATOR),
    "api.download_report_csv": Route("/api/v1/events/{event}/report.csv", get=COORDINATOR),
}

def write_method(rule_methods: set[str]) -> str | None:
    return next((m for m in WRITE_METHODS if m in rule_methods), None)


def classify(response) -> str:
    status = response.status_code
    if status == 401:
        return S
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers["Location"])
        return S if location.path == "/sign-in" and "next" in parse_qs(location.query) else A
    if status in (403, 404):
        return D
    if status < 400 or status in (409, 410, 422):
        return A
    return f"HTTP {status}"


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """The body with "{name}" placeholders replaced by the world's ids (a whole "{name}" keeps its type)."""
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


def request_kwargs(route: Route, method: str, ids: dict[str, Any]) -> dict[str, Any]:
    if method == "GET" or route.body is None:
        return {}
    body = fill(route.body, ids)
    if route.upload:
        return {"data": {**body, "file": (io.BytesIO(TEXT_FILE), "drivers.txt")},
                "content_type": "multipart/form-data"}
    if route.path.startswith("/api/"):
        return {"json": body}
    return {"data": body}


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def url_rules(app) -> dict[str, set[str]]:
    return {rule.endpoint: set(rule.methods) - {"HEAD", "OPTIONS"} for rule in app.url_map.iter_rules()}


def test_every_route_in_the_url_map_has_an_access_decision(app):
    rules = url_rules(app)
    assert sorted(set(rules) - set(MATRIX)) == [], "routes without an access decision: add them to MATRIX"
    assert sorted(set(MATRIX) - set(rules)) == [], "MATRIX names routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_every_method_of_a_route_has_a_decision(app, endpoint):
    methods, route = url_rules(app).get(endpoint, set()), MATRIX[endpoint]
    assert ("GET" in methods) == (route.get is not None), "GET decision does not match the route"
    assert (write_method(methods) is not None) == (route.write is not None), "write decision mismatch"


CASES = [(endpoint, kind) for endpoint, route in sorted(MATRIX.items())
         for kind, outcomes in (("GET", route.get), ("write", route.write)) if outcomes is not None]


@pytest.mark.parametrize(("endpoint", "kind"), CASES, ids=[f"{e}-{k}" for e, k in CASES])
def test_each_role_gets_what_the_matrix_says(app, upload_dir, endpoint, kind):
    """Refused roles first, on one world, each checked to have changed nothing; then each allowed
    role on a fresh world (an allowed write changes what the next caller would find)."""
    route = MATRIX[endpoint]
    method = "GET" if kind == "GET" else write_method(url_rules(app)[endpoint])
    outcomes = route.get if kind == "GET" else route.write
    world = seed_world(upload_dir, api=route.path.startswith("/api/"))
    refused = [role for role in ROLES if outcomes[role] != A]
    allowed = [role for role in ROLES if outcomes[role] == A]
    got: dict[str, str] = {}
    dirty = False
    for role in refused + allowed:
        if dirty:
            empty_all_tables()
            world = seed_world(upload_dir, api=route.path.startswith("/api/"))
        reset_rate_limits()
        path = world.path(route.path)
        client, headers = prepare(app, world, role, path)
        before = fingerprint() if role in refused else None
        kwargs = request_kwargs(route, method, world.ids)
        response = client.open(path, method=method, headers=headers, **kwargs)
        response.close()
        wrote = before is not None and fingerprint() != before
        got[role] = classify(response) + (" + WROTE" if wrote else "")
        dirty = method != "GET" and (wrote or role in allowed)
    assert got == outcomes


MISMATCHED = [
    ("POST", "/requests/{other_open}/attachments/{attachment}/delete"),
    ("POST", "/organizations/{other_org}/verification/documents/{document}/delete"),
    ("GET", "/api/v1/requests/{other_open}/attachments/{attachment}"),
    ("DELETE", "/api/v1/requests/{other_open}/attachments/{attachment}"),
]


@pytest.mark.parametrize(("method", "template"), MISMATCHED)
def test_staff_cannot_reach_another_organisations_file_through_their_own_ids(app, upload_dir, method,
                                                                              template):
    """The outsider owns the path's request or organisation; the file in it belongs to someone else."""
    world = seed_world(upload_dir, api=template.startswith("/api/"))
    path = world.path(template)
    client, headers = prepare(app, world, "outsider", path)
    before = fingerprint()
    response = client.open(path, method=method, headers=headers)
    response.close()
    assert response.status_code == 404
    assert fingerprint() == before


EVENT_CASES = [(endpoint, kind) for endpoint, kind in CASES if "/events/{" in MATRIX[endpoint].path]
NOT_COORDINATORS = [role for role in ROLES if role != "coordinator"]


@pytest.mark.parametrize(("endpoint", "kind"), EVENT_CASES, ids=[f"{e}-{k}" for e, k in EVENT_CASES])
def test_a_draft_event_answers_as_no_event_does_to_everyone_but_coordinators(app, upload_dir, endpoint, kind):
    """Every event route, page and API, called on the draft event and on an id no event has: each role
    but coordinators gets the same answer for both (so nobody learns the draft exists), is refused or
    sent to sign in, and changes nothing."""
    route = MATRIX[endpoint]
    method = "GET" if kind == "GET" else write_method(url_rules(app)[endpoint])
    world = seed_world(upload_dir, api=route.path.startswith("/api/"))
    missing = max(world.ids["event"], world.ids["draft_event"]) + 1000
    got: dict[str, list[tuple[int, str]]] = {}
    for role in NOT_COORDINATORS:
        got[role] = []
        for event_id in (world.ids["draft_event"], missing):
            template = route.path.replace("{event}", str(event_id)).replace("{draft_event}", str(event_id))
            reset_rate_limits()
            path = world.path(template)
            client, headers = prepare(app, world, role, path)
            before = fingerprint()
            response = client.open(path, method=method, headers=headers,
                                   **request_kwargs(route, method, world.ids))
            response.close()
            wrote = fingerprint() != before
            got[role].append((response.status_code, classify(response) + (" + WROTE" if wrote else "")))
    refused = {role: {D, S} if role in ("anonymous", "blocked") else {D} for role in NOT_COORDINATORS}
    leaks = {role: answers for role, answers in got.items()
             if answers[0] != answers[1] or answers[0][1] not in refused[role]}
    assert leaks == {}, "draft answered otherwise than a missing event: (draft, missing) per role"

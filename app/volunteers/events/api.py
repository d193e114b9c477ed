"""API: matching events. Coordinators create, publish and run them; engineers register and rank the
featured requests; attendance, the live board, the matching run, confirmation and the report."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import (
    boolean,
    choice,
    integer,
    integer_list,
    moment,
    nested,
    nested_list,
    string_list,
    text,
    title,
    web_address,
)
from app.core.api.plumbing import COORDINATOR, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.requests.models import REQUEST_STATUSES
from app.volunteers.events import queries, services
from app.volunteers.events.policy import visible_event_or_404
from app.volunteers.events.reasons import reason_texts
from app.volunteers.events.status import (
    OUTCOME_STATUSES,
    event_status_label,
    registration_open,
    registration_status_label,
)
from app.volunteers.models import (
    CLAIM_ROLES,
    EVENT_STATUSES,
    REGISTRATION_STATUSES,
    EventMatch,
    EventRegistration,
    MatchingEvent,
)

TAGS = ("events",)
NOT_VISIBLE = _l("No such event, or it is a draft and the caller is not a coordinator.")
COORDINATORS_ONLY = _l("Only coordinators.")

# --- schemas -------------------------------------------------------------------------------------------

NEW_EVENT = Schema(
    "NewEvent",
    title("name", required=True, description=_l("The event's name, in any language.")),
    moment("starts_at", required=True),
    moment("ends_at", nullable=True, description=_l("After starts_at.")),
    title("city", max_length=100, description=_l("The city, empty for an online event.")),
    title("location", description=_l("The place (address or venue); empty for an online event.")),
    boolean("online", default=False, description=_l("Whether the event happens online.")),
    web_address("online_url", 500, nullable=True, description=_l("The link to join an online event.")),
    integer("capacity", services.CAPACITY_MIN, services.CAPACITY_MAX, required=True,
            description=_l("How many engineers may register; later ones join the waiting list.")),
    moment("registration_closes_at", nullable=True,
           description=_l("Until when engineers may register and change their ranking; by default "
                          "the end of the event.")),
    text("description", description=_l("What the event is about, for engineers deciding to come.")),
)
EVENT_PATCH = NEW_EVENT.as_partial("EventPatch")
EVENT_REQUEST = Schema(
    "EventRequestItem", integer("id", required=True), title("title", required=True),
    choice("status", REQUEST_STATUSES, required=True), integer("team_size", required=True),
    integer("seats_free", required=True), string_list("skills", required=True, max_items=None),
    description="A featured request.")
OUTCOME_TEAM = Schema("EventOutcomeTeam", integer("request_id", required=True), title("title", required=True),
                      integer("team_count", required=True, description=_l("Engineers confirmed for it.")))
OUTCOME = Schema("EventOutcome", nested_list("teams", OUTCOME_TEAM, max_items=None, required=True),
                 integer("matched_count", required=True),
                 description="The public outcome: project names and team counts, nobody's name.")
EVENT = Schema(
    "Event",
    integer("id", required=True), title("name", required=True), text("description", required=True),
    choice("status", EVENT_STATUSES, required=True), text("status_label", required=True),
    moment("starts_at", required=True), moment("ends_at", nullable=True),
    moment("registration_closes_at", nullable=True), title("city", required=True),
    title("location", required=True), boolean("online", required=True),
    Field("online_url", "string", max_length=500, nullable=True), integer("capacity", required=True),
    integer("registered_count", required=True), integer("waitlisted_count", required=True),
    integer("project_count", required=True),
    boolean("registration_open", required=True,
            description=_l("Whether engineers may register and change their ranking now.")),
    moment("published_at", nullable=True), moment("created_at", required=True),
    nested_list("requests", EVENT_REQUEST, max_items=None,
                description=_l("The featured requests (in a single event's answer).")),
    nested("outcome", OUTCOME, nullable=True,
           description=_l("Once matches are confirmed (status confirmed or closed): how many engineers "
                          "each project got; null before.")),
)
FEATURE = Schema("FeaturedRequests", integer_list(
    "request_ids", max_items=200, required=True,
    description=_l("Open requests to feature; they are added to those already featured.")))
REGISTER = Schema("EventSignUp", integer_list(
    "preferences", max_items=100,
    description=_l("Featured request ids, most wanted first (may be empty).")))
PREFERENCES = Schema("EventRanking", integer_list(
    "preferences", max_items=100, required=True, description=_l("Featured request ids, most wanted first.")))
REGISTRATION = Schema(
    "EventRegistration",
    integer("id", required=True), integer("event_id", required=True),
    choice("status", REGISTRATION_STATUSES, required=True), text("status_label", required=True),
    Field("check_in_code", "string", max_length=16, nullable=True,
          description=_l("Shown at the door; only in the engineer's own registration.")),
    Field("preferences", "array", items=Field("item", "integer"), required=True),
    nested("volunteer", ACTOR, required=True),
    moment("created_at", required=True), moment("updated_at", nullable=True),
    moment("promoted_at", nullable=True, description=_l("When it moved up from the waiting list.")),
    moment("cancelled_at", nullable=True), moment("attended_at", nullable=True),
    integer("waitlist_position", nullable=True,
            description=_l("The place on the waiting list (1 = next); only in the engineer's own one.")),
)
CHECKIN_FILTER = (text("q", max_length=200, description=_l("Part of a name or a check-in code.")),)
ATTENDANCE = Schema(
    "Attendance", integer("user_id", 1, description=_l("The engineer, picked from the check-in list.")),
    Field("check_in_code", "string", max_length=16, description=_l("Or the code the engineer shows.")),
    description="Send user_id or check_in_code.")
PAIR = Schema("EventPair", integer("user_id", 1, required=True), integer("request_id", 1, required=True))
MATCHING_RUN = Schema("MatchingRun", nested_list(
    "locked", PAIR, max_items=10_000,
    description=_l("Pairs to keep as they are; the engine places everyone else around them.")))
CONFIRMATION = Schema("MatchConfirmation", nested_list(
    "proposals", PAIR, max_items=10_000,
    description=_l("The proposals to confirm; without it, every current proposal.")))
MOVE = Schema(
    "MatchMove", integer("user_id", 1, required=True),
    integer("request_id", 1, required=True, nullable=True,
            description=_l("The featured request to seat them on, or null to take them off.")))
LOCK = Schema("MatchLock", integer("user_id", 1, required=True), boolean("locked", required=True))
REASONS = string_list("reasons", required=True, max_length=2000, max_items=None,
                      description="Why, as sentences in the caller's language.")
PROPOSAL = Schema(
    "EventProposal", integer("user_id", required=True), integer("request_id", required=True),
    nested("volunteer", ACTOR, required=True), choice("role", CLAIM_ROLES, required=True),
    Field("score", "number", required=True), boolean("locked", required=True),
    boolean("confirmed", required=True), integer("claim_id", nullable=True), REASONS)
UNMATCHED = Schema("EventUnmatched", integer("user_id", required=True),
                   nested("volunteer", ACTOR, nullable=True), REASONS)
SHORT = Schema("EventShortRequest", integer("request_id", required=True), title("title", required=True),
               integer("seats_free", required=True), REASONS)
MATCHING_RESULT = Schema(
    "MatchingResult",
    nested_list("proposals", PROPOSAL, max_items=None, required=True,
                description=_l("At most one per engineer, never more per request than its free seats.")),
    nested_list("unmatched", UNMATCHED, max_items=None, required=True,
                description=_l("Attending engineers nobody placed, with why.")),
    nested_list("short", SHORT, max_items=None, required=True,
                description=_l("Requests left with free seats, with why.")),
    integer("version", required=True), moment("matched_at", nullable=True))
CONFLICT = Schema("EventConfirmConflict", integer("user_id", required=True),
                  integer("request_id", required=True),
                  text("error", required=True, description=_l("Why this pair could not be confirmed.")))
CONFIRM_RESULT = Schema(
    "ConfirmationResult",
    nested_list("confirmed", PROPOSAL, max_items=None, required=True,
                description=_l("The pairs that became accepted claims.")),
    nested_list("conflicts", CONFLICT, max_items=None, required=True,
                description=_l("The pairs that could not, each with why; the others stand.")))
ATTENDANCE_COUNTS = Schema(
    "EventAttendance", integer("registered", required=True), integer("attended", required=True),
    integer("waitlisted", required=True),
    Field("rate", "number", nullable=True,
          description=_l("attended / registered, null when nobody registered.")))
BOARD_REQUEST = Schema(
    "EventBoardRequest", integer("id", required=True), title("title", required=True),
    integer("seats_free", required=True), integer("team_size", required=True),
    string_list("skills", required=True, max_items=None),
    nested_list("proposals", PROPOSAL, max_items=None, required=True),
    Field("short", "array", items=Field("item", "string"), required=True,
          description=_l("Why seats stay free, when they do.")))
BOARD = Schema(
    "EventBoard", choice("status", EVENT_STATUSES, required=True), integer("version", required=True),
    moment("matched_at", nullable=True), nested("attendance", ATTENDANCE_COUNTS, required=True),
    nested_list("requests", BOARD_REQUEST, max_items=None, required=True),
    nested_list("unmatched", UNMATCHED, max_items=None, required=True),
    nested_list("waiting", Schema("EventWaiting", integer("user_id", required=True),
                                  nested("volunteer", ACTOR, required=True)), max_items=None, required=True,
                description=_l("Checked-in engineers the last run has not seen yet.")))
REPORT = Schema(
    "EventReport",
    Field("matches_per_request", "object", required=True, schema=Schema(
        "EventMatchCounts", description="Confirmed matches per request id (the keys are ids as text).")),
    nested_list("unmatched", UNMATCHED, max_items=None, required=True),
    nested_list("short", SHORT, max_items=None, required=True),
    nested("attendance", ATTENDANCE_COUNTS, required=True))


# --- JSON shapes -------------------------------------------------------------------------------------

def event_json(event: MatchingEvent, registered: int, waitlisted: int, projects: int, *,
               requests: list[dict[str, Any]] | None = None,
               outcome: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as the API shows it; `requests` and `outcome` only in a single event's answer."""
    out = {
        "id": event.id, "name": event.name, "description": event.description or "", "status": event.status,
        "status_label": event_status_label(event.status), "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at), "registration_closes_at": iso(event.registration_closes_at),
        "city": event.city or "", "location": event.location or "", "online": bool(event.online),
        "online_url": event.online_url, "capacity": event.capacity, "registered_count": registered,
        "waitlisted_count": waitlisted, "project_count": projects,
        "registration_open": registration_open(event, utcnow()), "published_at": iso(event.published_at),
        "created_at": iso(event.created_at), "outcome": outcome,
    }
    if requests is not None:
        out["requests"] = requests
    return out


def event_detail_json(event: MatchingEvent) -> dict[str, Any]:
    """One event with its featured requests and, once matches are confirmed, its public outcome."""
    registered, waitlisted = queries.registration_counts(event)
    projects = queries.featured_projects(event)
    requests = [{"id": p.help_request.id, "title": p.help_request.title, "status": p.help_request.status,
                 "team_size": p.help_request.team_size, "seats_free": p.help_request.seats_free,
                 "skills": [skill.slug for skill in p.help_request.skills]} for p in projects]
    outcome = None
    if event.status in OUTCOME_STATUSES:
        teams = [{"request_id": p.help_request.id, "title": p.help_request.title, "team_count": p.team_count}
                 for p in projects if p.team_count]
        outcome = {"teams": teams, "matched_count": sum(team["team_count"] for team in teams)}
    return event_json(event, registered, waitlisted, len(projects), requests=requests, outcome=outcome)


def registration_json(registration: EventRegistration, *, own: bool = False,
                      waitlist_position: int | None = None) -> dict[str, Any]:
    """A registration; its check-in code only for the engineer's own eyes."""
    return {
        "id": registration.id, "event_id": registration.event_id, "status": registration.status,
        "status_label": registration_status_label(registration.status),
        "check_in_code": registration.check_in_code if own else None,
        "preferences": [int(ident) for ident in registration.preferences or []],
        "volunteer": user_summary(registration.volunteer), "created_at": iso(registration.created_at),
        "updated_at": iso(registration.updated_at), "promoted_at": iso(registration.promoted_at),
        "cancelled_at": iso(registration.cancelled_at), "attended_at": iso(registration.attended_at),
        "waitlist_position": waitlist_position,
    }


def proposal_json(match: EventMatch, reasons: list[str] | None = None) -> dict[str, Any]:
    """A proposed or confirmed match with its reasons as sentences in the caller's language (`reasons`
    when they were read already)."""
    if reasons is None:
        reasons = reason_texts(list(match.reasons or []))
    return {"user_id": match.volunteer_id, "request_id": match.request_id,
            "volunteer": user_summary(match.volunteer), "role": match.role, "score": round(match.score, 4),
            "locked": bool(match.locked), "confirmed": match.confirmed_at is not None,
            "claim_id": match.claim_id, "reasons": reasons}


def _managed_event(event_id: int) -> MatchingEvent:
    """The event for a coordinator's action (the route's role guard ran first); NotFound if none."""
    return visible_event_or_404(signed_in_user(), event_id)


def _with_codes(error: Conflict, **extra: Any) -> Response:
    """A 409 in the API's error format, with figures the error carries (e.g. the request ids it names)."""
    response = jsonify({"error": {"code": error.code, "message": error.message, **extra}})
    response.status_code = error.status
    return response


# --- events ------------------------------------------------------------------------------------------

@api_route("/events", ["POST"], summary=_l("Create a matching event (a draft)"), auth=COORDINATOR,
           body=NEW_EVENT, status=201, response=EVENT, tags=TAGS,
           description=_l("The event starts as a draft (status planned) that only coordinators see; "
                          "publish it to open registration."),
           responses={403: COORDINATORS_ONLY,
                      422: _l("A field is invalid, e.g. an end before the start, a registration deadline "
                              "after the end, or an online event without its link (`fields` names it).")})
def create_event(body: dict[str, Any]):
    event = services.create_event(signed_in_user(), **body)
    return event_detail_json(event), 201


@api_route("/events", ["GET"], summary=_l("Matching events, soonest first"), paginated=True, response=EVENT,
           query=(boolean("upcoming", description=_l("Only events that are not over yet.")),), tags=TAGS,
           description=_l("Published events for everyone; coordinators also see drafts."))
def list_events(query: dict[str, Any]):
    page = paginate(queries.events_query(signed_in_user(), upcoming_only=bool(query.get("upcoming"))),
                    lambda event: event)
    page["items"] = [event_json(card.event, card.registered_count, card.waitlisted_count, card.project_count)
                     for card in queries.event_cards(page["items"])]
    return page


@api_route("/events/<int:event_id>", ["GET"], summary=_l("A matching event with its featured requests"),
           response=EVENT, tags=TAGS, responses={404: NOT_VISIBLE})
def read_event(event_id: int):
    return event_detail_json(visible_event_or_404(signed_in_user(), event_id))


@api_route("/events/<int:event_id>", ["PATCH"], summary=_l("Edit a matching event"), auth=COORDINATOR,
           body=EVENT_PATCH, response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: _l("The event has ended.")})
def update_event(event_id: int, body: dict[str, Any]):
    event = services.update_event(_managed_event(event_id), signed_in_user(), **body)
    return event_detail_json(event)


@api_route("/events/<int:event_id>/publish", ["POST"], summary=_l("Publish an event: registration opens"),
           auth=COORDINATOR, response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: _l("The event is not a draft.")})
def publish_event(event_id: int):
    return event_detail_json(services.publish_event(_managed_event(event_id), signed_in_user()))


@api_route("/events/<int:event_id>/close", ["POST"],
           summary=_l("Close an event: it ends and its outcome becomes public"), auth=COORDINATOR,
           response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: _l("The event is a draft or closed.")})
def close_event(event_id: int):
    return event_detail_json(services.close_event(_managed_event(event_id), signed_in_user()))


@api_route("/events/<int:event_id>/requests", ["POST"], summary=_l("Feature open requests at an event"),
           auth=COORDINATOR, body=FEATURE, response=EVENT, tags=TAGS,
           description=_l("Adds the requests to those already featured. Only open requests can be "
                          "featured: if any is not, nothing changes and the 409 names them in "
                          "`error.request_ids` and in its message."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE,
                      409: _l("`request_not_open`: some requests are not open (`error.request_ids`); "
                              "or the event has ended."),
                      422: _l("`fields.request_ids` is missing, empty or holds something other than ids.")})
def feature_requests(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    if not body["request_ids"]:
        raise Invalid("request_ids", _("Choose at least one request to feature."))
    try:
        services.feature_requests(event, signed_in_user(), body["request_ids"])
    except Conflict as error:
        if "request_ids" not in error.extra:
            raise
        return _with_codes(error, request_ids=list(error.extra["request_ids"]))
    return event_detail_json(event)


@api_route("/events/<int:event_id>/requests/<int:request_id>", ["DELETE"],
           summary=_l("Stop featuring a request at an event"), auth=COORDINATOR, response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: _l("No such event, or the request is not featured."),
                      409: _l("The event has ended, or engineers were confirmed on that request.")})
def unfeature_request(event_id: int, request_id: int):
    event = _managed_event(event_id)
    services.unfeature_request(event, signed_in_user(), request_id)
    return event_detail_json(event)


# --- registration and attendance ---------------------------------------------------------------------

REGISTRATION_CONFLICTS = _l("`registration_closed`: the event takes no sign-ups or ranking changes any more "
                            "(after its registration deadline); `already_registered`: the caller is "
                            "registered already.")


@api_route("/events/<int:event_id>/registrations", ["POST"], summary=_l("Register for an event"),
           auth=("volunteer",), body=REGISTER, status=201, response=REGISTRATION, tags=TAGS,
           description=_l("Registered while places remain, else waitlisted: the oldest waiting "
                          "registration moves up when a registered engineer cancels, and its engineer "
                          "is told. The answer carries the caller's check-in code."),
           responses={403: _l("Only volunteer engineers register."), 404: NOT_VISIBLE,
                      409: REGISTRATION_CONFLICTS,
                      422: _l("`fields.preferences` names a request the event does not feature, or twice.")})
def register_for_event(event_id: int, body: dict[str, Any]):
    me = signed_in_user()
    event = visible_event_or_404(me, event_id)
    registration = services.register(event, me, body.get("preferences", []))
    return registration_json(registration, own=True), 201


@api_route("/events/<int:event_id>/registrations", ["PUT"], summary=_l("Change your ranking of the projects"),
           auth=("volunteer",), body=PREFERENCES, response=REGISTRATION, tags=TAGS,
           responses={403: _l("Only volunteer engineers register."),
                      404: _l("No such event, or the caller is not registered for it."),
                      409: _l("`registration_closed`: the registration deadline has passed."),
                      422: _l("`fields.preferences` names a request the event does not feature, or twice.")})
def change_event_preferences(event_id: int, body: dict[str, Any]):
    me = signed_in_user()
    registration = services.change_preferences(visible_event_or_404(me, event_id), me, body["preferences"])
    return registration_json(registration, own=True)


@api_route("/events/<int:event_id>/registrations", ["DELETE"], summary=_l("Cancel your registration"),
           auth=("volunteer",), response=REGISTRATION, tags=TAGS,
           description=_l("The first engineer on the waiting list moves up and is told."),
           responses={403: _l("Only volunteer engineers register."),
                      404: _l("No such event, or the caller is not registered for it."),
                      409: _l("`registration_closed`: the event takes no changes any more; "
                              "`match_confirmed`: the caller is on the project's team already (withdraw "
                              "the claim instead).")})
def cancel_event_registration(event_id: int):
    me = signed_in_user()
    return registration_json(services.cancel_registration(visible_event_or_404(me, event_id), me), own=True)


@api_route("/events/<int:event_id>/registrations", ["GET"],
           summary=_l("The check-in list: an event's registrations, by name"), auth=COORDINATOR,
           query=CHECKIN_FILTER, paginated=True, response=REGISTRATION, tags=TAGS,
           description=_l("Registered and waitlisted engineers (not cancelled ones); `q` finds part of a "
                          "name or a check-in code."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE})
def list_event_registrations(event_id: int, query: dict[str, Any]):
    event = _managed_event(event_id)
    return paginate(queries.checkin_query(event, query.get("q") or ""), registration_json)


@api_route("/events/<int:event_id>/registration", ["GET"],
           summary=_l("Your registration, with your check-in code"), auth=("volunteer",),
           response=REGISTRATION, tags=TAGS,
           responses={403: _l("Only volunteer engineers register."),
                      404: _l("No such event, or the caller is not registered for it (or cancelled).")})
def read_my_registration(event_id: int):
    me = signed_in_user()
    mine = queries.my_registration(visible_event_or_404(me, event_id), me)
    if mine is None:
        raise NotFound(_("You are not registered for this event."))
    return registration_json(mine.registration, own=True, waitlist_position=mine.waitlist_position)


@api_route("/events/<int:event_id>/attendance", ["POST"], summary=_l("Check an engineer in"),
           auth=COORDINATOR, body=ATTENDANCE, response=REGISTRATION, tags=TAGS,
           description=_l("Send the engineer's `user_id` (from the check-in list) or the `check_in_code` "
                          "they show. Checking in twice is harmless."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE,
                      409: _l("`event_not_live`: the event is a draft or has ended."),
                      422: _l("Neither field was sent, or no registration has that user or code "
                              "(`fields` names it).")})
def check_in(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    if not body.get("user_id") and not body.get("check_in_code"):
        raise Invalid(fields={"user_id": _("Send user_id or check_in_code."),
                              "check_in_code": _("Send user_id or check_in_code.")})
    registration = services.check_in(event, signed_in_user(), user_id=body.get("user_id"),
                                     check_in_code=body.get("check_in_code"))
    return registration_json(registration)


# --- matching, the live board, confirmation ----------------------------------------------------------

MATCHING_CONFLICTS = _l("`event_not_live`: the event is a draft or has ended; `matching_in_progress`: "
                        "another run finished first (read the board, then run again if needed).")


@api_route("/events/<int:event_id>/matching", ["POST"], summary=_l("Propose who goes where"),
           auth=COORDINATOR, body=MATCHING_RUN, response=MATCHING_RESULT, tags=TAGS,
           description=_l("Over the checked-in engineers and the featured requests' free seats: at most "
                          "one proposal per engineer, never more per request than its free seats, locked "
                          "pairs kept; the assignment maximises the total score. Replaces the unconfirmed, "
                          "unlocked proposals of the last run; every proposal, unmatched engineer and short "
                          "request says why, in the caller's language."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: MATCHING_CONFLICTS,
                      422: _l("A locked pair names someone not checked in or a request not featured.")})
def run_matching(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    locked = [(pair["user_id"], pair["request_id"]) for pair in body.get("locked", [])]
    services.run_matching(event, signed_in_user(), locked)
    return matching_result_json(event)


@api_route("/events/<int:event_id>/matching/move", ["POST"],
           summary=_l("Move an engineer to another project"), auth=COORDINATOR, body=MOVE,
           response=MATCHING_RESULT, tags=TAGS,
           description=_l("The pair becomes a locked proposal, kept by the next run; `request_id: null` "
                          "takes the engineer off. Answers with the whole proposal, as a run does."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE,
                      409: _l("The event is not on, the engineer's match is confirmed, or the request has no "
                              "free seat."),
                      422: _l("The engineer is not checked in, or the request is not featured.")})
def move_match(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    services.move_match(event, signed_in_user(), body["user_id"], body["request_id"])
    return matching_result_json(event)


@api_route("/events/<int:event_id>/matching/lock", ["POST"], summary=_l("Lock or unlock a proposal"),
           auth=COORDINATOR, body=LOCK, response=MATCHING_RESULT, tags=TAGS,
           description=_l("A locked proposal stays as it is when the engine runs again."),
           responses={403: COORDINATORS_ONLY, 404: _l("No such event, or the engineer has no proposal."),
                      409: _l("`event_not_live`: the event is a draft or has ended.")})
def lock_match(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    services.set_locked(event, signed_in_user(), body["user_id"], body["locked"])
    return matching_result_json(event)


@api_route("/events/<int:event_id>/matching/confirm", ["POST"],
           summary=_l("Confirm proposals: each becomes an accepted claim"), auth=COORDINATOR,
           body=CONFIRMATION, response=CONFIRM_RESULT, tags=TAGS,
           description=_l("Each pair becomes an accepted claim through the same seat rules as ordinary "
                          "claims. When some pairs stand and others could not (a seat was taken meanwhile "
                          "by an ordinary claim), the answer is 200 with both lists: `confirmed` and "
                          "`conflicts`, each conflict with its `user_id`, `request_id` and `error`. When "
                          "none could be confirmed, the answer is 409 with `error.code` `seat_taken` and the "
                          "same two lists beside `error`."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE,
                      409: _l("No pair could be confirmed (`seat_taken`, with `conflicts` beside "
                              "`error`), or the event is not on (`event_not_live`)."),
                      422: _l("`fields.proposals` holds something other than pairs of ids. (A pair that "
                              "is not a current proposal is one of the `conflicts`.)")})
def confirm_matches(event_id: int, body: dict[str, Any]):
    event = _managed_event(event_id)
    pairs = None
    if "proposals" in body:
        pairs = [(pair["user_id"], pair["request_id"]) for pair in body["proposals"]]
    result = services.confirm_matches(event, signed_in_user(), pairs)
    answer = {"confirmed": [proposal_json(match) for match in result.confirmed],
              "conflicts": [{"user_id": user_id, "request_id": request_id, "error": str(error)}
                            for user_id, request_id, error in result.conflicts]}
    if answer["conflicts"] and not answer["confirmed"]:
        body_409 = {"error": {"code": "seat_taken",
                              "message": _("None of these matches could be confirmed: their seats were taken "
                                           "meanwhile. Run the matching again for these engineers.")},
                    **answer}
        response = jsonify(body_409)
        response.status_code = 409
        return response
    return answer


# --- the board and the report ------------------------------------------------------------------------

def _person_json(person: queries.BoardPerson) -> dict[str, Any]:
    return {"user_id": person.volunteer.id, "volunteer": user_summary(person.volunteer),
            "reasons": person.reasons}


def _attendance_json(summary: queries.ManageSummary) -> dict[str, Any]:
    registered = summary.registered_count
    return {"registered": registered, "waitlisted": summary.waitlisted_count,
            "attended": summary.attended_count,
            "rate": round(summary.attended_count / registered, 3) if registered else None}


def matching_result_json(event: MatchingEvent) -> dict[str, Any]:
    """The event's current proposals and confirmed matches, who the last run left out and why, and the
    requests it left short, with why (from the same read as the board)."""
    board = queries.board(event)
    return {
        "proposals": [proposal_json(match, board.reasons[match.id])
                      for project in board.projects for match in project.matches],
        "unmatched": [_person_json(person) for person in board.unmatched],
        "short": [{"request_id": project.help_request.id, "title": project.help_request.title,
                   "seats_free": project.help_request.seats_free, "reasons": project.short}
                  for project in board.projects if project.short],
        "version": event.version, "matched_at": iso(event.matched_at),
    }


@api_route("/events/<int:event_id>/board", ["GET"], summary=_l("The live board: proposals per project"),
           auth=COORDINATOR, response=BOARD, tags=TAGS,
           description=_l("Each featured request with its proposals (reasons in the caller's language) "
                          "and why seats stay free; engineers the last run left out, with why; checked-in "
                          "engineers it has not seen yet (`waiting`); attendance counts. Cheap enough to "
                          "poll every few seconds."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE})
def read_board(event_id: int):
    event = _managed_event(event_id)
    board = queries.board(event)
    return {
        "status": event.status, "version": event.version, "matched_at": iso(event.matched_at),
        "attendance": _attendance_json(board.summary),
        "requests": [{"id": project.help_request.id, "title": project.help_request.title,
                      "seats_free": project.help_request.seats_free,
                      "team_size": project.help_request.team_size,
                      "skills": [skill.slug for skill in project.help_request.skills],
                      "proposals": [proposal_json(match, board.reasons[match.id])
                                    for match in project.matches],
                      "short": project.short} for project in board.projects],
        "unmatched": [_person_json(person) for person in board.unmatched],
        "waiting": [{"user_id": volunteer.id, "volunteer": user_summary(volunteer)}
                    for volunteer in board.waiting],
    }


@api_route("/events/<int:event_id>/report", ["GET"], summary=_l("The event's report"), auth=COORDINATOR,
           response=REPORT, tags=TAGS,
           description=_l("Confirmed matches per request id, requests still short of people, checked-in "
                          "engineers left without a confirmed match (with why), and attendance."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE})
def read_report(event_id: int):
    report = queries.report(_managed_event(event_id))
    return {
        "matches_per_request": {str(project.help_request.id): len(project.confirmed)
                                for project in report.projects},
        "unmatched": [_person_json(person) for person in report.unmatched],
        "short": [{"request_id": project.help_request.id, "title": project.help_request.title,
                   "seats_free": project.help_request.seats_free, "reasons": project.short}
                  for project in report.short_projects],
        "attendance": _attendance_json(report.summary),
    }


@api_route("/events/<int:event_id>/report.csv", ["GET"], summary=_l("The event's matches as CSV"),
           auth=COORDINATOR, produces="text/csv", tags=TAGS,
           description=_l("UTF-8 with a byte order mark (Excel reads Chinese right), a header row, and one "
                          "row per match, proposed or confirmed (`status`); reasons in the caller's "
                          "language. No e-mail address or phone number."),
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE})
def download_report_csv(event_id: int):
    event = _managed_event(event_id)
    out = io.StringIO()
    out.write("\ufeff")  # a byte order mark, so spreadsheet programs read the UTF-8 (Chinese) right
    csv.writer(out).writerows(queries.report_rows(event))
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="event-{event.id}-matches.csv"'})

"""The board's API: run, move, lock and confirm matches; the live board; the report and its CSV."""

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
    moment,
    nested,
    nested_list,
    string_list,
    text,
    title,
)
from app.core.api.plumbing import COORDINATOR, api_route, iso
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.volunteers.events.api import COORDINATORS_ONLY, NOT_VISIBLE, TAGS, managed_event
from app.volunteers.events.board import queries, services
from app.volunteers.events.board.reasons import reason_texts
from app.volunteers.events.queries import ManageSummary
from app.volunteers.models import (
    CLAIM_ROLES,
    EVENT_STATUSES,
    EventMatch,
    MatchingEvent,
)

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


def proposal_json(match: EventMatch, reasons: list[str] | None = None) -> dict[str, Any]:
    """A proposed or confirmed match with its reasons as sentences in the caller's language (`reasons`
    when they were read already)."""
    if reasons is None:
        reasons = reason_texts(list(match.reasons or []))
    return {"user_id": match.volunteer_id, "request_id": match.request_id,
            "volunteer": user_summary(match.volunteer), "role": match.role, "score": round(match.score, 4),
            "locked": bool(match.locked), "confirmed": match.confirmed_at is not None,
            "claim_id": match.claim_id, "reasons": reasons}


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
    event = managed_event(event_id)
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
    event = managed_event(event_id)
    services.move_match(event, signed_in_user(), body["user_id"], body["request_id"])
    return matching_result_json(event)


@api_route("/events/<int:event_id>/matching/lock", ["POST"], summary=_l("Lock or unlock a proposal"),
           auth=COORDINATOR, body=LOCK, response=MATCHING_RESULT, tags=TAGS,
           description=_l("A locked proposal stays as it is when the engine runs again."),
           responses={403: COORDINATORS_ONLY, 404: _l("No such event, or the engineer has no proposal."),
                      409: _l("`event_not_live`: the event is a draft or has ended.")})
def lock_match(event_id: int, body: dict[str, Any]):
    event = managed_event(event_id)
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
    event = managed_event(event_id)
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


def _person_json(person: queries.BoardPerson) -> dict[str, Any]:
    return {"user_id": person.volunteer.id, "volunteer": user_summary(person.volunteer),
            "reasons": person.reasons}


def _attendance_json(summary: ManageSummary) -> dict[str, Any]:
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
    event = managed_event(event_id)
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
    report = queries.report(managed_event(event_id))
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
    event = managed_event(event_id)
    out = io.StringIO()
    out.write("\ufeff")  # a byte order mark, so spreadsheet programs read the UTF-8 (Chinese) right
    csv.writer(out).writerows(queries.report_rows(event))
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="event-{event.id}-matches.csv"'})

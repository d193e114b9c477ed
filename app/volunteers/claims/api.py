"""API: claim a seat, answer a claim, leave, renew or conclude; read one claim and the lists of claims."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import choice, day, integer, moment, text, title
from app.core.api.plumbing import SIGNED_IN, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.errors import NotAllowed
from app.core.policy import can
from app.requests.models import REQUEST_STATUSES
from app.requests.policy import visible_request_or_404
from app.volunteers.claims import queries, services
from app.volunteers.models import CLAIM_ROLES, CLAIM_STATUSES, COMMITMENT_MONTHS, Claim

TAGS = ("claims",)
NOT_VISIBLE = _l("No such claim, or the caller is neither its volunteer, the organisation's staff nor a "
                 "coordinator.")

NEW_CLAIM = Schema(
    "NewClaim",
    choice("role", CLAIM_ROLES, required=True, description=_l("lead or member.")),
    integer("hours_per_week", services.HOURS_MIN, services.HOURS_MAX, required=True,
            description=_l("Hours a week committed; all live claims together stay within the profile's.")),
    text("message", description=_l("A word to the organisation.")),
    Field("commitment_months", "integer", choices=COMMITMENT_MONTHS,
          default=services.DEFAULT_COMMITMENT_MONTHS, description=_l("How long: 1, 3, 6 or 12 months.")),
)
NOTE = Schema("ClaimNote", text("note", description=_l("Optional; the other side reads it.")))
RENEWAL = Schema("ClaimRenewal", Field(
    "commitment_months", "integer", choices=COMMITMENT_MONTHS,
    description=_l("Another period of 1, 3, 6 or 12 months; by default the same as before.")))
CONCLUSION = Schema("ClaimConclusion", text(
    "exit_note", required=True, description=_l("How the volunteer leaves the work: what is done, what "
                                               "is half-way, where the next one should start.")))
CLAIM_REQUEST = Schema("ClaimRequest", integer("id", required=True), title("title", required=True),
                       choice("status", REQUEST_STATUSES, required=True))
CLAIM = Schema(
    "Claim",
    integer("id", required=True), integer("request_id", required=True),
    Field("request", "object", schema=CLAIM_REQUEST, required=True),
    choice("status", CLAIM_STATUSES, required=True),
    choice("role", CLAIM_ROLES, required=True), integer("hours_per_week", required=True),
    integer("commitment_months", required=True), text("message", required=True),
    Field("volunteer", "object", schema=ACTOR, required=True),
    moment("created_at", required=True), moment("decided_at", nullable=True),
    Field("decided_by", "object", schema=ACTOR, nullable=True,
          description=_l("Who accepted, declined or released it; null when Codebridge did.")),
    text("decision_note", nullable=True), moment("accepted_at", nullable=True),
    day("ends_on", nullable=True, description=_l("When the commitment ends, unless renewed.")),
    moment("closed_at", nullable=True), text("exit_note", nullable=True),
)
STATUS_FILTER = (choice("status", CLAIM_STATUSES, description=_l("Only claims in this status.")),)
CONFLICTS = _l("`request_not_open`, `already_claimed`, `live_claim_limit` or `no_seat_free` (auto-accept), "
               "named in error.code, with a sentence saying what to do.")


def claim_json(claim: Claim) -> dict[str, Any]:
    """A claim as the API shows it to its volunteer, the organisation's staff and coordinators."""
    return {
        "id": claim.id, "request_id": claim.request_id,
        "request": {"id": claim.help_request.id, "title": claim.help_request.title,
                    "status": claim.help_request.status},
        "status": claim.status, "role": claim.role, "hours_per_week": claim.hours_per_week,
        "commitment_months": claim.commitment_months, "message": claim.message,
        "volunteer": user_summary(claim.volunteer), "created_at": iso(claim.created_at),
        "decided_at": iso(claim.decided_at), "decided_by": user_summary(claim.decided_by),
        "decision_note": claim.decision_note, "accepted_at": iso(claim.accepted_at),
        "ends_on": iso(claim.ends_on), "closed_at": iso(claim.closed_at), "exit_note": claim.exit_note,
    }


@api_route("/requests/<int:request_id>/claims", ["POST"], summary=_l("Claim a seat on a request"),
           auth=("volunteer",), body=NEW_CLAIM, status=201, response=CLAIM, tags=TAGS,
           description=_l("The claim waits for the organisation's answer, or is accepted at once on a "
                          "request that accepts automatically while seats remain."),
           responses={403: _l("Only volunteers claim seats."), 404: _l("No such request, or not public."),
                      409: CONFLICTS,
                      422: _l("A field is invalid, or the hours go past what the profile offers "
                              "(`fields.hours_per_week`).")})
def create_claim(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    claim = services.create_claim(visible_request_or_404(me, request_id), me, **body)
    return claim_json(claim), 201


@api_route("/requests/<int:request_id>/claims", ["GET"], summary=_l("A request's claims, oldest first"),
           auth=SIGNED_IN, query=STATUS_FILTER, paginated=True, response=CLAIM, tags=TAGS,
           responses={403: _l("Only the organisation's staff and coordinators."),
                      404: _l("No such request, or not public.")})
def list_request_claims(request_id: int, query: dict[str, Any]):
    help_request = visible_request_or_404(signed_in_user(), request_id)
    if not can(signed_in_user(), "request.see_claims", help_request):
        raise NotAllowed()
    return paginate(queries.request_claims_query(help_request, query.get("status")), claim_json)


@api_route("/volunteers/me/claims", ["GET"], summary=_l("The caller's claims, newest first"),
           auth=("volunteer",), query=STATUS_FILTER, paginated=True, response=CLAIM, tags=TAGS)
def list_my_claims(query: dict[str, Any]):
    return paginate(queries.volunteer_claims_query(signed_in_user(), query.get("status")), claim_json)


@api_route("/claims/<int:claim_id>", ["GET"], summary=_l("A claim"), auth=SIGNED_IN, response=CLAIM,
           tags=TAGS, responses={404: NOT_VISIBLE})
def read_claim(claim_id: int):
    return claim_json(queries.get_claim(claim_id, signed_in_user()))


def _answer_route(verb: str, summary: Any, who: Any, conflict: Any):
    """Declare POST /claims/{id}/<verb>, taking an optional note, on the service of the same name."""
    act = getattr(services, f"{verb}_claim")

    @api_route(f"/claims/<int:claim_id>/{verb}", ["POST"], summary=summary, auth=SIGNED_IN, body=NOTE,
               response=CLAIM, tags=TAGS, endpoint=f"{verb}_claim",
               responses={403: who, 404: NOT_VISIBLE, 409: conflict,
                          422: _l("The note is too long (`fields.note`).")})
    def answer(claim_id: int, body: dict[str, Any]):
        me = signed_in_user()
        return claim_json(act(queries.get_claim(claim_id, me), me, body.get("note")))

    return answer


_answer_route("accept", _l("Accept a claim: the volunteer takes a seat"),
              _l("Only the organisation's staff or a coordinator, and never on their own claim."),
              _l("The claim is not waiting (`invalid_claim_transition`, `claim_changed`), the request "
                 "takes no claims (`request_not_open`), or no seat is free (`no_seat_free`)."))
_answer_route("decline", _l("Decline a claim"),
              _l("Only the organisation's staff or a coordinator, and never on their own claim."),
              _l("The claim is not waiting for an answer."))
_answer_route("withdraw", _l("Withdraw a claim or leave the team: the seat frees"),
              _l("Only the claim's volunteer."), _l("The claim is closed already."))
_answer_route("release", _l("Release an accepted seat"), _l("Only coordinators."),
              _l("The claim is not accepted."))


@api_route("/claims/<int:claim_id>/renew", ["POST"], summary=_l("Renew a commitment for another period"),
           auth=SIGNED_IN, body=RENEWAL, response=CLAIM, tags=TAGS,
           responses={403: _l("Only the claim's volunteer."), 404: NOT_VISIBLE,
                      409: _l("The claim is not accepted.")})
def renew_claim(claim_id: int, body: dict[str, Any]):
    me = signed_in_user()
    claim = services.renew_claim(queries.get_claim(claim_id, me), me, body.get("commitment_months"))
    return claim_json(claim)


@api_route("/claims/<int:claim_id>/conclude", ["POST"],
           summary=_l("Conclude a commitment: the claim is completed and the seat frees"),
           auth=SIGNED_IN, body=CONCLUSION, response=CLAIM, tags=TAGS,
           responses={403: _l("Only the claim's volunteer."), 404: NOT_VISIBLE,
                      409: _l("The claim is not accepted."), 422: _l("`fields.exit_note` is missing.")})
def conclude_claim(claim_id: int, body: dict[str, Any]):
    me = signed_in_user()
    return claim_json(services.conclude_claim(queries.get_claim(claim_id, me), me, body.get("exit_note")))

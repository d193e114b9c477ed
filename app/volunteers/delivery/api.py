"""API: the team submits the delivery; the organisation accepts it or asks for changes."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import choice, integer, moment, text, web_address
from app.core.api.plumbing import SIGNED_IN, api_route, iso
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.errors import NotFound
from app.core.policy import can
from app.core.web_addresses import WEB_ADDRESS_MAX
from app.requests.models import REQUEST_STATUSES
from app.requests.policy import visible_request_or_404
from app.volunteers.delivery import queries, services
from app.volunteers.models import DELIVERY_STATUSES, Delivery

TAGS = ("delivery",)
URL_MAX = WEB_ADDRESS_MAX

NEW_DELIVERY = Schema(
    "NewDelivery",
    web_address("repository_url", URL_MAX, required=True, description=_l("Where the code lives (https://...).")),
    web_address("demo_url", URL_MAX, nullable=True, description=_l("A live link, when there is one.")),
    text("handover_notes", required=True,
         description=_l("How to run it, host it and maintain it, and its licence.")),
)
CHANGES = Schema("DeliveryChanges", text("body", required=True,
                                         description=_l("What should change; the team reads it.")))
ACCEPTANCE = Schema("DeliveryAcceptance", text("note", description=_l("Optional thanks or remarks.")))
DELIVERY = Schema(
    "Delivery",
    integer("id", required=True), integer("request_id", required=True),
    choice("request_status", REQUEST_STATUSES, required=True),
    choice("status", DELIVERY_STATUSES, required=True),
    Field("repository_url", required=True), Field("demo_url", nullable=True),
    text("handover_notes", required=True, nullable=True,
         description=_l("Null unless the caller is a coordinator, the organisation's staff or on the team.")),
    text("response_note", nullable=True),
    Field("submitted_by", "object", schema=ACTOR, nullable=True),
    moment("created_at", required=True), moment("responded_at", nullable=True),
)
NOT_FOUND = _l("No such request, or not public.")


def delivery_json(delivery: Delivery, *, with_notes: bool = True) -> dict[str, Any]:
    """A delivery as the API shows it, with the request's status after the move.

    Without `with_notes` (readers outside the project) the hand-over notes and the answer to them
    are null: they hold hosting and key-custody details.
    """
    return {
        "id": delivery.id, "request_id": delivery.request_id,
        "request_status": delivery.help_request.status, "status": delivery.status,
        "repository_url": delivery.repository_url, "demo_url": delivery.demo_url,
        "handover_notes": delivery.handover_notes if with_notes else None,
        "response_note": delivery.response_note if with_notes else None,
        "submitted_by": user_summary(delivery.submitted_by), "created_at": iso(delivery.created_at),
        "responded_at": iso(delivery.responded_at),
    }


@api_route("/requests/<int:request_id>/delivery", ["POST"], summary=_l("Submit the delivery for review"),
           auth=SIGNED_IN, body=NEW_DELIVERY, status=201, response=DELIVERY, tags=TAGS,
           description=_l("The request moves from in_progress to in_review; the organisation's staff are "
                          "told."),
           responses={403: _l("Only accepted team members."), 404: NOT_FOUND,
                      409: _l("The request is not in progress (`invalid_status_transition`)."),
                      422: _l("A link is not a web address, or the hand-over notes are missing.")})
def submit_delivery(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    delivery = services.submit_delivery(visible_request_or_404(me, request_id), me, **body)
    return delivery_json(delivery), 201


@api_route("/requests/<int:request_id>/delivery", ["GET"], summary=_l("The latest delivery of a request"),
           auth=SIGNED_IN, response=DELIVERY, tags=TAGS,
           responses={404: _l("No such request, not public, or nothing delivered yet.")})
def read_delivery(request_id: int):
    me = signed_in_user()
    help_request = visible_request_or_404(me, request_id)
    delivery = queries.latest_delivery(help_request)
    if delivery is None:
        raise NotFound()
    return delivery_json(delivery, with_notes=can(me, "request.read_handover", help_request))


@api_route("/requests/<int:request_id>/delivery/accept", ["POST"],
           summary=_l("Accept the delivery: the request is delivered and the claims completed"),
           auth=SIGNED_IN, body=ACCEPTANCE, response=DELIVERY, tags=TAGS,
           responses={403: _l("Only the organisation's staff."), 404: NOT_FOUND,
                      409: _l("No delivery is waiting for an answer (`no_delivery_in_review`).")})
def accept_delivery(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    help_request = visible_request_or_404(me, request_id)
    return delivery_json(services.accept_delivery(help_request, me, body.get("note")))


@api_route("/requests/<int:request_id>/delivery/changes", ["POST"],
           summary=_l("Ask for changes: the request goes back to in_progress"),
           auth=SIGNED_IN, body=CHANGES, response=DELIVERY, tags=TAGS,
           responses={403: _l("Only the organisation's staff."), 404: NOT_FOUND,
                      409: _l("No delivery is waiting for an answer (`no_delivery_in_review`)."),
                      422: _l("`fields.body` is missing.")})
def request_delivery_changes(request_id: int, body: dict[str, Any]):
    me = signed_in_user()
    help_request = visible_request_or_404(me, request_id)
    return delivery_json(services.request_changes(help_request, me, body.get("body")))

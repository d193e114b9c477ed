"""API: matching events. Coordinators create, edit, publish and close them and feature requests
(registration and attendance are in `registrations/api.py`; the matching run, the board and the report
in `board/api.py`)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.policy import can
from app.requests.models import REQUEST_STATUSES
from app.volunteers.events import queries, services
from app.volunteers.events.policy import visible_event_or_404
from app.volunteers.events.status import (
    OUTCOME_STATUSES,
    event_status_label,
    registration_open,
)
from app.volunteers.models import (
    EVENT_STATUSES,
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
    Field("online_url", "string", max_length=500, nullable=True, description=_l(
        "The link to join an online event: shown to coordinators and registered engineers, null to others.")),
    integer("capacity", required=True),
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


# --- JSON shapes -------------------------------------------------------------------------------------

def event_json(event: MatchingEvent, registered: int, waitlisted: int, projects: int, *,
               requests: list[dict[str, Any]] | None = None, outcome: dict[str, Any] | None = None,
               sees_online_link: bool = False) -> dict[str, Any]:
    """An event as the API shows it; `requests` and `outcome` only in a single event's answer, the
    meeting link only to those `event.see_online_link` allows (null to others)."""
    out = {
        "id": event.id, "name": event.name, "description": event.description or "", "status": event.status,
        "status_label": event_status_label(event.status), "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at), "registration_closes_at": iso(event.registration_closes_at),
        "city": event.city or "", "location": event.location or "", "online": bool(event.online),
        "online_url": event.online_url if sees_online_link else None, "capacity": event.capacity,
        "registered_count": registered,
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
    return event_json(event, registered, waitlisted, len(projects), requests=requests, outcome=outcome,
                      sees_online_link=can(signed_in_user(), "event.see_online_link", event))


def managed_event(event_id: int) -> MatchingEvent:
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
    page["items"] = [event_json(card.event, card.registered_count, card.waitlisted_count, card.project_count,
                                sees_online_link=can(signed_in_user(), "event.manage", card.event))
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
    event = services.update_event(managed_event(event_id), signed_in_user(), **body)
    return event_detail_json(event)


@api_route("/events/<int:event_id>/publish", ["POST"], summary=_l("Publish an event: registration opens"),
           auth=COORDINATOR, response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: _l("The event is not a draft.")})
def publish_event(event_id: int):
    return event_detail_json(services.publish_event(managed_event(event_id), signed_in_user()))


@api_route("/events/<int:event_id>/close", ["POST"],
           summary=_l("Close an event: it ends and its outcome becomes public"), auth=COORDINATOR,
           response=EVENT, tags=TAGS,
           responses={403: COORDINATORS_ONLY, 404: NOT_VISIBLE, 409: _l("The event is a draft or closed.")})
def close_event(event_id: int):
    return event_detail_json(services.close_event(managed_event(event_id), signed_in_user()))


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
    event = managed_event(event_id)
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
    event = managed_event(event_id)
    services.unfeature_request(event, signed_in_user(), request_id)
    return event_detail_json(event)


# --- registration and attendance ---------------------------------------------------------------------


# --- matching, the live board, confirmation ----------------------------------------------------------


# --- the board and the report ------------------------------------------------------------------------



"""Registrations API: register, change the ranking, cancel, one's own registration, the list, check-in."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import (
    choice,
    integer,
    integer_list,
    moment,
    nested,
    text,
)
from app.core.api.plumbing import COORDINATOR, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit.api import ACTOR
from app.core.errors import Invalid, NotFound
from app.volunteers.events.api import COORDINATORS_ONLY, NOT_VISIBLE, TAGS, managed_event
from app.volunteers.events.policy import visible_event_or_404
from app.volunteers.events.registrations import queries, services
from app.volunteers.events.status import (
    registration_status_label,
)
from app.volunteers.models import (
    REGISTRATION_STATUSES,
    EventRegistration,
)

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
    event = managed_event(event_id)
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
    event = managed_event(event_id)
    if not body.get("user_id") and not body.get("check_in_code"):
        raise Invalid(fields={"user_id": _("Send user_id or check_in_code."),
                              "check_in_code": _("Send user_id or check_in_code.")})
    registration = services.check_in(event, signed_in_user(), user_id=body.get("user_id"),
                                     check_in_code=body.get("check_in_code"))
    return registration_json(registration)

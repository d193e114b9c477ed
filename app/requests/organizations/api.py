"""API: organisations (create, read, edit, list), their members and invitations, and verification."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import (
    boolean,
    choice,
    email_address,
    integer,
    moment,
    nested,
    string_list,
    text,
    title,
    web_address,
)
from app.core.api.plumbing import SIGNED_IN, api_route, iso, paginate
from app.core.api.schema import Field, Schema
from app.core.audit import services as audit
from app.core.errors import Invalid
from app.core.policy import can, require
from app.extensions import db
from app.requests.models import VERIFICATION_STATES, Membership, Organization, OrganizationInvitation
from app.requests.organizations import invitations, queries, services, verification
from app.requests.organizations.contact import record_contact_view
from app.requests.pages.listings import ListedOrganization

TAGS = ("organizations",)
CONTACT_FIELDS = {"contact_name": "contact.name", "contact_phone": "contact.phone",
                  "contact_email": "contact.email"}

CONTACT = Schema(
    "OrganizationContact",
    text("name", max_length=services.LIMITS["contact_name"], nullable=True),
    text("phone", max_length=services.LIMITS["contact_phone"], nullable=True),
    text("email", max_length=services.LIMITS["contact_email"], nullable=True),  # the service checks it
    description=_l("The private contact person: shown only to the organisation's staff, coordinators "
                   "and volunteers accepted on its projects."),
)

NEW_ORGANIZATION = Schema(
    "NewOrganization",
    title("name", required=True),
    text("description", required=True, description=_l("What the organisation does, where, for whom.")),
    string_list("cause_areas", max_length=60, max_items=20, required=True,
                description=_l("Cause area slugs from requests/organizations/causes.json (names in "
                               "Chinese or English are accepted too), e.g. "
                               "[\"health\", \"poverty-relief\"].")),
    text("region", max_length=services.LIMITS["region"], required=True),
    web_address("website", services.LIMITS["website"], scheme_optional=True, nullable=True,
                description=_l("A web address; https:// is added when no scheme is given.")),
    text("registration_number", max_length=services.LIMITS["registration_number"], nullable=True),
    nested("contact", CONTACT, nullable=True),
)

ORGANIZATION = Schema(
    "Organization",
    integer("id", required=True),
    title("name", required=True),
    text("description", required=True),
    string_list("cause_areas", required=True),
    Field("region", required=True),
    Field("website", nullable=True),
    Field("registration_number", nullable=True),
    choice("verification", VERIFICATION_STATES, required=True),
    text("verification_note", nullable=True,
         description=_l("The coordinator's note; only for the organisation's staff and coordinators.")),
    moment("verified_at", nullable=True),
    moment("created_at", required=True),
    moment("updated_at", required=True),
    integer("version", description=_l("The profile's edit counter, one more with every saved change: send "
                                      "it back as base_version when you edit. Only from the organisation "
                                      "endpoints, not inside requests.")),
    nested("contact", CONTACT, description=_l("Present only for the organisation's staff and coordinators.")),
    description=_l("An organisation's public profile; private parts only for those allowed."),
)

ORGANIZATION_PATCH = Schema(
    "OrganizationPatch",
    *NEW_ORGANIZATION.as_partial().fields,
    integer("base_version", 1, description=_l(
        "The version of the profile these changes were made on (its `version` when you read it). When "
        "someone else has saved since, nothing is saved and the answer is 409 `stale_version`: read the "
        "organisation again, apply your changes to it and send its version. Without it the changes apply "
        "to the current profile.")),
    partial=True, description=NEW_ORGANIZATION.description,
)

DECISION = Schema(
    "VerificationDecision",
    choice("decision", verification.DECISIONS, required=True),
    text("note", description=_l("Shown to the organisation's staff and e-mailed to them; "
                                "required when rejecting.")),
)

MEMBER = Schema(
    "OrganizationMember",
    Field("user", "object", schema=Schema("MemberUser", integer("id"), Field("name"), Field("role")),
          required=True),
    choice("role", ("owner", "member"), required=True),
    moment("joined_at", required=True),
)

NEW_INVITATION = Schema("NewInvitation", email_address("email", required=True))

INVITATION = Schema(
    "Invitation",
    integer("id", required=True),
    integer("organization_id", required=True),
    email_address("email", required=True),
    moment("created_at", required=True),
    moment("expires_at", required=True),
    description=_l("The link's token is only ever sent to the invited address."),
)

INVITATION_TOKEN = Schema("InvitationToken", text("token", max_length=100, required=True,
                                                  description=_l("The token from the e-mailed link.")))

LIST_QUERY = (
    choice("verification", VERIFICATION_STATES,
           description=_l("Coordinators only, except `verified` (the default for everyone else).")),
    boolean("mine", description=_l("Only the organisations the caller is staff of, in any state.")),
)


def organization_json(organization: Organization | ListedOrganization, *, private: bool) -> dict[str, Any]:
    """The organisation as the API shows it; `private` adds the contact block and the coordinator's note.

    Callers decide `private` with the policy (`organization.see_contact`, or `request.see_contact`
    when shown inside a request).
    """
    body: dict[str, Any] = {
        "id": organization.id, "name": organization.name, "description": organization.description,
        "cause_areas": list(organization.cause_areas or []), "region": organization.region,
        "website": organization.website, "registration_number": organization.registration_number,
        "verification": organization.verification, "verified_at": iso(organization.verified_at),
        "created_at": iso(organization.created_at), "updated_at": iso(organization.updated_at),
    }
    if private:  # a listing's organisation has no private fields: only an Organization gets here
        body["contact"] = organization.contact
        body["verification_note"] = organization.verification_note
    return body


def profile_json(organization: Organization, *, private: bool) -> dict[str, Any]:
    """The organisation as its own endpoints show it: organization_json plus the version to edit from."""
    return {**organization_json(organization, private=private), "version": organization.version}


def _profile_values(body: dict[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in body.items() if key != "contact"}
    if "contact" in body:
        contact = body["contact"] or {}
        for field, path in CONTACT_FIELDS.items():
            key = path.split(".", 1)[1]
            if body["contact"] is None or key in contact:
                values[field] = contact.get(key)
    return values


def _api_errors(error: Invalid) -> Invalid:
    """The service names contact fields contact_name...; the API body nests them as contact.name..."""
    return Invalid(fields={CONTACT_FIELDS.get(name, name): message for name, message in error.fields.items()})


def _private(organization: Organization) -> bool:
    return can(signed_in_user(), "organization.see_contact", organization)


@api_route("/organizations", ["POST"], summary=_l("Create an organisation profile"), auth=("nonprofit",),
           body=NEW_ORGANIZATION, status=201, response=ORGANIZATION, tags=TAGS,
           description=_l("The caller becomes its owner; it waits for a coordinator's verification."))
def create_organization(body: dict[str, Any]):
    try:
        organization = services.create_organization(signed_in_user(), **_profile_values(body))
    except Invalid as error:
        raise _api_errors(error) from None
    return profile_json(organization, private=True), 201


@api_route("/organizations", ["GET"], summary=_l("List organisations"), query=LIST_QUERY,
           response=ORGANIZATION, paginated=True, tags=TAGS,
           responses={401: _l("`mine=true` without a bearer token: sign in to list your organisations."),
                      403: _l("Only coordinators list organisations that are not verified.")})
def list_organizations(query: dict[str, Any]):
    user = signed_in_user()
    statement = queries.organizations_for(user, verification=query.get("verification"),
                                           mine=bool(query.get("mine")))
    private = user is not None and (user.is_coordinator or bool(query.get("mine")))

    def shown(organization: Organization) -> dict[str, Any]:
        if private:  # every showing of a contact is recorded, in lists too
            audit.record("contact.viewed", organization, actor=user, via="api_list")
        return profile_json(organization, private=private)

    page = paginate(statement, shown)
    if private:
        db.session.commit()
    return page


@api_route("/organizations/<int:organization_id>", ["GET"], summary=_l("Read an organisation"),
           response=ORGANIZATION, tags=TAGS,
           responses={404: _l("No such organisation, or it was rejected and the caller is not its staff.")})
def read_organization(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    private = _private(organization)
    if private:
        record_contact_view(user, organization, via="api")
    return profile_json(organization, private=private)


@api_route("/organizations/<int:organization_id>", ["PATCH"], summary=_l("Edit an organisation profile"),
           auth=SIGNED_IN, body=ORGANIZATION_PATCH, response=ORGANIZATION,
           tags=TAGS, description=_l("Staff and coordinators. When staff change the name or registration "
                                     "number of a verified organisation, it is verified again."),
           responses={403: _l("Not the organisation's staff or a coordinator."),
                      409: _l("Someone else saved the profile since base_version, or at the same moment: "
                              "code stale_version. Read it again, apply your changes and send its version.")})
def update_organization(organization_id: int, body: dict[str, Any]):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    base_version = body.pop("base_version", None)
    try:
        services.update_organization(organization, user, base_version=base_version,
                                     **_profile_values(body))
    except Invalid as error:
        raise _api_errors(error) from None
    return profile_json(organization, private=True)


@api_route("/organizations/<int:organization_id>/verification", ["POST"],
           summary=_l("Verify or reject an organisation"), auth=("coordinator",), body=DECISION,
           response=ORGANIZATION, tags=TAGS,
           description=_l("The note is shown to the organisation's staff and e-mailed to them."),
           responses={409: _l("The organisation already has this verification state.")})
def decide_verification(organization_id: int, body: dict[str, Any]):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    verification.decide_verification(organization, user, body["decision"], body.get("note"))
    return profile_json(organization, private=True)


@api_route("/organizations/<int:organization_id>/verification/request", ["POST"],
           summary=_l("Ask for verification again after a rejection"), auth=SIGNED_IN,
           response=ORGANIZATION, tags=TAGS,
           responses={403: _l("Not the organisation's staff."), 409: _l("The organisation is not rejected.")})
def request_verification(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    verification.request_verification_again(organization, user)
    return profile_json(organization, private=True)


def _member_json(membership: Membership) -> dict[str, Any]:
    return {"user": user_summary(membership.user), "role": membership.role,
            "joined_at": iso(membership.created_at)}


@api_route("/organizations/<int:organization_id>/members", ["GET"], summary=_l("An organisation's staff"),
           auth=SIGNED_IN, response=MEMBER, paginated=True, tags=TAGS,
           responses={403: _l("Not the organisation's staff or a coordinator.")})
def list_members(organization_id: int):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    require(user, "organization.edit", organization)
    return paginate(queries.members_query(organization), _member_json)


def _invitation_json(invitation: OrganizationInvitation) -> dict[str, Any]:
    return {"id": invitation.id, "organization_id": invitation.organization_id, "email": invitation.email,
            "created_at": iso(invitation.created_at),
            "expires_at": iso(invitations.invitation_expires_at(invitation))}


@api_route("/organizations/<int:organization_id>/invitations", ["POST"],
           summary=_l("Invite a colleague by e-mail"), auth=SIGNED_IN, body=NEW_INVITATION, status=201,
           response=INVITATION, tags=TAGS,
           description=_l("E-mails a link that works once, for 14 days. Inviting the same address again "
                          "replaces the earlier link."),
           responses={403: _l("Not the organisation's staff."),
                      409: _l("Too many invitations from this organisation today.")})
def invite_member(organization_id: int, body: dict[str, Any]):
    user = signed_in_user()
    organization = queries.get_visible(organization_id, user)
    invitation, _token = invitations.invite_member(organization, user, body["email"])
    return _invitation_json(invitation), 201


@api_route("/invitations/accept", ["POST"], summary=_l("Accept an invitation to an organisation"),
           auth=("nonprofit",), body=INVITATION_TOKEN, response=MEMBER, tags=TAGS,
           responses={404: _l("The token matches no invitation."),
                      409: _l("The invitation was already used or has expired.")})
def accept_invitation(body: dict[str, Any]):
    membership = invitations.accept_invitation(body["token"], signed_in_user())
    return _member_json(membership)

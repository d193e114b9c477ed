"""Organisation profiles: checking their fields, creating them and editing them (one version per save)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from app.core.audit import services as audit
from app.core.cleaning import clean_text_into, phone_problem
from app.core.errors import Conflict, Invalid
from app.core.models import User
from app.core.policy import require, require_role
from app.core.web_addresses import web_address
from app.extensions import db
from app.requests import signals
from app.requests.models import Membership, Organization
from app.requests.organizations.causes import clean_causes

# Column widths of Organization; a longer value would fail only on PostgreSQL, so check them here.
LIMITS = {"name": 200, "description": 20_000, "region": 100, "website": 255, "registration_number": 60,
          "contact_name": 120, "contact_phone": 40, "contact_email": 254}
PROFILE_FIELDS = ("name", "description", "cause_areas", "region", "website", "registration_number",
                  "contact_name", "contact_phone", "contact_email")
REQUIRED_FIELDS = ("name", "description", "region")
# Who the organisation is, as a coordinator checked it: changing these by its own staff asks again.
IDENTITY_FIELDS = ("name", "registration_number")
# What a request's listing shows of its organisation (search results, facets, the verified filter).
LISTING_FIELDS = ("name", "region", "cause_areas", "verification")


def _clean_website(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    address = web_address(value)
    if address is None:
        return None, _("Enter a web address like https://example.org.")
    return address, None


def _clean_email(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    try:
        return validate_email(value, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return None, _("Enter a valid e-mail address, like name@example.org.")


def _clean_phone(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    problem = phone_problem(value)
    return (None, problem) if problem else (value, None)


def clean_profile(values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check and normalise profile fields; with `partial`, only the fields given are checked.

    Returns the cleaned values (optional fields left empty become None). Raises Invalid naming
    every bad field at once.
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        if partial and name not in values:
            continue
        raw = values.get(name)
        if name == "cause_areas":
            cleaned[name], error = clean_causes(raw or [])
            if error:
                errors[name] = error
            continue
        text = clean_text_into(errors, raw, name, max_length=LIMITS[name])
        if text is None:
            continue
        if name in REQUIRED_FIELDS:
            if not text:
                errors[name] = _required_message(name)
            cleaned[name] = text
            continue
        checker = {"website": _clean_website, "contact_email": _clean_email,
                   "contact_phone": _clean_phone}.get(name)
        value, error = checker(text) if checker else (text or None, None)
        if error:
            errors[name] = error
        cleaned[name] = value
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _required_message(name: str) -> str:
    return {
        "name": _("Enter your organisation's name."),
        "description": _("Tell volunteers what your organisation does, where, and whom it serves."),
        "region": _("Enter the city or province where you work, or “online”."),
    }[name]


def create_organization(creator: User, **fields: Any) -> Organization:
    """Create an organisation profile, pending verification, with `creator` as its owner; commit.

    Only nonprofit staff create organisations (NotAllowed otherwise). Raises Invalid naming every
    bad field. Records `organization.created` in the audit trail.
    """
    require_role(creator, "nonprofit")
    values = clean_profile(fields)
    organization = Organization(verification="pending", **values)
    organization.memberships.append(Membership(user=creator, role="owner"))
    db.session.add(organization)
    db.session.flush()
    audit.record("organization.created", organization, actor=creator, name=organization.name)
    db.session.commit()
    return organization


def update_organization(organization: Organization, editor: User, *, base_version: int | None = None,
                        **fields: Any) -> Organization:
    """Change the fields given (others stay as they are) and commit, auditing which ones changed.

    Members and coordinators may edit (NotAllowed otherwise). When the organisation's own staff
    change the name or registration number of a verified organisation, it goes back to pending:
    the badge vouches for who the organisation is. A save that changes something moves `version`
    on by one. Raises Conflict `stale_version`, saving nothing, when `base_version` (the version
    the editor started from) is no longer current or another save landed since `organization`
    was loaded: of two racing saves exactly one succeeds. Raises Invalid naming every bad field.
    """
    require(editor, "organization.edit", organization)
    if base_version is not None and base_version != organization.version:
        raise _stale_organization()
    values = clean_profile(fields, partial=True)
    changed = sorted(name for name, value in values.items() if getattr(organization, name) != value)
    if not changed:
        return organization
    _claim_next_version(organization)
    for name in changed:
        setattr(organization, name, values[name])
    detail: dict[str, Any] = {"fields": changed, "version": organization.version}
    listing_changes = list(changed)
    if (organization.is_verified and not editor.is_coordinator
            and any(name in IDENTITY_FIELDS for name in changed)):
        organization.verification = "pending"
        organization.verification_note = None
        organization.verified_at = None
        organization.verified_by_id = None
        detail["verification"] = "pending"
        listing_changes.append("verification")
    audit.record("organization.updated", organization, actor=editor, **detail)
    announce_listing_change(organization, listing_changes, editor)
    db.session.commit()
    return organization


def _stale_organization() -> Conflict:
    return Conflict(_("Someone else saved this organisation since you loaded it. Load it again, apply "
                      "your changes to what they saved, then save again."), code="stale_version")


def _claim_next_version(organization: Organization) -> None:
    """Move the organisation's version on by one, if it is still the version it was loaded with.

    A compare-and-set before anything of the save is flushed: on PostgreSQL a racing save waits for
    the first one's row lock and then matches nothing; on SQLite it waits for the first writer and
    then reads its commit. A refusal rolls back and raises Conflict `stale_version`.
    """
    loaded = organization.version
    claimed = db.session.execute(
        sa.update(Organization).where(Organization.id == organization.id, Organization.version == loaded)
        .values(version=loaded + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()  # the organisation reloads with the other save's values
        raise _stale_organization()
    set_committed_value(organization, "version", loaded + 1)


def announce_listing_change(organization: Organization, changed: list[str], by: User) -> None:
    """Send `organization_updated` when a change shows in the organisation's request listings."""
    fields = sorted(name for name in changed if name in LISTING_FIELDS)
    if fields:
        signals.organization_updated.send(current_app._get_current_object(), organization=organization,
                                          fields=fields, by=by)

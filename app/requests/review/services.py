"""Coordinator review's changes: the spec saved as a new version, publish, send back, reject.

Reads (the intake queue, spec versions and their comparison) live in `queries`, the discussion
thread in `thread`, and the spec's canonical form, text rendering and line diff (pure functions)
in `spec_text`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text, normalise_text, text_problem
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import Skill, User
from app.core.policy import require
from app.extensions import db
from app.requests import signals
from app.requests.models import HelpRequest, SpecVersion
from app.requests.organizations.queries import organization_staff
from app.requests.policy import PUBLIC_STATUSES, visible_request_or_404
from app.requests.review.spec_text import (
    LIST_SECTIONS,
    TEXT_SECTIONS,
    canonical_content,
)
from app.requests.review.thread import (
    add_message,
    announce_message,
    notify,
)
from app.requests.status import can_transition, forbidden_reason, transition
from app.requests.timeline.services import add_entry

TEAM_SIZE_MAX = 20
EFFORT_HOURS_MAX = 10_000
NOTE_MAX = 500
# After publication the spec may still be corrected; once work has started it is what the team agreed.
EDITABLE_STATUSES = frozenset({"intake", "open"})
# Decisions about a request its staff must hear of, whatever their e-mail choices ("intake" is no
# opt-out kind in the account settings).
DECISION_MAIL_KIND = "intake"


def reviewable_request(request_id: int, user: User | None) -> HelpRequest:
    """The request for a coordinator's review: NotFound when not visible, NotAllowed for non-coordinators."""
    help_request = visible_request_or_404(user, request_id)
    require(user, "request.review", help_request)
    return help_request


def spec_content(help_request: HelpRequest) -> dict[str, Any]:
    """The current spec's sections in canonical form; for a request without a spec, what the request knows."""
    spec = help_request.current_spec
    if spec is not None:
        return canonical_content(spec.content)
    return canonical_content({"summary": help_request.title, "background": help_request.problem,
                              "skills": [skill.slug for skill in help_request.skills],
                              "team_size": help_request.team_size,
                              "effort_hours": help_request.effort_hours})


def skills_named(slugs: list[str]) -> list[Skill]:
    """The taxonomy's skills with these slugs, by slug (slugs it lacks are left out)."""
    if not slugs:
        return []
    return list(db.session.scalars(sa.select(Skill).where(Skill.slug.in_(slugs)).order_by(Skill.slug)))


def check_spec_editable(help_request: HelpRequest) -> None:
    """Raise Conflict, with what to do instead, unless the request's spec may be edited now."""
    if help_request.status not in EDITABLE_STATUSES:
        raise Conflict(_("The spec can be edited only while the request is in intake or open. "
                         "Once work has started, agree changes with the team in their check-ins."),
                       code="spec_not_editable")


def _number(content: dict[str, Any], name: str, minimum: int, maximum: int,
            errors: dict[str, str]) -> None:
    value = content[name]
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        errors[name] = _("Enter a whole number from %(min)d to %(max)d.", min=minimum, max=maximum)


def _checked_skills(slugs: list[str], errors: dict[str, str]) -> list[Skill]:
    skills = skills_named(slugs)
    unknown = sorted(set(slugs) - {skill.slug for skill in skills})
    if unknown:
        errors["skills"] = _("Not in the skills taxonomy: %(slugs)s. Choose skills from the list.",
                             slugs=", ".join(unknown))
    return skills


def _check_spec(help_request: HelpRequest, content: dict[str, Any]) -> list[Skill]:
    """The spec's skills from the taxonomy; Invalid naming every section that breaks a rule."""
    errors: dict[str, str] = {}
    if not content["summary"]:
        errors["summary"] = _("Write a summary: two or three sentences an engineer reads first.")
    for name in TEXT_SECTIONS:
        problem = text_problem(content[name], TEXT_MAX)
        if problem and name not in errors:
            errors[name] = problem
    for name in LIST_SECTIONS:
        if sum(len(item) for item in content[name]) > TEXT_MAX:
            errors[name] = _("Use at most %(n)d characters.", n=TEXT_MAX)
    _number(content, "team_size", 1, TEAM_SIZE_MAX, errors)
    _number(content, "effort_hours", 1, EFFORT_HOURS_MAX, errors)
    if "team_size" not in errors and content["team_size"] < help_request.seats_taken:
        errors["team_size"] = _("%(taken)d seats are already taken: the team can't be smaller than that.",
                                taken=help_request.seats_taken)
    skills = _checked_skills(content["skills"], errors)
    if errors:
        raise Invalid(fields=errors)
    return skills


def save_spec(help_request: HelpRequest, user: User, *, changes: dict[str, Any], note: str | None = None,
              base_version: int | None = None) -> SpecVersion | None:
    """Save the spec with `changes` (sections left out keep their value) as a new version; commits.

    The new version is the next number after the one `help_request` was loaded with, written by
    `user` with the optional `note`; the request's current version, team size, effort and skills
    follow it; a public `spec_updated` timeline entry, a `request.spec_updated` audit event and the
    `spec_updated` signal go with it. When nothing changed, nothing is saved and None is returned.
    Of two saves racing from the same version exactly one succeeds. Raises NotAllowed (not a
    coordinator), Conflict `spec_not_editable` (the request is past `open`), Conflict
    `stale_version` (`base_version` is no longer current, or another save landed since the request
    was loaded: nothing is saved), and Invalid naming each bad section (unknown skills under
    `skills`, a team smaller than the seats taken under `team_size`).
    """
    require(user, "request.review", help_request)
    check_spec_editable(help_request)
    previous = help_request.current_spec
    loaded_version = help_request.current_spec_version
    if base_version is not None and loaded_version is not None and loaded_version != base_version:
        raise _stale_spec(loaded_version)
    current = spec_content(help_request)
    content = canonical_content({**current, **changes})
    skills = _check_spec(help_request, content)
    if previous is not None and content == current:
        return None
    note = normalise_text(note)[:NOTE_MAX] or None
    number = _claim_next_version(help_request, loaded_version)
    # Keys the drafter adds beyond the contract's sections travel on to the new version.
    spec = SpecVersion(help_request=help_request, version=number, author_id=user.id, note=note,
                       content={**(previous.content if previous else {}), **content})
    # No autoflush while building the version: a broken constraint must surface in _flush_or_conflict.
    with db.session.no_autoflush:
        db.session.add(spec)
        help_request.current_spec_version = number
        help_request.team_size = content["team_size"]
        help_request.effort_hours = content["effort_hours"]
        help_request.skills = skills
        help_request.updated_at = utcnow()
        add_entry(help_request, "spec_updated", actor=user, summary=f"Spec updated to version {number}.",
                  detail={"version": number})
        audit.record("request.spec_updated", help_request, actor=user, version=number,
                     previous_version=previous.version if previous else None, note=note)
    _flush_or_conflict(number)
    signals.spec_updated.send(current_app._get_current_object(), help_request=help_request,
                              version=number, by=user)
    _commit_or_conflict()
    return spec


def _stale_spec(version: int) -> Conflict:
    return Conflict(_("Someone saved version %(version)d of this spec while you were editing. "
                      "Your text is still here: compare it with that version, then save again.",
                      version=version), code="stale_version")


def _claim_next_version(help_request: HelpRequest, loaded_version: int | None) -> int:
    """The next version number, claimed by moving the request's current version on from `loaded_version`.

    A compare-and-set: the UPDATE matches only while the current version is still the one this save
    started from. On PostgreSQL it waits for a racing save's row lock and then matches nothing; on
    SQLite it waits for the racing writer and then reads its commit. It runs before anything of this
    save is flushed, so a refusal (Conflict `stale_version`) leaves nothing half-written.
    """
    number = (db.session.scalar(sa.select(sa.func.max(SpecVersion.version))
                                .where(SpecVersion.request_id == help_request.id)) or 0) + 1
    still_loaded = (HelpRequest.current_spec_version.is_(None) if loaded_version is None
                    else HelpRequest.current_spec_version == loaded_version)
    claimed = db.session.execute(
        sa.update(HelpRequest).where(HelpRequest.id == help_request.id, still_loaded)
        .values(current_spec_version=number).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        current = db.session.scalar(sa.select(HelpRequest.current_spec_version)
                                    .where(HelpRequest.id == help_request.id))
        raise _stale_spec(current or number)
    return number


def _flush_or_conflict(number: int) -> None:
    """Flush the new version; a broken unique (request, version) constraint becomes a Conflict.

    The compare-and-set in _claim_next_version keeps racing saves apart; this is the last defence.
    """
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _stale_spec(number) from None


def _commit_or_conflict() -> None:
    """Commit; a constraint broken by a concurrent change (version taken, seats) becomes a Conflict."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone changed this request at the same moment. Reload the page and try again."),
                       code="concurrent_change") from None


def _check_move(help_request: HelpRequest, to: str) -> None:
    # Checked before any change, so a refused decision leaves nothing half-done in the session.
    current = help_request.status
    if can_transition(current, to):
        return
    if to == "open" and current in PUBLIC_STATUSES:
        reason = _("This request is already published.")
    elif to == "open" and current == "draft":
        reason = _("This request is still a draft: its organisation has to submit it first.")
    elif to == "draft" and current == "draft":
        reason = _("This request is already back with its organisation.")
    else:
        reason = forbidden_reason(current, to)
    raise Conflict(reason, code="invalid_status_transition")


def _request_page_endpoint() -> str:
    # The public request page is another part of this feature; until it exists, the thread stands in.
    if "requests.view_request" in current_app.view_functions:
        return "requests.view_request"
    return "requests.request_thread"


def _tell_staff(help_request: HelpRequest, kind: str, subject: str, template: str, *, endpoint: str,
                **context: Any) -> None:
    """A decision's notification and e-mail to each of the organisation's staff, linking to `endpoint`."""
    link = url_for(endpoint, request_id=help_request.id)
    page_url = url_for(endpoint, request_id=help_request.id, _external=True)
    for member in organization_staff(help_request.organization_id):
        send_email(member, DECISION_MAIL_KIND, subject, f"review/{template}",
                   subject_params={"title": help_request.title}, help_request=help_request,
                   page_url=page_url, **context)
        notify(member, kind, help_request, link)


def publish_request(help_request: HelpRequest, user: User) -> HelpRequest:
    """Publish a request in intake (→ open) so volunteers can find it; commits.

    The organisation's staff get a notification and an e-mail; the `request_published` signal is
    sent. Raises NotAllowed (not a coordinator) and Conflict: the request is not in intake, its
    organisation is not verified, or it has no spec.
    """
    require(user, "request.review", help_request)
    _check_move(help_request, "open")
    if not help_request.organization.is_verified:
        raise Conflict(_("This organisation is not verified yet. Verify it first, then publish."),
                       code="organization_not_verified")
    if help_request.current_spec is None:
        raise Conflict(_("This request has no spec yet. Write the spec first, then publish."),
                       code="spec_missing")
    transition(help_request, "open", by=user)
    _tell_staff(help_request, "request_published", N_("Your request “%(title)s” is published"),
                "intake_published", endpoint=_request_page_endpoint())
    signals.request_published.send(current_app._get_current_object(), help_request=help_request, by=user)
    db.session.commit()
    return help_request


def send_back_request(help_request: HelpRequest, user: User, message: str | None) -> HelpRequest:
    """Send a request in intake back to its organisation (→ draft) with questions; commits.

    The questions are posted in the thread, and the staff get a notification and an e-mail
    (whatever their e-mail choices: they must act). Raises NotAllowed, Conflict (not in intake)
    and Invalid naming `message` when it is empty or too long.
    """
    require(user, "request.review", help_request)
    _check_move(help_request, "draft")
    body = clean_text(message, "message", max_length=TEXT_MAX,
                      required=_("Write the questions the nonprofit should answer."))
    transition(help_request, "draft", by=user)
    posted = add_message(help_request, user, body)
    announce_message(posted, organization_staff(help_request.organization_id), kind=DECISION_MAIL_KIND,
                     subject=N_("Questions about your request “%(title)s”"), template="intake_sent_back")
    audit.record("request.sent_back", help_request, actor=user, message_id=posted.id)
    db.session.commit()
    return help_request


def reject_request(help_request: HelpRequest, user: User, reason: str | None) -> HelpRequest:
    """Reject a request in intake (→ withdrawn) with a reason; commits.

    The reason goes on the request's private timeline and in the audit trail, and to the staff in
    a notification and an e-mail. Raises NotAllowed, Conflict (not in intake) and Invalid naming
    `reason` when it is empty or too long.
    """
    require(user, "request.review", help_request)
    if help_request.status != "intake":
        raise Conflict(_("Only a request in intake can be rejected. To close another request, withdraw it."),
                       code="invalid_status_transition")
    reason = clean_text(reason, "reason", max_length=TEXT_MAX,
                        required=_("Say why the request is rejected: the nonprofit will read it."))
    transition(help_request, "withdrawn", by=user)
    add_entry(help_request, "intake_rejected", actor=user, summary="Rejected at intake.",
              detail={"reason": reason}, is_public=False)
    audit.record("request.rejected", help_request, actor=user, reason=reason)
    _tell_staff(help_request, "request_rejected", N_("Your request “%(title)s” was not accepted"),
                "intake_rejected", endpoint="requests.request_thread", reason=reason)
    db.session.commit()
    return help_request

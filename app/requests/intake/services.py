"""Intake services: create and save drafts, submit them for intake (drafting spec v1), withdraw requests."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core import taxonomy
from app.core.api.schema import TEXT_MAX, TITLE_MAX
from app.core.audit import services as audit
from app.core.cleaning import NUL_MESSAGE, clean_text, has_nul
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import Skill, User
from app.core.policy import can
from app.extensions import db
from app.requests.intake.content import IntakeQuestion, intake_content
from app.requests.intake.drafting import drafter
from app.requests.intake.drafting.answers import IntakeAnswers
from app.requests.models import (
    CHECKIN_CADENCES,
    HelpRequest,
    Membership,
    Organization,
    RequestSkill,
    SpecVersion,
)
from app.requests.policy import visible_or_404
from app.requests.status import forbidden_reason, transition
from app.requests.timeline.services import add_entry

log = logging.getLogger(__name__)

TEXT_FIELDS = ("problem", "current_process", "users", "data_kept", "rhythm", "constraints")
MUST_DO_MAX_ITEMS = 30


def member_organizations(user: User) -> list[Organization]:
    """The organisations `user` is staff of, by name (any verification state)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        sa.select(Organization).join(Membership).where(Membership.user_id == user.id)
        .order_by(Organization.name, Organization.id)))


def organization_requests(user: User,
                          limit: int | None = None) -> tuple[list[HelpRequest], list[HelpRequest]]:
    """(drafts, submitted requests) of the user's organisations, most recently changed first.

    One query (organisations loaded with it); `limit` caps each list.
    """
    own = sa.select(Membership.organization_id).where(Membership.user_id == user.id)
    statement = (sa.select(HelpRequest).where(HelpRequest.organization_id.in_(own))
                 .options(selectinload(HelpRequest.organization))
                 .order_by(HelpRequest.updated_at.desc(), HelpRequest.id.desc()))
    found = list(db.session.scalars(statement))
    drafts = [r for r in found if r.status == "draft"]
    submitted = [r for r in found if r.status != "draft"]
    if limit is not None:
        return drafts[:limit], submitted[:limit]
    return drafts, submitted


def resume_step(help_request: HelpRequest) -> str:
    """The step a draft reopens at: the first required question still unanswered, else "review"."""
    for each in intake_content().questions:
        value = getattr(help_request, each.key)
        if each.required and not (value.strip() if isinstance(value, str) else value):
            return each.key
    return "review"


def clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The draft answers in `answers`, checked and normalised; unknown keys are ignored.

    Titles hold at most 200 characters and other text at most 20,000; `must_do` is a list of at
    most 30 non-empty lines (a string is split into lines); `deadline` is a date after today or
    None; `checkin_cadence` one of weekly, biweekly, monthly. Raises Invalid naming every bad field.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in ("title", *TEXT_FIELDS):
        if field not in answers:
            continue
        value = answers[field]
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[field] = _("Enter text.")
            continue
        value = value.strip()
        limit = TITLE_MAX if field == "title" else TEXT_MAX
        if has_nul(value):
            errors[field] = str(NUL_MESSAGE)
        elif len(value) > limit:
            errors[field] = _("Use at most %(n)d characters (now %(count)d).", n=limit, count=len(value))
        else:
            cleaned[field] = value
    if "must_do" in answers:
        items, error = _clean_must_do(answers["must_do"])
        if error:
            errors["must_do"] = error
        else:
            cleaned["must_do"] = items
    if "deadline" in answers:
        deadline = answers["deadline"]
        if deadline in (None, ""):
            cleaned["deadline"] = None
        elif not isinstance(deadline, date):
            errors["deadline"] = _("Enter a date as YYYY-MM-DD, like 2025-06-30.")
        elif deadline <= utcnow().date():
            errors["deadline"] = _("Choose a date after today, or leave it empty if there is no hard date.")
        else:
            cleaned["deadline"] = deadline
    if "checkin_cadence" in answers and answers["checkin_cadence"] is not None:
        if answers["checkin_cadence"] not in CHECKIN_CADENCES:
            errors["checkin_cadence"] = _("Choose one of: %(choices)s.", choices=", ".join(CHECKIN_CADENCES))
        else:
            cleaned["checkin_cadence"] = answers["checkin_cadence"]
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _clean_must_do(value: Any) -> tuple[list[str], str | None]:
    if value is None:
        return [], None
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return [], _("Enter a list of things it must do, one per line.")
    items = [item.strip().lstrip("-•*·").strip() for item in value]
    items = [item for item in items if item]
    if has_nul(items):
        return [], str(NUL_MESSAGE)
    if len(items) > MUST_DO_MAX_ITEMS:
        return [], _("List at most %(n)d things; combine the smaller ones.", n=MUST_DO_MAX_ITEMS)
    if sum(len(item) + 1 for item in items) - 1 > TEXT_MAX:
        return [], _("Use at most %(n)d characters in all.", n=TEXT_MAX)
    return items, None


def create_draft(organization: Organization | None, *, by: User, **answers: Any) -> HelpRequest:
    """Start a draft request for `organization` with any answers given, and commit.

    Only the organisation's staff (nonprofit accounts that are its members) may: others get
    NotAllowed; an unknown organisation gives Invalid naming `organization_id`. Bad answers give
    Invalid naming each field. Adds a `created` timeline entry and a `request.created` audit event.
    """
    if organization is None:
        raise Invalid("organization_id", _("Choose one of your organisations."))
    if not can(by, "request.create", organization):
        raise NotAllowed(_("Only staff of this organisation can describe a need for it."))
    cleaned = clean_answers(answers)
    help_request = HelpRequest(organization=organization, created_by_id=by.id, status="draft",
                               title=cleaned.pop("title", ""), **cleaned)
    db.session.add(help_request)
    db.session.flush()
    add_entry(help_request, "created", actor=by, summary="Request drafted.")
    audit.record("request.created", help_request, actor=by, organization_id=organization.id)
    db.session.commit()
    return help_request


def editable_draft(help_request: HelpRequest | None, user: User) -> HelpRequest:
    """The request if `user` may edit it as a draft now.

    Raises NotFound (not visible to the user), NotAllowed (visible but not the organisation's
    staff) or Conflict, with what to do instead, once it has left the draft state.
    """
    help_request = visible_or_404(user, help_request)
    if not can(user, "request.submit", help_request):  # the organisation's staff
        raise NotAllowed(_("Only staff of the organisation can change its request."))
    if help_request.status != "draft":
        raise Conflict(_("This request has been submitted, so it can no longer be edited as a draft. "
                         "Write to the coordinator in the request's discussion to change it."),
                       code="not_a_draft")
    return help_request


def update_draft(help_request: HelpRequest | None, *, by: User, **answers: Any) -> HelpRequest:
    """Save some answers of a draft and commit; answers not given keep their value.

    Raises what `editable_draft` raises, and Invalid naming each bad field (nothing is saved
    then). A save that changes something is recorded as a `request.draft_saved` audit event.
    """
    help_request = editable_draft(help_request, by)
    cleaned = clean_answers(answers)
    changed = sorted(field for field, value in cleaned.items() if getattr(help_request, field) != value)
    for field in changed:
        setattr(help_request, field, cleaned[field])
    if changed:
        help_request.updated_at = utcnow()
        audit.record("request.draft_saved", help_request, actor=by, fields=changed)
    db.session.commit()
    return help_request


def missing_answers(help_request: HelpRequest) -> dict[str, str]:
    """The answers a draft still needs before it can be submitted, as {field: sentence}."""
    missing: dict[str, str] = {}
    if not (help_request.title or "").strip():
        missing["title"] = _("Give the request a title: one line saying what you would like to have.")
    if not (help_request.problem or "").strip():
        missing["problem"] = _("Say what is hardest for you today.")
    if not [item for item in help_request.must_do or [] if str(item).strip()]:
        missing["must_do"] = _("List at least one thing it must be able to do.")
    return missing


def question(key: str) -> IntakeQuestion:
    """The intake question asking for request field `key` (from requests/intake/questions.json)."""
    return next(q for q in intake_content().questions if q.key == key)


def split_choices(key: str, answer: str | None) -> tuple[list[str], str]:
    """Read a choice or checklist answer back: (option values ticked, the free text around them).

    Ticked options are stored as their label (in either language) alone on a line, so the saved
    answer reads naturally on every page and in the API, and the free text follows.
    """
    by_label = {label[language].strip().casefold(): value
                for value, label in question(key).options for language in label}
    chosen: list[str] = []
    rest: list[str] = []
    for line in (answer or "").splitlines():
        value = by_label.get(line.strip().casefold())
        if value is not None and value not in chosen:
            chosen.append(value)
        elif value is None:
            rest.append(line)
    return chosen, "\n".join(rest).strip()


def join_choices(key: str, chosen: list[str], free_text: str | None, locale: str) -> str:
    """Compose a choice or checklist answer: each ticked option's label in `locale`, then the free text."""
    labels = [label.get(locale) or label["en"] for value, label in question(key).options if value in chosen]
    return "\n".join([*labels, (free_text or "").strip()]).strip()


def intake_answers(help_request: HelpRequest) -> IntakeAnswers:
    """The request's answers in the drafter's shape, ticked constraints passed as their ids."""
    options, constraints = split_choices("constraints", help_request.constraints)
    return IntakeAnswers(
        title=help_request.title or "", problem=help_request.problem or "",
        current_process=help_request.current_process or "", users=help_request.users or "",
        data_kept=help_request.data_kept or "", must_do=tuple(help_request.must_do or ()),
        rhythm=help_request.rhythm or "", constraints=constraints, constraint_options=tuple(options),
        deadline=help_request.deadline.isoformat() if help_request.deadline else "")


def _skills_by_slug(slugs: list[str]) -> list[Skill]:
    """The Skill rows for `slugs`, in that order; the table is synced from the taxonomy file if one lacks."""
    def fetch() -> dict[str, Skill]:
        return {s.slug: s for s in db.session.scalars(sa.select(Skill).where(Skill.slug.in_(slugs)))}

    found = fetch()
    if len(found) < len(set(slugs)):
        try:
            taxonomy.sync_skills()  # commits only skills rows, idempotently, before our own changes
        except sa.exc.IntegrityError:
            db.session.rollback()  # another process synced the same skills a moment ago
        found = fetch()
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            log.warning("drafted skills missing from the taxonomy: %s", ", ".join(unknown))
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]


def submit_request(help_request: HelpRequest | None, by: User) -> HelpRequest:
    """Submit a draft for intake: draft spec version 1 (or the next), move to `intake`, tell coordinators.

    Guarantees, in one commit: a SpecVersion written by the drafter (author None) becomes current;
    team_size, effort_hours and the request's skills follow it; the status moves to `intake` with
    its timeline entry and audit event; every coordinator gets an "intake" e-mail. Raises
    NotFound / NotAllowed as `editable_draft` does, Conflict (with the reason) when the request is
    not a draft, and Invalid naming `title`, `problem` and/or `must_do` when they are unanswered.
    """
    help_request = visible_or_404(by, help_request)
    if not can(by, "request.submit", help_request):
        raise NotAllowed(_("Only staff of the organisation can submit its request."))
    if help_request.status != "draft":
        raise Conflict(forbidden_reason(help_request.status, "intake"), code="invalid_status_transition")
    missing = missing_answers(help_request)
    if missing:
        raise Invalid(fields=missing)
    content = intake_content()
    spec = drafter.draft_spec(intake_answers(help_request), content.rules, content.taxonomy)
    skills = _skills_by_slug(list(spec.skills))
    _hold_draft(help_request)
    latest = db.session.scalar(sa.select(sa.func.max(SpecVersion.version))
                               .where(SpecVersion.request_id == help_request.id)) or 0
    version = SpecVersion(request_id=help_request.id, version=latest + 1, author_id=None,
                          content=spec.as_spec(), note="Drafted by Codebridge from the intake answers.")
    db.session.add(version)
    help_request.current_spec_version = version.version
    help_request.team_size = max(spec.team_size, help_request.seats_taken, 1)
    help_request.effort_hours = spec.effort_hours
    db.session.execute(sa.delete(RequestSkill).where(RequestSkill.request_id == help_request.id))
    db.session.add_all(RequestSkill(request_id=help_request.id, skill_id=skill.id) for skill in skills)
    transition(help_request, "intake", by=by)
    audit.record("request.spec_drafted", help_request, actor=None, version=version.version,
                 skills=[skill.slug for skill in skills], team_size=help_request.team_size,
                 effort_hours=help_request.effort_hours)
    _tell_coordinators(help_request)
    db.session.commit()
    db.session.expire(help_request, ["skills", "spec_versions"])
    return help_request


def _hold_draft(help_request: HelpRequest) -> None:
    """Lock the draft's row for this transaction, or raise Conflict if it is no longer a draft.

    The conditional UPDATE is the first write, so a second submission of the same draft waits
    for the first to commit and then finds it in intake. Reading the status, checking it and then
    writing would let both submissions see a draft and pass, on SQLite and PostgreSQL alike.
    """
    held = db.session.execute(
        sa.update(HelpRequest).where(HelpRequest.id == help_request.id, HelpRequest.status == "draft")
        .values(updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if held != 1:
        db.session.rollback()
        raise Conflict(_("This request has just been submitted. Reload the page to see it."),
                       code="invalid_status_transition")


def _tell_coordinators(help_request: HelpRequest) -> None:
    coordinators = db.session.scalars(sa.select(User).where(User.role == "coordinator",
                                                            User.is_blocked.is_(False)))
    for coordinator in coordinators:
        send_email(coordinator, "intake", N_("New request for intake: %(title)s"),
                   "intake/request_submitted",
                   subject_params={"title": help_request.title}, help_request=help_request,
                   organization=help_request.organization)


def withdraw_request(help_request: HelpRequest | None, by: User, reason: str | None = None) -> HelpRequest:
    """Withdraw a request that is not finished, with an optional reason, and commit.

    The organisation's staff and coordinators may. The reason (at most 20,000 characters) goes
    on the timeline entry and in the audit event. Raises NotFound (not visible), NotAllowed,
    Invalid naming `reason`, or Conflict with the reason when the status does not allow it.
    """
    help_request = visible_or_404(by, help_request)
    if not can(by, "request.withdraw", help_request):
        raise NotAllowed(_("Only the organisation's staff or a coordinator can withdraw this request."))
    reason = clean_text(reason, "reason", max_length=TEXT_MAX)
    transition(help_request, "withdrawn", by=by, note=reason or None)
    db.session.commit()
    return help_request


def organization_for(organization_id: int | None) -> Organization | None:
    """The organisation with this id (None for None); Invalid naming `organization_id` if there is none."""
    if organization_id is None:
        return None
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise Invalid("organization_id", _("There is no organisation with this id."))
    return organization

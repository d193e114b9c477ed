"""Plain factory functions: each adds its object, flushes, and returns the model."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from app.core.accounts import passwords
from app.core.db import utcnow
from app.core.models import Skill, User
from app.extensions import db
from app.requests.models import HelpRequest, Membership, Organization, SpecVersion
from app.volunteers.models import Claim, VolunteerProfile, VolunteerSkill

DEFAULT_PASSWORD = "correct horse battery"
_sequence = itertools.count(1)
_password_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is deliberately slow; tests reuse one hash per distinct password.
    if password not in _password_hash_cache:
        _password_hash_cache[password] = passwords.hash_password(password)
    return _password_hash_cache[password]


def make_user(role: str = "volunteer", *, email: str | None = None, name: str | None = None,
              password: str = DEFAULT_PASSWORD, locale: str = "en", **fields) -> User:
    n = next(_sequence)
    user = User(email=email or f"{role}{n}@example.org", name=name or f"{role.title()} {n}",
                role=role, locale=locale, password_hash=_hash(password), **fields)
    db.session.add(user)
    db.session.flush()
    return user


# Statuses a request passes through on its way to each status; they decide its timestamps.
_REACHED_VIA = {
    "draft": (),
    "intake": ("intake",),
    "open": ("intake", "open"),
    "in_progress": ("intake", "open"),
    "in_review": ("intake", "open"),
    "delivered": ("intake", "open", "delivered"),
    "withdrawn": ("intake", "open", "withdrawn"),
}


def make_skill(slug: str, name_en: str | None = None, name_zh: str | None = None, **fields) -> Skill:
    """The skill with this slug, created (with the given names) if the taxonomy lacks it."""
    skill = db.session.scalar(sa.select(Skill).where(Skill.slug == slug))
    if skill is None:
        skill = Skill(slug=slug, name_en=name_en or slug.replace("-", " ").title(),
                      name_zh=name_zh or slug, **fields)
        db.session.add(skill)
        db.session.flush()
    return skill


def make_org(verified: bool = True, members: list[User] | None = None, **fields) -> Organization:
    """An organisation (verified unless told otherwise); the first member is its owner."""
    n = next(_sequence)
    values = {"name": f"Nonprofit {n}", "description": "A community organisation.",
              "cause_areas": ["community"], "region": "Beijing", "contact_name": f"Contact {n}",
              "contact_phone": f"+86 138 0000 {n:04d}", "contact_email": f"contact{n}@example.org"}
    values.update(fields)
    org = Organization(verification="verified" if verified else "pending",
                       verified_at=utcnow() if verified else None, **values)
    db.session.add(org)
    for index, user in enumerate(members or []):
        org.memberships.append(Membership(user=user, role="owner" if index == 0 else "member"))
    db.session.flush()
    return org


def spec_content(request: HelpRequest, skills: list[str]) -> dict:
    """A plausible spec for a request, in the API contract's shape."""
    return {"summary": request.title, "background": request.problem,
            "users_and_roles": ["Staff"], "data_entities": ["Record"],
            "user_stories": [f"As staff, I can {item}." for item in request.must_do],
            "acceptance_criteria": ["Staff can use it on a phone."], "constraints": [],
            "skills": list(skills), "team_size": request.team_size,
            "effort_hours": request.effort_hours or 40, "effort_reasoning": "A small web app.",
            "open_questions": []}


def make_request(org: Organization | None = None, status: str = "open", team_size: int = 1,
                 skills: list[str] | tuple[str, ...] = (), **fields) -> HelpRequest:
    """A help request in `status`, with the timestamps and spec (v1, past draft) it would have there.

    Without `org`, a verified organisation with one nonprofit member is made. Seats start free;
    use make_claim(status="accepted") to fill them.
    """
    if org is None:
        org = make_org(members=[make_user("nonprofit")])
    n = next(_sequence)
    values = {"title": f"Help request {n}", "problem": "We keep our records on paper.",
              "current_process": "Paper forms and Excel.", "users": "Five staff members.",
              "data_kept": "Names, dates, amounts.", "must_do": ["record a visit", "export a report"],
              "rhythm": "Monthly feedback.", "constraints": "No hosting budget."}
    values.update(fields)
    values.setdefault("created_by", org.memberships[0].user if org.memberships else None)
    skill_rows = [make_skill(slug) for slug in skills]
    request = HelpRequest(organization=org, status=status, team_size=team_size, skills=skill_rows,
                          **values)
    db.session.add(request)
    start = utcnow() - timedelta(days=30)
    stamps = {"intake": "submitted_at", "open": "published_at", "delivered": "delivered_at",
              "withdrawn": "withdrawn_at"}
    request.created_at = start
    for day, step in enumerate(_REACHED_VIA[status], start=1):
        if getattr(request, stamps[step]) is None:
            setattr(request, stamps[step], start + timedelta(days=day))
    if status != "draft":
        request.spec_versions.append(SpecVersion(version=1, content=spec_content(request, list(skills))))
        request.current_spec_version = 1
    db.session.flush()
    return request


def make_volunteer(*, skills: dict[str, int] | None = None, hours_per_week: int = 6,
                   email: str | None = None, name: str | None = None, locale: str = "en",
                   **fields) -> User:
    """A volunteer user with a profile (extra keywords go to the profile) and skills {slug: level}."""
    user = make_user("volunteer", email=email, name=name, locale=locale)
    profile = VolunteerProfile(user_id=user.id, hours_per_week=hours_per_week, **fields)
    for slug, level in (skills or {}).items():
        profile.skills.append(VolunteerSkill(skill=make_skill(slug), level=level))
    db.session.add(profile)
    db.session.flush()
    return user


def make_claim(request: HelpRequest, volunteer: User, status: str = "pending", role: str = "member",
               hours: int = 4, **fields) -> Claim:
    """A claim on the request; an accepted one takes a seat (seats_taken goes up by one)."""
    now = utcnow()
    claim = Claim(help_request=request, volunteer=volunteer, status=status, role=role,
                  hours_per_week=hours, message=fields.pop("message", "I would like to help."), **fields)
    if status != "pending":
        claim.decided_at = claim.decided_at or now
    if status in ("accepted", "completed"):
        claim.accepted_at = claim.accepted_at or now
    if status not in ("pending", "accepted"):
        claim.closed_at = claim.closed_at or now
    if status == "accepted":
        request.seats_taken += 1
    db.session.add(claim)
    db.session.flush()
    return claim

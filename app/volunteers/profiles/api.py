"""API: the caller's volunteer profile (read and save) and any volunteer's public profile."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.accounts.api import user_summary
from app.core.accounts.current import signed_in_user
from app.core.api.fields import (
    boolean,
    email_address,
    integer,
    moment,
    nested,
    nested_list,
    string_list,
    text,
    web_address,
)
from app.core.api.plumbing import api_route, iso
from app.core.api.schema import Field, Schema
from app.core.models import User
from app.volunteers.models import Review, VolunteerProfile
from app.volunteers.profiles import queries, services

TAGS = ("volunteers",)
LIMITS = services.LIMITS

SKILL_INPUT = Schema(
    "VolunteerSkillInput",
    Field("name", max_length=120, required=True,
          description=_l("A skill's slug, or its name or a synonym in Chinese or English "
                         "(\"database-design\", \"数据库\", \"mini program\").")),
    integer("level", 1, 5, required=True, description=_l("1 learning, 3 comfortable, 5 expert.")),
)

PROFILE_INPUT = Schema(
    "VolunteerProfileInput",
    nested_list("skills", SKILL_INPUT, max_items=services.MAX_SKILLS,
                description=_l("Replaces every skill on the profile.")),
    integer("hours_per_week", services.HOURS_MIN, services.HOURS_MAX),
    text("city", max_length=LIMITS["city"], nullable=True),
    text("timezone", max_length=LIMITS["timezone"], description=_l("An IANA name, e.g. Asia/Shanghai.")),
    boolean("remote", description=_l("true: works remotely, online; false: on site, in their city.")),
    string_list("languages", max_length=60, max_items=20,
                description=_l("Language codes such as zh, en, yue (names in Chinese or English are "
                               "accepted too).")),
    string_list("causes", max_length=60, max_items=30,
                description=_l("Cause area slugs from requests/organizations/causes.json (names in "
                               "Chinese or English are accepted too).")),
    web_address("github_url", LIMITS["github_url"], scheme_optional=True, nullable=True,
                description=_l("http or https; https:// is added when no scheme is given.")),
    web_address("portfolio_url", LIMITS["portfolio_url"], scheme_optional=True, nullable=True),
    text("bio", max_length=LIMITS["bio"], nullable=True),
    text("phone", max_length=LIMITS["phone"], nullable=True,
         description=_l("Private: only the volunteer sees it.")),
    description=_l("Fields left out keep their current values."),
)

SKILL = Schema(
    "VolunteerSkillLevel",
    Field("name", required=True, description=_l("The skill's slug (accepted back by PUT).")),
    Field("name_en", required=True),
    Field("name_zh", required=True),
    Field("category", required=True),
    integer("level", 1, 5, required=True),
)

_PUBLIC_FIELDS = (
    integer("id", required=True, description=_l("The volunteer's user id.")),
    Field("name", required=True),
    nested_list("skills", SKILL, max_items=None, required=True),
    integer("hours_per_week", nullable=True, description=_l("Null until the volunteer saves a profile.")),
    Field("city", nullable=True),
    Field("timezone", required=True),
    boolean("remote", required=True),
    string_list("languages", required=True),
    string_list("causes", required=True),
    Field("bio", required=True),
    Field("github_url", nullable=True),
    Field("portfolio_url", nullable=True),
    moment("updated_at", nullable=True),
)

MY_PROFILE = Schema(
    "VolunteerProfile",
    *_PUBLIC_FIELDS,
    email_address("email", required=True),
    Field("phone", nullable=True),
    description=_l("The caller's own profile, private fields included."),
)

DELIVERED = Schema(
    "DeliveredProject",
    integer("request_id", required=True),
    Field("title", required=True),
    Field("organization", required=True),
    Field("role", required=True),
    moment("delivered_at", nullable=True),
)

REVIEW = Schema(
    "ReceivedReview",
    integer("rating", 1, 5, required=True),
    Field("body", required=True),
    nested("author", Schema("ReviewAuthor", integer("id"), Field("name"), Field("role")), required=True),
    integer("request_id", required=True),
    Field("request_title", required=True),
    moment("created_at", required=True),
)

PUBLIC_PROFILE = Schema(
    "PublicVolunteerProfile",
    *_PUBLIC_FIELDS,
    nested_list("delivered_projects", DELIVERED, max_items=None, required=True),
    Field("hours_given", "number", required=True,
          description=_l("The sum of the volunteer's check-in hours.")),
    integer("review_count", required=True),
    Field("average_rating", "number", nullable=True),
    nested_list("reviews", REVIEW, max_items=None, required=True,
                description=_l("The latest 20 reviews, newest first.")),
    description=_l("What anyone may read about a volunteer: never their e-mail address or phone number."),
)


def profile_json(user: User, profile: VolunteerProfile | None) -> dict[str, Any]:
    """The public fields of a profile; a volunteer who never saved one shows the defaults."""
    skills = queries.sorted_skills(profile, "en")
    return {
        "id": user.id, "name": user.name,
        "skills": [{"name": held.skill.slug, "name_en": held.skill.name_en, "name_zh": held.skill.name_zh,
                    "category": held.skill.category, "level": held.level} for held in skills],
        "hours_per_week": profile.hours_per_week if profile else None,
        "city": profile.city if profile else None,
        "timezone": profile.timezone if profile else services.DEFAULT_TIMEZONE,
        "remote": profile.remote if profile else True,
        "languages": list(profile.languages or []) if profile else [],
        "causes": list(profile.causes or []) if profile else [],
        "bio": (profile.bio or "") if profile else "",
        "github_url": profile.github_url if profile else None,
        "portfolio_url": profile.portfolio_url if profile else None,
        "updated_at": iso(profile.updated_at) if profile else None,
    }


def my_profile_json(user: User, profile: VolunteerProfile | None) -> dict[str, Any]:
    """The owner's view: the public fields plus the e-mail address and phone number."""
    return {**profile_json(user, profile), "email": user.email,
            "phone": profile.phone if profile else None}


def _review_json(review: Review) -> dict[str, Any]:
    return {"rating": review.rating, "body": review.body, "author": user_summary(review.author),
            "request_id": review.request_id, "request_title": review.help_request.title,
            "created_at": iso(review.created_at)}


@api_route("/volunteers/me", ["GET"], summary=_l("Your volunteer profile"), auth=("volunteer",),
           response=MY_PROFILE, tags=TAGS, endpoint="read_my_volunteer_profile")
def read_my_volunteer_profile():
    user = signed_in_user()
    return my_profile_json(user, queries.get_profile(user))


@api_route("/volunteers/me", ["PUT"], summary=_l("Save your volunteer profile"), auth=("volunteer",),
           body=PROFILE_INPUT, response=MY_PROFILE, tags=TAGS, endpoint="update_my_volunteer_profile",
           description=_l("Skills are named by slug, name or synonym in either language; an unknown "
                          "one is refused with 422 naming `skills[i].name`."))
def update_my_volunteer_profile(body: dict[str, Any]):
    user = signed_in_user()
    profile = services.update_profile(user, **body)
    return my_profile_json(user, queries.get_profile(user) or profile)


@api_route("/volunteers/<int:user_id>", ["GET"], summary=_l("A volunteer's public profile"),
           response=PUBLIC_PROFILE, tags=TAGS, endpoint="read_volunteer_profile",
           responses={404: _l("No volunteer has this id.")})
def read_volunteer_profile(user_id: int):
    viewer = signed_in_user()
    public = queries.public_profile(user_id, viewer)
    return {**profile_json(public.user, public.profile),
            "delivered_projects": [{"request_id": project.request_id, "title": project.title,
                                    "organization": project.organization_name, "role": project.role,
                                    "delivered_at": iso(project.delivered_at)}
                                   for project in public.delivered],
            "hours_given": public.hours_given, "review_count": public.review_count,
            "average_rating": public.average_rating,
            "reviews": [_review_json(review) for review in public.reviews]}

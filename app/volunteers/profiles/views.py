"""Profile pages: edit my profile, the public profile, the skills type-ahead and the completeness panel."""

from __future__ import annotations

import re

from babel.lists import format_list
from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.errors import Conflict, Invalid
from app.core.forms import render_form, show_service_errors
from app.core.models import Skill, User
from app.core.policy import roles_required
from app.core.taxonomy import load_categories
from app.core.templating import current_locale, nav_link
from app.volunteers import bp
from app.volunteers.profiles import queries, services
from app.volunteers.profiles.forms import COMMON_TIMEZONES, level_field_name, profile_form

_HAN = re.compile(r"[\u3400-\u9fff]")
# Completeness parts as the dashboard names them, in the order they are listed.
MISSING_PARTS = {
    "skills": _l("your skills, with a level for each"),
    "hours": _l("the hours a week you can give"),
    "city": _l("your city, or that you work remotely"),
    "languages": _l("the languages you work in"),
    "causes": _l("the causes you care about"),
    "bio": _l("a short bio"),
}

nav_link("volunteers.edit_profile", _l("My profile"), roles=("volunteer",), order=40)


def _text_lang(text: str, locale: str) -> str | None:
    """The lang tag for text shown on a page in `locale` when it is in the other language."""
    has_han = bool(_HAN.search(text))
    if locale == "zh_CN" and not has_han:
        return "en"
    if locale == "en" and has_han:
        return "zh-CN"
    return None


@bp.app_template_global()
def skill_name(skill: Skill) -> Markup:
    """A skill's name in the page's language; product names (React) are marked as English in Chinese."""
    name = skill.display_name(current_locale())
    lang = _text_lang(name, current_locale())
    if lang is None:
        return Markup("{}").format(name)
    return Markup('<span lang="{}">{}</span>').format(lang, name)


@bp.app_template_global()
def skill_level_name(level: int) -> str:
    """The word for a skill level: 1 learning … 5 expert."""
    return queries.level_name(level)


@bp.app_template_global()
def work_language_names(codes: list[str]) -> str:
    """The languages a volunteer works in, named and listed the way the page's language lists things."""
    return format_list([queries.language_name(code) for code in codes], locale=str(get_locale() or "zh_CN"))


def _request_page_url(request_id: int) -> str | None:
    """The public page of a request, once the requests feature serves it."""
    if "requests.view_request" not in current_app.view_functions:
        return None
    return url_for("requests.view_request", request_id=request_id)


@dashboard_panel("volunteer", order=25)
def profile_panel(user: User) -> PanelResult:
    """How complete the volunteer's profile is, and what to add for recommendations to work."""
    completeness = queries.completeness(user)
    return "volunteers/profiles/profile_panel.html", {
        "completeness": completeness, "user": user,
        "missing": [MISSING_PARTS[part] for part in completeness.missing]}


def _form_field_errors(error: Invalid) -> Invalid:
    """The service names list items (skills[2].level, languages[0]); the page shows them on the list."""
    fields: dict[str, str] = {}
    for name, message in error.fields.items():
        field = re.split(r"[\[.]", name, maxsplit=1)[0]
        fields[field] = f"{fields[field]} {message}" if field in fields else message
    return Invalid(fields=fields)


@bp.route("/volunteers/me/edit", methods=["GET", "POST"])
@roles_required("volunteer")
def edit_profile():
    user = signed_in_user()
    profile = queries.get_profile(user)
    groups = queries.skills_by_category()
    form = profile_form([skill for _category, skills in groups for skill in skills])
    if request.method == "GET":
        form.fill_from(profile)
    if form.validate_on_submit():
        try:
            services.update_profile(user, **form.changes())
        except Invalid as error:
            show_service_errors(form, _form_field_errors(error))
        except Conflict as error:
            show_service_errors(form, error)
        else:
            flash(_("Your profile is saved. This is how others see it."), "success")
            return redirect(url_for("volunteers.show_profile", user_id=user.id))
    locale = current_locale()
    categories = {c["slug"]: c["name_en"] if locale == "en" else c["name_zh"] for c in load_categories()}
    chosen = set(form.skills.data or [])
    return render_form(
        "volunteers/profiles/edit_profile.html", form, user=user, profile=profile, chosen=chosen,
        groups=[(slug, categories.get(slug, slug), skills) for slug, skills in groups],
        level_field_name=level_field_name, timezones=COMMON_TIMEZONES,
        chosen_skills=[skill for _slug, skills in groups for skill in skills if skill.slug in chosen])


@bp.get("/volunteers/<int:user_id>")
def show_profile(user_id: int) -> str:
    viewer = signed_in_user()
    public = queries.public_profile(user_id, viewer)
    return render_template(
        "volunteers/profiles/profile.html", public=public, volunteer=public.user, profile=public.profile,
        skills=queries.sorted_skills(public.profile, current_locale()),
        is_owner=viewer is not None and viewer.id == public.user.id,
        request_page_url=_request_page_url)


@bp.get("/volunteers/skills/suggest")
def suggest_skills() -> Response:
    """Type-ahead for the skill picker: matches Chinese and English names, slugs and synonyms."""
    query = request.args.get("q", "")
    locale = current_locale()
    other = "en" if locale == "zh_CN" else "zh_CN"
    items = []
    for suggestion in queries.suggest_skills(query):
        skill = suggestion.skill
        name, other_name = skill.display_name(locale), skill.display_name(other)
        items.append({"slug": skill.slug, "name": name,
                      "other_name": other_name if other_name != name else None,
                      "other_lang": other.replace("_", "-"), "category": skill.category,
                      "matched": suggestion.matched})
    return jsonify({"query": query[:queries.QUERY_MAX], "items": items})

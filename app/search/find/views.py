"""The search page: find open projects (words, filters, facets, suggestions)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from app.core.accounts.current import signed_in_user
from app.core.models import Skill
from app.core.taxonomy import load_categories, taxonomy_path
from app.core.templating import current_locale
from app.extensions import db
from app.requests.models import HelpRequest, Organization
from app.requests.organizations.causes import cause_label, causes
from app.requests.policy import PUBLIC_STATUSES
from app.search import bp
from app.search.find import queries
from app.search.find.filters import cause_slug, region_name, skill_slugs
from app.search.find.forms import EFFORT_LABELS, SORT_LABELS, search_form
from app.search.find.params import SearchParams
from app.search.find.results import SearchPage
from app.search.saved.forms import SaveSearchForm

_MARK = re.compile(r"(</?mark>)")
FACET_TITLES = (("skills", _l("Skills")), ("cause", _l("Cause")), ("region", _l("Region")))


@bp.app_template_filter("marked")
def marked(fragment: str | None) -> Markup:
    """A highlight from the index as safe HTML: its text escaped again, only <mark> and </mark> kept.

    The index already escapes what it returns; this makes sure nothing else can ever pass.
    """
    out: list[str] = []
    open_marks = 0
    for piece in _MARK.split(fragment or ""):
        if piece == "<mark>":
            out.append(piece)
            open_marks += 1
        elif piece == "</mark>" and open_marks:
            out.append(piece)
            open_marks -= 1
        elif piece not in ("<mark>", "</mark>"):
            out.append(str(escape(html.unescape(piece))))
    out.append("</mark>" * open_marks)
    return Markup("".join(out))  # noqa: S704 (every piece escaped above but the mark tags)


@lru_cache(maxsize=4)
def _category_names(path: str, mtime: float) -> dict[str, tuple[str, str]]:
    # Cached per file version: the taxonomy file changes only with a deploy or a content edit.
    return {c["slug"]: (c.get("name_en", c["slug"]), c.get("name_zh", c["slug"])) for c in load_categories()}


def skill_choices(locale: str) -> list[tuple[str, str, str]]:
    """Every skill as (slug, name, category name) in `locale`, grouped by category, names sorted."""
    path = taxonomy_path()
    try:
        categories = _category_names(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        categories = {}
    order = {slug: position for position, slug in enumerate(categories)}
    english = not locale.startswith("zh")
    rows = db.session.execute(sa.select(Skill.slug, Skill.name_en, Skill.name_zh, Skill.category)).all()
    choices = []
    for slug, name_en, name_zh, category in rows:
        names = categories.get(category, (category, category))
        choices.append((order.get(category, len(order)), names[0] if english else names[1],
                        slug, name_en if english else name_zh))
    choices.sort(key=lambda c: (c[0], c[1], c[3].casefold()))
    return [(slug, name, group) for _order, group, slug, name in choices]


def region_choices() -> list[str]:
    """The regions of organisations with a public request (one query)."""
    return list(db.session.scalars(
        sa.select(Organization.region).distinct()
        .join(HelpRequest, HelpRequest.organization_id == Organization.id)
        .where(HelpRequest.status.in_(PUBLIC_STATUSES), Organization.region != "")))


@dataclass(frozen=True)
class FacetLink:
    """One facet value on the page: its label, count, whether it is in use, and where clicking leads."""

    label: str
    count: int
    active: bool
    url: str


def search_url(params: SearchParams) -> str:
    """The search page for `params`."""
    return url_for("search.search_requests", **params.to_args())


def facet_links(found: SearchPage, skill_names: dict[str, str]) -> dict[str, list[FacetLink]]:
    """Links that add a facet value to the search, or remove it when it is already in use.

    Values in use come first (with count 0 when nothing matches them any more), then the rest by count.
    """
    params = found.params
    groups: dict[str, list[FacetLink]] = {}
    chosen = {"skills": list(params.skills), "cause": [params.cause] if params.cause else [],
              "region": [params.region] if params.region else []}
    for name in ("skills", "cause", "region"):
        counts = dict(found.facets.get(name, {}))
        for value in chosen[name]:
            counts.setdefault(value, 0)
        links = []
        for value, count in counts.items():
            active = value in chosen[name] or (name == "region" and params.region is not None
                                               and value.casefold() == params.region.casefold())
            if active:
                target = params.without(name, value)
            elif name == "skills":
                target = params.with_skill(value)
            else:
                target = params.changed(**{name: value})
            label = (skill_names.get(value, value) if name == "skills"
                     else cause_label(value, current_locale()) if name == "cause" else value)
            links.append(FacetLink(label, count, active, search_url(target)))
        links.sort(key=lambda link: (not link.active, -link.count, link.label.casefold()))
        groups[name] = links
    return groups


def filter_label(name: str, value: Any, skill_names: dict[str, str]) -> str:
    """A filter in use, in words (for "remove this filter" links)."""
    if name == "skills":
        return _("Skill: %(name)s", name=skill_names.get(value, value))
    if name == "cause":
        return _("Cause: %(name)s", name=cause_label(value, current_locale()))
    if name == "region":
        return _("Region: %(name)s", name=value)
    if name == "effort":
        return _("Size: %(name)s", name=EFFORT_LABELS.get(value, value))
    if name == "remote":
        return _("Remote-friendly only") if value else _("On-site only")
    if name == "verified":
        return _("Verified organisations only")
    if name == "has_free_seats":
        return _("Has a free seat")
    return _("Status: %(name)s", name=value)


@bp.get("/search")
def search_requests() -> str:
    user = signed_in_user()
    locale = current_locale()
    form = search_form(request.args)
    skills = skill_choices(locale)
    form.set_choices(skills, [(c.slug, c.label(locale)) for c in causes()], region_choices())
    params = form.to_params(page=request.args.get("page", 1))
    params = canonical(params).changed(page=params.page)
    found = queries.search_requests(params, user)
    skill_names = {slug: name for slug, name, _group in skills}
    save_form = None
    if user is not None and user.is_volunteer:
        save_form = SaveSearchForm(search=urlencode(params.changed(page=1).to_args(), doseq=True),
                                   name=params.words[:120])
    return render_template(
        "search/find/search_requests.html", form=form, found=found, params=params,
        facets=facet_links(found, skill_names), skill_names=skill_names,
        active_filters=[(filter_label(name, value, skill_names), search_url(params.without(name, value)))
                        for name, value in params.active_filters()],
        relaxations=[(filter_label(r.name, r.value, skill_names), r.total, search_url(r.params))
                     for r in found.relaxations],
        suggestion_url=(search_url(params.changed(q=found.suggestion)) if found.suggestion else None),
        clear_url=url_for("search.search_requests", **({"q": params.words} if params.words else {})),
        sort_links=[(value, label) for value, label in SORT_LABELS.items()
                    if value != "relevance" or params.words],
        facet_titles=FACET_TITLES, save_form=save_form)


def search_params_from(query_string: str) -> SearchParams:
    """The search a saved query string describes, read by the same form as the page."""
    form = search_form(MultiDict(parse_qsl(query_string or "", keep_blank_values=False)))
    return canonical(form.to_params())


def canonical(params: SearchParams) -> SearchParams:
    """Skills and causes named in words read as their slugs, the region as organisations spell it."""
    return params.changed(skills=skill_slugs(params.skills), cause=cause_slug(params.cause),
                          region=region_name(params.region))

"""Saved-search pages: save the current search with a digest, list your saved searches, delete one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.errors import Invalid
from app.core.models import Skill
from app.core.policy import roles_required
from app.core.templating import current_locale
from app.extensions import db
from app.search import bp
from app.search.find.params import SearchParams
from app.search.find.views import filter_label, search_params_from, search_url
from app.search.models import SavedSearch
from app.search.saved import services as saved
from app.search.saved.forms import FREQUENCY_LABELS, DeleteForm, SaveSearchForm
from app.search.saved.queries import saved_search_url


@bp.post("/search/saved")
@roles_required("volunteer")
def save_search() -> Response | str:
    form = SaveSearchForm()
    params = search_params_from(form.search.data or "")
    if form.validate():
        try:
            saved.save_search(signed_in_user(), name=form.name.data, params=params,
                              frequency=form.frequency.data)
        except Invalid as error:
            for name, message in error.fields.items():
                getattr(form, name, form.name).errors.append(message)
        else:
            flash(_("Search saved. We will send you new matches %(when)s.",
                    when=str(FREQUENCY_LABELS.get(form.frequency.data, "")).lower()), "success")
            return redirect(url_for("search.saved_searches"))
    return render_template("search/saved/save_search.html", form=form, params=params,
                           search_url=search_url(params)), 422


@bp.get("/search/saved")
@roles_required("volunteer")
def saved_searches() -> str:
    searches = saved.saved_searches_of(signed_in_user())
    return render_template("search/saved/saved_searches.html", searches=searches,
                           urls={s.id: saved_search_url(s) for s in searches},
                           describe=describe_saved_search, delete_form=DeleteForm())


@bp.post("/search/saved/<int:saved_search_id>/delete")
@roles_required("volunteer")
def delete_saved_search(saved_search_id: int) -> Response:
    if not DeleteForm().validate():
        flash(_("The form expired. Please try again."), "error")
    else:
        saved.delete_saved_search(signed_in_user(), saved_search_id)
        flash(_("Saved search deleted."), "success")
    return redirect(url_for("search.saved_searches"))


def describe_saved_search(saved_search: SavedSearch) -> list[str]:
    """A saved search's words and filters, in words, for lists and e-mails."""
    params = SearchParams.from_saved(saved_search.query, saved_search.filters)
    skill_names = dict(db.session.execute(
        sa.select(Skill.slug, Skill.name_zh if current_locale().startswith("zh") else Skill.name_en)
        .where(Skill.slug.in_(params.skills))).all()) if params.skills else {}
    parts = [_("Words: %(words)s", words=params.words)] if params.words else []
    parts += [filter_label(name, value, skill_names) for name, value in params.active_filters()]
    return parts or [_("Every open project")]


"""The search page's form: words and filters, sent with GET."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)

from app.core.cleaning import has_nul, normalise_text
from app.search.find.params import PER_PAGE_DEFAULT, SearchParams
from app.search.indexing.documents import EFFORT_SIZES

EFFORT_LABELS = {"small": _l("Small (under 80 hours)"), "medium": _l("Medium (80 to 180 hours)"),
                 "large": _l("Large (180 hours or more)")}
SORT_LABELS = {"relevance": _l("Best match"), "newest": _l("Newest"), "deadline": _l("Deadline soonest")}
PAGE_MAX = 1000  # deeper pages are never useful and only cost the index


class SearchForm(FlaskForm):
    """The search page's form. Sent with GET, so it carries no CSRF token and changes nothing.

    Values that are not among the choices are not errors: an unknown skill or cause stays a
    filter that matches nothing, so the page can say so and offer to drop it.
    """

    class Meta:
        csrf = False

    q = SearchField(_l("Words"), render_kw={"placeholder": _l("e.g. 小程序, database, 食物银行"),
                                            "autocomplete": "off", "enterkeyhint": "search"})
    skills = SelectMultipleField(_l("Skills"), choices=[], validate_choice=False)
    cause = SelectField(_l("Cause"), choices=[], validate_choice=False)
    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    effort = SelectField(_l("Size of the work"), validate_choice=False, choices=[
        SelectChoice("", _l("Any size")),
        *(SelectChoice(size, EFFORT_LABELS[size]) for size in EFFORT_SIZES)])
    remote = BooleanField(_l("Remote-friendly only"))
    verified = BooleanField(_l("Verified organisations only"))
    has_free_seats = BooleanField(_l("Has a free seat"))
    sort = SelectField(_l("Sort by"), validate_choice=False,
                       choices=[SelectChoice(value, label) for value, label in SORT_LABELS.items()])

    def set_choices(self, skills: list[tuple[str, str, str]], causes: list[tuple[str, str]],
                    regions: list[str]) -> None:
        """Fill the lists: skills as (slug, name, category name), causes as (slug, name), regions by name."""
        self.skills.choices = [SelectChoice(slug, name, optgroup=group) for slug, name, group in skills]
        self.cause.choices = [SelectChoice("", _l("Any cause")),
                              *(SelectChoice(slug, name) for slug, name in causes)]
        chosen = self.region.data
        names = sorted(set(regions) | ({chosen} if chosen else set()))
        self.region.choices = [SelectChoice("", _l("Anywhere")), *(SelectChoice(r, r) for r in names)]

    def to_params(self, page: Any = 1) -> SearchParams:
        """The search these values ask for; a value out of range is dropped, never an error."""
        skills: list[str] = []
        for value in self.skills.data or []:  # ?skills=a,b (the API's shape) works here too
            skills += [part for part in map(_filter_value, str(value).split(",")) if part]
        try:
            number = min(max(int(page), 1), PAGE_MAX)
        except (TypeError, ValueError):
            number = 1
        return SearchParams(
            q=(self.q.data or "").strip(), skills=tuple(dict.fromkeys(skills)),
            cause=_filter_value(self.cause.data), region=_filter_value(self.region.data),
            effort=self.effort.data if self.effort.data in EFFORT_SIZES else None,
            remote=bool(self.remote.data), verified=bool(self.verified.data),
            has_free_seats=bool(self.has_free_seats.data),
            sort=self.sort.data if self.sort.data in SORT_LABELS else None,
            page=number, per_page=PER_PAGE_DEFAULT)


def _filter_value(value: Any) -> str | None:
    """A filter's text, or None when empty or holding a NUL (PostgreSQL can't compare text with one)."""
    text = normalise_text(value)
    return text if text and not has_nul(text) else None


def search_form(args: MultiDict) -> SearchForm:
    """A search form read from query-string arguments (the page's own, or a saved search's)."""
    return SearchForm(formdata=args)

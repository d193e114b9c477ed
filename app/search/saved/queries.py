"""Reading saved searches: where a saved search runs."""

from __future__ import annotations

from flask import url_for

from app.search.find.params import SearchParams
from app.search.models import SavedSearch


def saved_search_url(saved_search: SavedSearch, *, external: bool = False) -> str:
    """Where a saved search runs: the search page with its words and filters."""
    params = SearchParams.from_saved(saved_search.query, saved_search.filters)
    return url_for("search.search_requests", _external=external, **params.to_args())

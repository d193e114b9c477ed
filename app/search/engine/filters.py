"""The index query for a search's filters (skills, cause, region, status, effort, remote, ...)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from whoosh import query

from app.core.errors import Invalid
from app.search.indexing import documents

FILTERS = ("skills", "cause", "region", "status", "effort", "remote", "verified", "has_free_seats")


def _values(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    try:
        cleaned = [str(item).strip() for item in items]
    except TypeError:
        raise Invalid(name, _("Give one value or a list of values.")) from None
    return [item for item in cleaned if item]


def filter_query(filters: dict[str, Any]) -> query.Query | None:
    """The filters as one query (None without any). Raises Invalid for a bad value, ValueError for
    an unknown filter name."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown search filters: {sorted(unknown)}")
    parts: list[query.Query] = []
    skills = _values("skills", filters.get("skills"))
    parts += [query.Term("skills", slug) for slug in skills]
    for name, allowed in (("cause", None), ("region", None), ("status", documents.LISTED_STATUSES),
                          ("effort", documents.EFFORT_SIZES)):
        wanted = _values(name, filters.get(name))
        if allowed is not None and set(wanted) - set(allowed):
            raise Invalid(name, _("Choose from: %(choices)s.", choices=", ".join(sorted(allowed))))
        if wanted:
            parts.append(query.Or([query.Term(name, value) for value in wanted]))
    for name in ("remote", "verified"):
        if filters.get(name):
            parts.append(query.Term(name, True))
    if filters.get("has_free_seats"):
        parts.append(query.NumericRange("seats_free", 1, None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)

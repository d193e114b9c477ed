"""The platform's live numbers on the home page: a registry of contributors, each one query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.models import User
from app.extensions import db

StatContributor = Callable[[], dict[str, int]]
_CONTRIBUTORS: dict[str, StatContributor] = {}

# Every number the home page knows how to show, in display order. Keys a contributor returns that
# are not listed here are ignored, so a feature cannot put an unlabelled number on the page.
STAT_LABELS: dict[str, Any] = {
    "organizations": _l("Organisations"),
    "open_requests": _l("Open requests"),
    "delivered_requests": _l("Projects delivered"),
    "volunteers": _l("Volunteer engineers"),
    "organizations_staff": _l("Nonprofit staff"),
    "hours_given": _l("Volunteer hours given"),
    "organizations_helped": _l("Organisations helped"),
    "estimated_value_yuan": _l("Estimated value given (yuan)"),
}


@dataclass(frozen=True)
class PlatformNumber:
    key: str
    label: Any  # a lazy string, translated when rendered
    value: int


def stat_contributor(fn: StatContributor) -> StatContributor:
    """Register a function returning some of the platform's numbers as {key: int}.

    Each contributor should run one query; it runs on every home-page view (nothing is cached).
    Registering the same function again (a re-import) replaces it instead of counting twice.
    """
    _CONTRIBUTORS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def collect_stats() -> dict[str, int]:
    """Every registered contributor's numbers merged into one dict (later keys win)."""
    numbers: dict[str, int] = {}
    for contributor in _CONTRIBUTORS.values():
        numbers.update(contributor())
    return numbers


def platform_numbers() -> list[PlatformNumber]:
    """The numbers the home page shows: known keys only, in the order of STAT_LABELS."""
    numbers = collect_stats()
    return [PlatformNumber(key, label, int(numbers[key]))
            for key, label in STAT_LABELS.items() if key in numbers]


@stat_contributor
def accounts_by_role() -> dict[str, int]:
    """Active volunteer engineers and nonprofit staff accounts, counted in one grouped query."""
    rows = db.session.execute(
        sa.select(User.role, sa.func.count(User.id))
        .where(User.is_blocked.is_(False))
        .group_by(User.role)
    ).all()
    counts = {role: count for role, count in rows}
    return {"volunteers": counts.get("volunteer", 0), "organizations_staff": counts.get("nonprofit", 0)}

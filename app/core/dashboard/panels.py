"""'My dashboard': a registry of panels per role; core adds next steps and unread notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from app.core.models import ROLES, Notification, User
from app.extensions import db

PanelResult = tuple[str, dict[str, Any]] | None
PanelFunction = Callable[[User], PanelResult]


@dataclass(frozen=True)
class PanelEntry:
    role: str
    order: int
    name: str
    build: PanelFunction


_PANELS: dict[tuple[str, str], PanelEntry] = {}


def dashboard_panel(role: str | tuple[str, ...],
                    order: int = 100) -> Callable[[PanelFunction], PanelFunction]:
    """Register a panel on the dashboard of `role` (or several roles); lower `order` comes first.

    The function receives the signed-in user and returns `(template_name, context)` to show the
    panel, or None to leave it out. Registering the same function again replaces it.
    """
    roles = (role,) if isinstance(role, str) else tuple(role)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) for a dashboard panel: {sorted(unknown)}")

    def register(fn: PanelFunction) -> PanelFunction:
        name = f"{fn.__module__}.{fn.__qualname__}"
        for each in roles:
            _PANELS[(each, name)] = PanelEntry(each, order, name, fn)
        return fn

    return register


def panels_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """The (template, context) pairs of the panels `user` sees, in order."""
    entries = sorted((entry for (role, _name), entry in _PANELS.items() if role == user.role),
                     key=lambda entry: (entry.order, entry.name))
    panels = []
    for entry in entries:
        result = entry.build(user)
        if result is not None:
            panels.append(result)
    return panels


def render_panels(user: User) -> list[Markup]:
    """The panels of `user`'s dashboard rendered to HTML (each template autoescapes its context)."""
    return [Markup(render_template(template, **context))  # noqa: S704 (our own rendered templates)
            for template, context in panels_for(user)]


# The role guides come last: they explain the journey and claim nothing about the person's state,
# while the features' panels above them show what exists and what to do about it.
GUIDE_ORDER = 100


@dashboard_panel("nonprofit", order=GUIDE_ORDER)
def nonprofit_next_steps(user: User) -> PanelResult:
    """How it works for a nonprofit: describe the organisation, then the need, then follow the work."""
    return "core/dashboard/_next_steps_nonprofit.html", {"user": user}


@dashboard_panel("volunteer", order=GUIDE_ORDER)
def volunteer_next_steps(user: User) -> PanelResult:
    """How it works for an engineer: skills and hours, then a project, then check-ins."""
    return "core/dashboard/_next_steps_volunteer.html", {"user": user}


@dashboard_panel("coordinator", order=GUIDE_ORDER)
def coordinator_next_steps(user: User) -> PanelResult:
    """What a coordinator watches: verification, intake and stalled projects."""
    return "core/dashboard/_next_steps_coordinator.html", {"user": user}


@dashboard_panel(ROLES, order=90)
def unread_notifications(user: User) -> PanelResult:
    """How many of the user's notifications are unread (one COUNT on an indexed pair)."""
    unread = db.session.scalar(
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0
    return "core/dashboard/_notifications.html", {"unread_count": unread}

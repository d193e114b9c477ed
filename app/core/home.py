"""The home page's sections that features add (core imports no feature): a registry of builders."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from markupsafe import Markup

from app.core.dashboard.panels import PanelResult
from app.core.models import User

HomeSection = Callable[[User | None], PanelResult]
_SECTIONS: dict[str, tuple[int, HomeSection]] = {}


def home_section(order: int = 100) -> Callable[[HomeSection], HomeSection]:
    """Register a section of the home page, shown under the introduction (lower `order` first).

    The function receives the visitor (None when anonymous) and returns `(template_name, context)`,
    or None to leave the section out (the matching events' list shows only while events are coming).
    Registering the same function again replaces it.
    """

    def register(fn: HomeSection) -> HomeSection:
        _SECTIONS[f"{fn.__module__}.{fn.__qualname__}"] = (order, fn)
        return fn

    return register


def render_home_sections(viewer: User | None) -> list[Markup]:
    """The registered sections that have something to show, rendered in order."""
    rendered = []
    for _name, (_order, build) in sorted(_SECTIONS.items(), key=lambda item: (item[1][0], item[0])):
        result = build(viewer)
        if result is not None:
            template, context = result
            rendered.append(Markup(render_template(template, **context)))  # noqa: S704 (our own templates)
    return rendered

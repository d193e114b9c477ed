"""What every template can use: language helpers, navigation, status labels and URL helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.accounts.current import signed_in_user
from app.core.i18n import LANGUAGE_NAMES, html_lang
from app.core.text import init_text_filters

# Labels of the help-request statuses (api-contract.md), for badges, filters and timelines.
REQUEST_STATUS_LABELS = {
    "draft": _l("Draft"),
    "intake": _l("In intake"),
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "in_review": _l("In review"),
    "delivered": _l("Delivered"),
    "withdrawn": _l("Withdrawn"),
}

ROLE_LABELS = {
    "nonprofit": _l("Nonprofit staff"),
    "volunteer": _l("Volunteer engineer"),
    "coordinator": _l("Coordinator"),
}


@dataclass(frozen=True)
class NavLink:
    """One entry of the signed-in navigation: an endpoint, its label and who sees it."""

    endpoint: str
    label: Any  # a lazy string, translated when the header renders
    roles: tuple[str, ...]
    order: int
    public: bool = False  # shown to every visitor, signed in or not


_NAV_LINKS: dict[str, NavLink] = {}


def nav_link(endpoint: str, label: Any, *, roles: tuple[str, ...] = ("nonprofit", "volunteer", "coordinator"),
             order: int = 100, public: bool = False) -> None:
    """Add a link to the header for signed-in users of `roles` (lower `order` comes first), or for
    every visitor, signed in or not, when `public`.

    Features call this next to the view they link to, so the header never points at a missing
    route. Registering the same endpoint again replaces the earlier entry.
    """
    _NAV_LINKS[endpoint] = NavLink(endpoint, label, tuple(roles), order, public)


def nav_links_for(user: Any) -> list[NavLink]:
    """The header links for `user`, in order; only the public ones for anonymous visitors."""
    if user is None or not getattr(user, "is_authenticated", False):
        links = [link for link in _NAV_LINKS.values() if link.public]
    else:
        links = [link for link in _NAV_LINKS.values() if link.public or user.role in link.roles]
    return sorted(links, key=lambda link: (link.order, link.endpoint))


def status_label(status: str) -> str:
    """The translated label of a help-request status; unknown values are shown as they are."""
    return str(REQUEST_STATUS_LABELS.get(status, status))


def role_label(role: str) -> str:
    """The translated name of an account role; unknown values are shown as they are."""
    return str(ROLE_LABELS.get(role, role))


def current_locale() -> str:
    """The request's locale as one of the configured codes: 'zh_CN' or 'en'."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def init_templating(app: Flask) -> None:
    """Register the context, globals and Jinja settings the templates rely on."""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale() -> dict:
        locale = current_locale()
        other = "en" if locale == "zh_CN" else "zh_CN"
        return {
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "other_locale": other,
            "other_locale_name": LANGUAGE_NAMES[other],
            "other_locale_lang": html_lang(other),
            "languages": app.config["LANGUAGES"],
        }

    @app.context_processor
    def inject_navigation() -> dict:
        return {"nav_links": nav_links_for(signed_in_user())}

    app.add_template_global(status_label)
    app.add_template_global(role_label)
    init_text_filters(app)

    @app.template_global()
    def url_for_self(**changes: Any) -> str:
        """The current page's URL with some query arguments replaced (pagination, filters)."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @app.template_global()
    def current_path() -> str:
        """The path (and query) of this page, for forms that come back here (language switch)."""
        return request.full_path if request.query_string else request.path

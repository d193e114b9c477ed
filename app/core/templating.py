"""What every template can use: language helpers, the current locale, dates and status labels."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import get_locale

from app.core.i18n import html_lang


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale() -> dict:
        current = get_locale()
        locale = "en" if current is not None and current.language == "en" else "zh_CN"
        return {
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "other_locale": "en" if locale.startswith("zh") else "zh_CN",
            "languages": app.config["LANGUAGES"],
        }

    @app.template_global()
    def url_for_self(**changes) -> str:
        """The current page's URL with some query arguments replaced (pagination, filters)."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        return url_for(request.endpoint, **(request.view_args or {}), **args)

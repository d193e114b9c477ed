"""Pages every visitor sees: the home page and the language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.core import bp, stats
from app.core.accounts import services as accounts
from app.core.accounts.current import signed_in_user
from app.core.errors import NotFound
from app.core.home import render_home_sections
from app.core.urls import safe_next


@bp.get("/")
def home() -> str:
    return render_template("core/home.html", numbers=stats.platform_numbers(),
                           sections=render_home_sections(signed_in_user()))


@bp.post("/language/<locale>")
def switch_language(locale: str) -> Response:
    user = signed_in_user()
    if locale not in current_app.config["LANGUAGES"]:
        raise NotFound()
    session["locale"] = locale
    if user is not None:
        accounts.set_locale(user, locale)
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))

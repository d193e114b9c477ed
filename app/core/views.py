"""Pages every visitor sees: home, language switch, dashboards and account pages."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from app.core import accounts, bp


@bp.get("/")
def home():
    return render_template("core/home.html")


@bp.route("/language/<locale>", methods=["POST"])
def switch_language(locale: str):
    if locale in ("zh_CN", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user, locale)
    target = request.form.get("next") or url_for("core.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core.home")
    return redirect(target)

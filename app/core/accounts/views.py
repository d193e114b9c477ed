"""Account pages: sign up, sign in and out, password reset and change, and the account settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from werkzeug.wrappers import Response

from app.core import bp
from app.core.accounts import services as accounts
from app.core.accounts import throttle
from app.core.accounts.auth import start_session
from app.core.accounts.current import signed_in_user
from app.core.accounts.forms import (
    AccountSettingsForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from app.core.errors import Conflict, Invalid
from app.core.forms import render_form, show_service_errors
from app.core.policy import signed_in_required
from app.core.templating import current_locale, nav_link
from app.core.urls import safe_next
from app.extensions import limiter

nav_link("core.account", _l("Account"), order=90)


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.shared_limit(throttle.configured("SIGN_UP_RATE_LIMIT"), "sign-up", key_func=throttle.address,
                      methods=["POST"])
def sign_up():
    if signed_in_user() is not None:
        return redirect(url_for("core.dashboard"))
    form = SignUpForm()
    if request.method == "GET":
        form.locale.data = current_locale()
        if request.args.get("role") in accounts.SELF_SERVICE_ROLES:  # from the home page's buttons
            form.role.data = request.args["role"]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(email=form.email.data, password=form.password.data,
                                        name=form.name.data, role=form.role.data, locale=form.locale.data)
        except (Invalid, Conflict) as error:
            show_service_errors(form, error)
        else:
            start_session(user)
            flash(_("Welcome to Codebridge, %(name)s. Here is where to start.", name=user.name), "success")
            return redirect(url_for("core.dashboard"))
    return render_form("core/accounts/sign_up.html", form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.shared_limit(throttle.configured("SIGN_IN_RATE_LIMIT"), "sign-in",
                      key_func=throttle.address_and_email, methods=["POST"])
@limiter.shared_limit(throttle.configured("SIGN_IN_FAILURE_LIMIT"), "sign-in-failures",
                      key_func=throttle.address, methods=["POST"], deduct_when=throttle.failed)
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        if signed_in_user() is not None:
            return redirect(url_for("core.dashboard"))
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("That e-mail and password do not match an account. Check both, "
                                      "or reset your password."))
        else:
            start_session(user, remember=form.remember.data)
            accounts.record_sign_in(user)
            return redirect(safe_next(form.next.data, url_for("core.dashboard")))
    return render_form("core/accounts/sign_in.html", form)


@bp.post("/sign-out")
def sign_out() -> Response:
    user = signed_in_user()
    if user is not None:
        accounts.end_session(user)
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("core.home"))


@bp.post("/account/sign-out-everywhere")
@signed_in_required
def sign_out_everywhere() -> Response:
    accounts.end_all_sessions(signed_in_user())
    logout_user()
    flash(_("You are signed out on every device, this one included. Sign in again to continue."), "success")
    return redirect(url_for("core.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(throttle.configured("PASSWORD_RESET_RATE_LIMIT"), key_func=throttle.address_and_email,
               methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.send_password_reset(form.email.data)
        # The same answer whether or not the account exists, so the page can't be used to probe.
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new password. "
                "The link works once and expires after an hour.", email=form.email.data.strip()), "info")
        return redirect(url_for("core.sign_in"))
    return render_form("core/accounts/forgot_password.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if accounts.user_for_reset_token(token) is None:
        return render_template("core/accounts/reset_password_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except Invalid as error:
            if "token" in error.fields:
                return render_template("core/accounts/reset_password_invalid.html"), 410
            show_service_errors(form, error)
        else:
            logout_user()
            flash(_("Your new password is set, and every device was signed out. Sign in with it now."),
                  "success")
            return redirect(url_for("core.sign_in"))
    return render_form("core/accounts/reset_password.html", form)


@bp.route("/account", methods=["GET", "POST"])
@signed_in_required
def account():
    user = signed_in_user()
    form = AccountSettingsForm()
    if request.method == "GET":
        form.fill_from(user)
    if form.validate_on_submit():
        try:
            accounts.update_settings(user, name=form.name.data, locale=form.locale.data,
                                     email_preferences=form.email_preferences())
        except Invalid as error:
            show_service_errors(form, error)
        else:
            session["locale"] = user.locale
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("core.account"))
    return render_form("core/accounts/account.html", form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = signed_in_user()
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except Invalid as error:
            show_service_errors(form, error)
        else:
            flash(_("Your password is changed. Every other device was signed out."), "success")
            return redirect(url_for("core.account"))
    return render_form("core/accounts/change_password.html", form)

"""Language choice: the user's saved preference, then the session, then the browser, then Chinese."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import Response, current_app, g, has_request_context, request, session

from app.core.accounts.current import signed_in_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}  # each language named in itself, never translated


def select_locale() -> Locale:
    """The locale for this request, for flask_babel; always one of the configured LANGUAGES."""
    return _parsed_locale(_chosen_language())


@cache
def _parsed_locale(code: str) -> Locale:
    # flask_babel parses a code it is given on every request, which lists Babel's locale-data folder
    # each time (about half a millisecond); a Locale it is given is used as it is.
    return Locale.parse(code)


def _chosen_language() -> str:
    """The configured language code for this request: 'zh_CN' or 'en'."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = signed_in_user()
    if user is not None and user.locale in languages:
        return user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    g.locale_from_header = True
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def vary_by_negotiated_language(response: Response) -> Response:
    """Say the response varies by Accept-Language when its language was picked from that header.

    Signed-in users and visitors who chose a language get theirs from their account or session
    (already Vary: Cookie); an anonymous visitor's page follows the browser, so a shared cache
    must keep one copy per language.
    """
    if g.get("locale_from_header"):
        response.vary.add("Accept-Language")
    return response


def html_lang(locale: str) -> str:
    """The BCP 47 tag for <html lang>: zh_CN → zh-CN."""
    return locale.replace("_", "-")


def N_(message: str) -> str:  # the conventional name pybabel extracts by default
    """Mark a message id for extraction without translating it here.

    Used for text translated later in someone else's language, such as an e-mail subject that
    `app.core.mail.send_email` translates in the recipient's locale.
    """
    return message

"""E-mail: compose from templates in the recipient's language, store, and send from the `mail` queue."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_babel import force_locale, gettext
from flask_mailman import EmailMultiAlternatives
from jinja2 import TemplateNotFound

from app.core.db import utcnow
from app.core.jobs.registry import on_final_failure
from app.core.jobs.services import enqueue
from app.core.models import EmailMessage, User
from app.extensions import db, mail

log = logging.getLogger(__name__)

# MAIL_BACKEND values we support, mapped to flask-mailman's backend classes: console prints the
# message to stdout (embedded mode, the worker's log), locmem keeps it in
# app.extensions["mailman"].outbox (tests), smtp sends it (production).
MAIL_BACKENDS = {
    "console": "flask_mailman.backends.console.EmailBackend",
    "locmem": "flask_mailman.backends.locmem.EmailBackend",
    "smtp": "flask_mailman.backends.smtp.EmailBackend",
}
DELIVER_JOB = "app.core.mail.deliver_email"


def init_mail(app: Flask) -> None:
    """Bind flask-mailman with the backend named by MAIL_BACKEND.

    Raises RuntimeError at start-up for a backend name we do not know, rather than failing on the
    first e-mail. An SMTP server that hangs is given up on after MAIL_TIMEOUT (default 10 s), so a
    mail job fails and is retried instead of blocking a worker.
    """
    name = (app.config.get("MAIL_BACKEND") or "console").strip().lower()
    if name not in MAIL_BACKENDS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {name!r}")
    app.config["MAIL_BACKEND"] = name
    app.config.setdefault("MAIL_TIMEOUT", 10)
    if name != "smtp" and app.config.get("ENV_NAME") == "production":
        log.warning("MAIL_BACKEND=%s in production: e-mails are not sent to anyone", name)
    state = mail.init_app(app)
    state.backend = MAIL_BACKENDS[name]  # the class itself, not flask-mailman's name guessing


def send_email(to: User | str, kind: str, subject: str, template: str, *,
               locale: str | None = None, subject_params: dict[str, Any] | None = None,
               **context: Any) -> EmailMessage | None:
    """Compose an e-mail in the recipient's language and queue it in the caller's transaction.

    `template` names `templates/email/<template>.txt` (required) and `.html` (optional), where
    `template` is the sending subject's folder and the e-mail's name, e.g. `claims/claim_accepted`;
    `subject` is an untranslated message id (mark it with `N_`) translated in the recipient's
    locale with `subject_params`. The templates get `recipient` (the User, or None) and `context`.
    A user who turned `kind` off in their e-mail settings gets nothing and None is returned.
    The message is stored as `queued` and sent by the `deliver_email` job on the `mail` queue
    once the caller commits; nothing is sent if the caller rolls back.
    """
    recipient = to if isinstance(to, User) else None
    if recipient is not None:
        if (recipient.email_preferences or {}).get(kind) is False:
            return None
        address, locale = recipient.email, locale or recipient.locale
    else:
        address = to
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("recipient", recipient)
    with force_locale(locale):
        # A subject is one header line: newlines would be a header injection, so fold them.
        rendered_subject = " ".join(gettext(subject, **(subject_params or {})).split())
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html: str | None = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            body_html = None
    message = EmailMessage(to_address=address, subject=rendered_subject[:255], body_text=body_text,
                           body_html=body_html, kind=kind, status="queued")
    db.session.add(message)
    db.session.flush()
    enqueue(DELIVER_JOB, message.id, queue="mail")
    return message


def deliver_email(message_id: int) -> None:
    """Job: send a stored e-mail once through the configured backend, then mark it sent.

    Already-sent (or deleted) messages are skipped, so a replay sends nothing twice. A send error
    propagates, so the job is retried with backoff; after the last try the message is `failed`.
    """
    message = db.session.get(EmailMessage, message_id)
    if message is None or message.status == "sent":
        return
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   to=[message.to_address],
                                   from_email=current_app.config["MAIL_DEFAULT_SENDER"])
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    kind = message.kind
    email.send()
    db.session.execute(sa.update(EmailMessage).where(EmailMessage.id == message_id)
                       .values(status="sent", sent_at=utcnow(), last_error=None))
    db.session.commit()
    log.info("e-mail %s (%s) sent", message_id, kind)


@on_final_failure(DELIVER_JOB)
def mark_email_failed(message_id: int, *, error: str) -> None:
    """Record that an e-mail could not be sent after every retry (it stays unsent)."""
    db.session.execute(sa.update(EmailMessage)
                       .where(EmailMessage.id == message_id, EmailMessage.status != "sent")
                       .values(status="failed", last_error=error))
    db.session.commit()

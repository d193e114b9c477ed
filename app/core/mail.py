"""E-mail: compose from templates in the recipient's language, store, and send from the `mail` queue."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives

from app.core.db import utcnow
from app.core.jobs import enqueue
from app.core.models import EmailMessage, User
from app.extensions import db

log = logging.getLogger(__name__)


def send_email(to: User | str, kind: str, subject: str, template: str, *,
               locale: str | None = None, **context: Any) -> EmailMessage | None:
    """Compose an e-mail in the recipient's language and queue it in the caller's transaction.

    `template` names a pair `templates/email/<template>.txt` / `.html`; `subject` is an untranslated
    message id translated in the recipient's locale. Users who turned off `kind` in their e-mail
    settings get nothing (None is returned). The e-mail is sent by the `deliver_email` job.
    """
    if isinstance(to, User):
        if to.email_preferences.get(kind) is False:
            return None
        address, locale = to.email, locale or to.locale
        context.setdefault("recipient", to)
    else:
        address = to
    from flask_babel import gettext

    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rendered_subject = gettext(subject, **context.get("subject_params", {}))
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    message = EmailMessage(to_address=address, subject=rendered_subject, body_text=body_text,
                           body_html=body_html, kind=kind)
    db.session.add(message)
    db.session.flush()
    enqueue("app.core.mail.deliver_email", message.id, queue="mail")
    return message


def deliver_email(message_id: int) -> None:
    """Job: send a stored e-mail once. Already-sent messages are skipped, so retries are safe."""
    message = db.session.get(EmailMessage, message_id)
    if message is None or message.status == "sent":
        return
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   to=[message.to_address],
                                   from_email=current_app.config["MAIL_DEFAULT_SENDER"])
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()
    message.status = "sent"
    message.sent_at = utcnow()
    db.session.commit()
    log.info("e-mail %s (%s) sent", message.id, message.kind)

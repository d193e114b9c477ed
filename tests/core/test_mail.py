"""E-mail: composed in the recipient's language, stored, sent by the mail job once, opt-outs respected."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from jinja2 import DictLoader

from app import create_app
from app.core.accounts import services as accounts
from app.core.mail import deliver_email, send_email
from app.core.models import EmailMessage, OutboxJob
from tests.factories import make_user

# A template pair of our own, served next to the real templates, that extends the e-mail layouts
# and shows a date, which Babel formats differently in each language.
PROBE_TEMPLATES = {
    "email/probe.txt": "{% extends 'email/_layout.txt' %}"
                       "{% block content %}Due {{ due|dateformat('long') }}{% endblock %}",
    "email/probe.html": "{% extends 'email/_layout.html' %}"
                        "{% block content %}<p>Due {{ due|dateformat('long') }}</p>{% endblock %}",
}


@pytest.fixture
def probe_templates(app, monkeypatch):
    from jinja2 import ChoiceLoader

    monkeypatch.setattr(app.jinja_env, "loader",
                        ChoiceLoader([DictLoader(PROBE_TEMPLATES), app.jinja_env.loader]))
    app.jinja_env.cache.clear()
    yield
    app.jinja_env.cache.clear()


def stored_messages(db) -> list[EmailMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(EmailMessage).order_by(EmailMessage.id)))


@pytest.mark.usefixtures("probe_templates")
@pytest.mark.parametrize(("locale", "due_text", "lang"), [
    ("en", "Due May 1, 2025", 'lang="en"'),
    ("zh_CN", "Due 2025年5月1日", 'lang="zh-CN"'),
])
def test_an_email_is_written_in_the_recipients_language(db, sent_mail, locale, due_text, lang):
    user = make_user("volunteer", name="Wang Fang", locale=locale)
    send_email(user, "checkins", "Your check-in is due", "probe", due=date(2025, 5, 1))
    db.session.commit()

    [sent] = sent_mail
    assert sent.to == [user.email]
    assert sent.subject == "Your check-in is due"
    assert due_text in sent.body
    assert "Wang Fang" in sent.body  # the layout greets the recipient by name
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html"
    assert lang in html and due_text in html


def test_a_password_reset_email_is_stored_and_sent_from_the_mail_queue(app, db, sent_mail):
    user = make_user("nonprofit", email="amy@example.org", name="Amy")
    db.session.commit()

    with app.test_request_context():
        accounts.send_password_reset("amy@example.org")

    [message] = stored_messages(db)
    assert (message.to_address, message.kind, message.status) == ("amy@example.org",
                                                                   "password_reset", "sent")
    assert message.sent_at is not None
    [job] = db.session.scalars(sa.select(OutboxJob)).all()
    assert (job.name, job.args, job.queue, job.status) == ("app.core.mail.deliver_email",
                                                           [message.id], "mail", "done")
    [sent] = sent_mail
    assert sent.subject == "Reset your Codebridge password"
    assert "/reset-password/" in sent.body
    assert sent.from_email == app.config["MAIL_DEFAULT_SENDER"]
    assert user.email in sent.to


def test_a_user_who_turned_off_an_email_kind_gets_none_of_it(db, sent_mail):
    user = make_user("volunteer", email_preferences={"checkins": False})

    assert send_email(user, "checkins", "Your check-in is due", "accounts/password_reset",
                      token="x") is None
    db.session.commit()

    assert stored_messages(db) == []
    assert db.session.scalars(sa.select(OutboxJob)).all() == []
    assert sent_mail == []


def test_delivering_a_sent_email_again_sends_nothing(app, db, sent_mail):
    user = make_user("volunteer")
    with app.test_request_context():
        message = send_email(user, "password_reset", "Reset your Codebridge password",
                             "accounts/password_reset", token="abc")
    db.session.commit()
    assert len(sent_mail) == 1

    deliver_email(message.id)
    deliver_email(message.id)

    assert len(sent_mail) == 1


def test_an_email_that_cannot_be_sent_is_marked_failed_and_can_be_retried(
        app, db, runner, sent_mail, monkeypatch):
    from flask_mailman.backends.locmem import EmailBackend

    def time_out(self, messages):
        raise TimeoutError("smtp timed out")

    send_messages = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages", time_out)
    user = make_user("volunteer")
    with app.test_request_context():
        send_email(user, "password_reset", "Reset your Codebridge password", "accounts/password_reset",
                   token="abc")
    db.session.commit()

    [message] = stored_messages(db)
    assert (message.status, message.last_error) == ("failed", "TimeoutError: smtp timed out")
    assert sent_mail == []

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    assert runner.invoke(args=["jobs", "retry", "--all-failed"]).exit_code == 0

    [message] = stored_messages(db)
    assert (message.status, message.last_error) == ("sent", None)
    assert len(sent_mail) == 1


@pytest.mark.usefixtures("probe_templates")
def test_an_email_subject_is_one_line(db, sent_mail):
    user = make_user("volunteer")
    send_email(user, "general", "Hello\r\nBcc: everyone@example.org", "probe", due=date.today())
    db.session.commit()

    assert sent_mail[0].subject == "Hello Bcc: everyone@example.org"


def test_an_unknown_mail_backend_stops_the_app_at_start(test_config):
    config = type("BadMail", (test_config,), {"MAIL_BACKEND": "pigeon"})

    with pytest.raises(RuntimeError, match="MAIL_BACKEND must be one of console, locmem, smtp"):
        create_app(config)

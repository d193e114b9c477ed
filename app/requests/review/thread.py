"""The discussion thread of a request, between its organisation's staff and the coordinators."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core.api.schema import TEXT_MAX
from app.core.audit import services as audit
from app.core.cleaning import clean_text
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.mail import send_email
from app.core.models import Notification, User
from app.core.policy import require
from app.extensions import db
from app.requests.models import HelpRequest, RequestMessage, SpecVersion
from app.requests.organizations.queries import organization_staff
from app.requests.policy import visible_request_or_404

CLOSED_STATUSES = frozenset({"delivered", "withdrawn"})
# The notification kind of a new message; its params carry `request_id`, which unread counts use.
THREAD_NOTIFICATION = "request_message"


def discussable_request(request_id: int, user: User | None) -> HelpRequest:
    """The request whose thread `user` may read and write: its organisation's staff and coordinators.

    Raises NotFound when the request is not visible to the user, NotAllowed when it is but its
    discussion is not theirs (say, a volunteer on an open request).
    """
    help_request = visible_request_or_404(user, request_id)
    require(user, "request.discuss", help_request)
    return help_request


def thread_messages(help_request: HelpRequest) -> list[RequestMessage]:
    """The request's discussion, oldest first, with authors (the caller checked `request.discuss`)."""
    return list(db.session.scalars(
        sa.select(RequestMessage).where(RequestMessage.request_id == help_request.id)
        .options(joinedload(RequestMessage.author))
        .order_by(RequestMessage.created_at, RequestMessage.id)))


def _coordinators_involved(help_request: HelpRequest) -> list[User]:
    """Coordinators who wrote in the thread or edited the spec; all coordinators when none has yet."""
    took_part = sa.or_(
        User.id.in_(sa.select(RequestMessage.author_id).where(RequestMessage.request_id == help_request.id)),
        User.id.in_(sa.select(SpecVersion.author_id).where(SpecVersion.request_id == help_request.id)))
    coordinators = (sa.select(User).where(User.role == "coordinator", User.is_blocked.is_(False))
                    .order_by(User.id))
    return list(db.session.scalars(coordinators.where(took_part))) or list(db.session.scalars(coordinators))


def notify(recipient: User, kind: str, help_request: HelpRequest, link: str, **params: Any) -> None:
    """Add an in-app notification about the request (its id and title go into the params)."""
    db.session.add(Notification(user_id=recipient.id, kind=kind, link=link,
                                params={"request_id": help_request.id, "title": help_request.title,
                                        **params}))


def announce_message(message: RequestMessage, recipients: list[User], *, kind: str,
                     subject: str, template: str) -> None:
    """Tell each recipient but the author about a new message: a notification and an e-mail of `kind`."""
    help_request = message.help_request
    link = url_for("requests.request_thread", request_id=help_request.id, _anchor=f"message-{message.id}")
    for recipient in recipients:
        if recipient.id == message.author_id:
            continue
        send_email(recipient, kind, subject, f"review/{template}",
                   subject_params={"title": help_request.title},
                   help_request=help_request, message=message, author=message.author)
        notify(recipient, THREAD_NOTIFICATION, help_request, link, message_id=message.id,
               author=message.author.name)


def add_message(help_request: HelpRequest, author: User, body: str) -> RequestMessage:
    """Add a message to the current transaction and flush it (so it has an id); does not commit."""
    message = RequestMessage(help_request=help_request, author=author, body=body)
    db.session.add(message)
    db.session.flush()
    return message


def post_message(help_request: HelpRequest, user: User, body: str | None) -> RequestMessage:
    """Add `user`'s message to the request's thread and tell the other side; commits.

    A coordinator's message goes to the organisation's staff; a staff member's goes to the
    coordinators who took part (or all coordinators when none has yet). Each recipient gets an
    in-app notification and a `messages` e-mail in their language (unless they turned those off).
    Raises NotAllowed (not staff or coordinator), Conflict (the request is closed) and Invalid
    naming `body` (empty or too long).
    """
    require(user, "request.discuss", help_request)
    if help_request.status in CLOSED_STATUSES:
        raise Conflict(_("This request is closed, so its discussion is read-only."), code="thread_closed")
    text = clean_text(body, "body", max_length=TEXT_MAX, required=_("Write a message first."))
    message = add_message(help_request, user, text)
    recipients = (organization_staff(help_request.organization_id) if user.is_coordinator
                  else _coordinators_involved(help_request))
    announce_message(message, recipients, kind="messages", subject=N_("New message about “%(title)s”"),
                     template="thread_message")
    audit.record("request.message_posted", help_request, actor=user, message_id=message.id)
    db.session.commit()
    return message


def unread_count_for(user: User) -> sa.ScalarSelect[int]:
    """Per request, `user`'s unread notifications of thread messages: a subquery correlated to HelpRequest."""
    return (sa.select(sa.func.count(Notification.id))
            .where(Notification.user_id == user.id, Notification.kind == THREAD_NOTIFICATION,
                   Notification.read_at.is_(None),
                   Notification.params["request_id"].as_integer() == HelpRequest.id)
            .correlate(HelpRequest).scalar_subquery())


def mark_thread_read(help_request: HelpRequest, user: User) -> int:
    """Mark `user`'s notifications of this request's thread messages read; commits. Returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.kind == THREAD_NOTIFICATION,
               Notification.read_at.is_(None),
               Notification.params["request_id"].as_integer() == help_request.id)
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount

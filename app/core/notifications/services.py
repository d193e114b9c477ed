"""In-app notifications: add one, count the unread ones, list them, mark them read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.models import Notification, User
from app.extensions import db

# What the list page says for each kind; features pass `title` (the request's) in the params.
# Kinds not listed fall back to a neutral sentence, so a new feature never breaks the page.
TEXTS: dict[str, Any] = {
    "claim_received": _l("A volunteer asks to join “%(title)s”."),
    "claim_joined": _l("A volunteer joined the team of “%(title)s”."),
    "claim_accepted": _l("You are on the team of “%(title)s”."),
    "claim_declined": _l("Your claim on “%(title)s” was declined."),
    "claim_withdrawn": _l("A volunteer withdrew from “%(title)s”."),
    "claim_released": _l("Your seat on “%(title)s” was released."),
    "claim_expired": _l("Your claim on “%(title)s” expired without an answer."),
    "claim_reminder": _l("A volunteer is waiting for your answer on “%(title)s”."),
    "claim_renewal": _l("Your commitment to “%(title)s” ends soon: renew or conclude it."),
    "claim_completed": _l("A volunteer completed their commitment to “%(title)s”."),
    "claim_request_closed": _l("“%(title)s” is closed, so your claim on it ended."),
    "event_promoted": _l("A place freed up: you are registered for “%(name)s”."),
    "event_match_confirmed": _l("At “%(name)s” you joined the team of “%(title)s”."),
    "request_message": _l("New message about “%(title)s”."),
    "request_published": _l("Your request “%(title)s” is published."),
    "request_rejected": _l("Your request “%(title)s” was not accepted."),
    "search_digest": _l("New projects match your saved search “%(name)s”."),
    "delivery_submitted": _l("The team handed over the work on “%(title)s”: please review it."),
    "delivery_accepted": _l("The organisation accepted your delivery of “%(title)s”."),
    "delivery_changes_requested": _l("The organisation asks for changes to “%(title)s”."),
    "review_received": _l("You received a review for “%(title)s”."),
    "checkin_posted": _l("The team posted a check-in on “%(title)s”."),
    "checkin_reminder": _l("A check-in on “%(title)s” is due soon."),
    "checkin_overdue": _l("The check-in on “%(title)s” is overdue."),
    "request_stalled": _l("“%(title)s” has had no check-in for two periods: "
                          "a coordinator is looking into it."),
    "stalled_nudge": _l("A coordinator asks the team of “%(title)s” for news."),
}
FALLBACK_WITH_TITLE = _l("An update about “%(title)s”.")
FALLBACK = _l("You have a new notification.")


def notify(user: User, kind: str, params: dict[str, Any] | None = None,
           link: str | None = None) -> Notification:
    """Add an in-app notification for `user` to the current transaction and return it.

    `params` must be JSON-serialisable (the list page fills the kind's sentence with them); `link`
    is a path on this site. Does not commit: the calling service does, with its own change.
    """
    notification = Notification(user_id=user.id, kind=kind, params=dict(params or {}), link=link)
    db.session.add(notification)
    return notification


def notification_text(notification: Notification) -> str:
    """The notification as a sentence in the current language; missing params never raise."""
    params = notification.params or {}
    template = TEXTS.get(notification.kind)
    for candidate in (template, FALLBACK_WITH_TITLE if "title" in params else None):
        if candidate is None:
            continue
        try:
            return str(candidate) % params
        except (KeyError, TypeError, ValueError):
            continue
    return str(FALLBACK)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread: one COUNT query."""
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notifications_query(user: User) -> sa.Select:
    """The user's notifications, unread first, newest first within each group."""
    return (sa.select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                      Notification.id.desc()))


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (already read stays as it was); commits.

    Raises NotFound when there is no such notification or it belongs to someone else.
    """
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read in one UPDATE; commits. Returns how many."""
    changed = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount
    db.session.commit()
    return changed or 0

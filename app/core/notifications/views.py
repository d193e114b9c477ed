"""Notification pages: the list, mark one read (and follow its link), mark all read; the bell's count."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core import bp
from app.core.accounts.current import signed_in_user
from app.core.notifications import services as notifications
from app.core.policy import signed_in_required
from app.extensions import db

PAGE_SIZE = 30


@bp.app_context_processor
def bell() -> dict:
    """`unread_notifications()` for the header bell: one COUNT, run only when a page shows the bell."""

    def unread_notifications() -> int:
        user = signed_in_user()
        if user is None:
            return 0
        return notifications.unread_count(user)

    return {"unread_notifications": unread_notifications,
            "notification_text": notifications.notification_text}


def _safe_link(link: str | None) -> str:
    """A stored link if it is a path on this site, else the list (never an open redirect)."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return url_for("core.list_notifications")


@bp.get("/notifications")
@signed_in_required
def list_notifications() -> str:
    user = signed_in_user()
    page = request.args.get("page", 1, type=int)
    items = db.paginate(notifications.notifications_query(user), page=max(page, 1),
                        per_page=PAGE_SIZE, error_out=False)
    return render_template("core/notifications/notifications.html", notifications=items,
                           unread_count=notifications.unread_count(user))


@bp.post("/notifications/<int:notification_id>/read")
@signed_in_required
def read_notification(notification_id: int) -> Response:
    notification = notifications.mark_read(signed_in_user(), notification_id)
    if request.form.get("follow"):
        return redirect(_safe_link(notification.link))
    return redirect(url_for("core.list_notifications"))


@bp.post("/notifications/read-all")
@signed_in_required
def read_all_notifications() -> Response:
    count = notifications.mark_all_read(signed_in_user())
    if count:
        flash(_("All notifications marked read."), "success")
    return redirect(url_for("core.list_notifications"))

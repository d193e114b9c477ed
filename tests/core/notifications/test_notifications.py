"""The bell: unread count in the header, the list page, marking read; e-mail settings list every kind."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.accounts.services import EMAIL_PREFERENCE_KEYS
from app.core.models import EmailMessage, Notification
from app.core.notifications import services as notifications
from app.extensions import db
from tests.catalogues import compile_catalogue
from tests.factories import make_user
from tests.helpers import EN, sign_in


def _notify(user, count: int = 1, **params) -> list[Notification]:
    params = {"title": "Donor map", "request_id": 1, **params}
    made = [notifications.notify(user, "delivery_submitted", params,
                                 "/requests/1") for _ in range(count)]
    db.session.commit()
    return made


def test_the_bell_shows_the_unread_count(app, db):
    user = make_user("nonprofit")
    other = make_user("volunteer")
    _notify(user, 3)
    _notify(other, 1)
    client = sign_in(app.test_client(), user)

    page = client.get("/dashboard", headers=EN).get_data(as_text=True)

    assert 'class="bell bell-unread"' in page
    assert '<span class="bell-count">3<' in page
    assert 'href="/notifications">See all notifications<' in page  # the dashboard panel leads to the list


def test_no_bell_for_visitors_and_no_count_when_all_read(app, client, db):
    assert 'class="bell' not in client.get("/", headers=EN).get_data(as_text=True)
    user = make_user("volunteer")
    db.session.commit()
    page = sign_in(app.test_client(), user).get("/", headers=EN).get_data(as_text=True)
    assert 'class="bell"' in page and "bell-count" not in page


def test_the_list_page_shows_sentences_and_marks_one_read(app, db):
    user = make_user("nonprofit")
    first, second = _notify(user, 2)
    client = sign_in(app.test_client(), user)

    page = client.get("/notifications", headers=EN).get_data(as_text=True)
    assert page.count("The team handed over the work on “Donor map”: please review it.") == 2
    assert "You have 2 unread notifications." in page

    answer = client.post(f"/notifications/{first.id}/read", data={"follow": "1"}, headers=EN)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/requests/1")
    assert notifications.unread_count(user) == 1
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None


def test_mark_all_read_and_nobody_reads_someone_elses(app, db):
    user, other = make_user("nonprofit"), make_user("volunteer")
    _notify(user, 2)
    (theirs,) = _notify(other, 1)
    client = sign_in(app.test_client(), user)

    assert client.post(f"/notifications/{theirs.id}/read", headers=EN).status_code == 404
    client.post("/notifications/read-all", headers=EN)

    assert notifications.unread_count(user) == 0
    assert notifications.unread_count(other) == 1
    assert "You are all caught up." in client.get("/notifications", headers=EN).get_data(as_text=True)


def test_a_stored_link_off_the_site_is_never_followed(app, db):
    user = make_user("volunteer")
    notification = notifications.notify(user, "claim_accepted", {"title": "X"}, "//evil.example.org/")
    db.session.commit()
    client = sign_in(app.test_client(), user)

    answer = client.post(f"/notifications/{notification.id}/read", data={"follow": "1"}, headers=EN)

    assert answer.headers["Location"].endswith("/notifications")


def test_unknown_kinds_and_missing_params_still_read_as_a_sentence(app, db):
    user = make_user("volunteer")
    odd = notifications.notify(user, "something_new", {"title": "Tree map"})
    bare = notifications.notify(user, "claim_accepted", {})
    db.session.commit()

    with app.test_request_context(headers=EN):
        assert notifications.notification_text(odd) == "An update about “Tree map”."
        assert notifications.notification_text(bare) == "You have a new notification."


def test_the_settings_page_lists_every_kind_of_email_users_can_turn_off(app, db):
    user = make_user("volunteer")
    db.session.commit()
    client = sign_in(app.test_client(), user)

    page = client.get("/account", headers=EN).get_data(as_text=True)

    for key in ("claims", "checkins", "delivery", "digests", "messages", "events"):
        assert key in EMAIL_PREFERENCE_KEYS
        assert f'name="{key}"' in page


def test_a_turned_off_kind_sends_no_email(app, db):
    from app.core.i18n import N_
    from app.core.mail import send_email

    user = make_user("volunteer", email_preferences={"delivery": False})
    keen = make_user("volunteer")
    with app.test_request_context(headers=EN):
        for recipient in (user, keen):
            send_email(recipient, "delivery", N_("Your delivery of “%(title)s” was accepted"),
                       "delivery/delivery_accepted", subject_params={"title": "Map"},
                       help_request=type("R", (), {"title": "Map"})(), delivery=None, page_url="http://x")
        db.session.commit()

    sent_to = set(db.session.scalars(sa.select(EmailMessage.to_address)))
    assert sent_to == {keen.email}


def test_the_list_reads_in_chinese(app, db):
    compile_catalogue("zh_CN")
    user = make_user("nonprofit", locale="zh_CN")
    _notify(user, 1)
    client = sign_in(app.test_client(), user)

    page = client.get("/notifications", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)

    assert "团队已交付“Donor map”：请验收。" in page
    assert "全部标记为已读" in page and "查看" in page


def test_progress_notices_read_as_their_own_sentences(app, db):
    user = make_user("volunteer")
    for kind in ("checkin_reminder", "checkin_overdue", "checkin_posted", "request_stalled", "stalled_nudge"):
        notifications.notify(user, kind, {"title": "Donor map", "request_id": 1}, "/requests/1")
    db.session.commit()

    page = sign_in(app.test_client(), user).get("/notifications", headers=EN).get_data(as_text=True)

    assert "A check-in on “Donor map” is due soon." in page
    assert "The check-in on “Donor map” is overdue." in page
    assert "The team posted a check-in on “Donor map”." in page
    assert "“Donor map” has had no check-in for two periods" in page
    assert "A coordinator asks the team of “Donor map” for news." in page
    assert "An update about" not in page

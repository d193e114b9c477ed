"""The discussion thread: only the organisation's staff and coordinators; messages reach the other side."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import EmailMessage, Notification
from app.requests.models import RequestMessage
from app.requests.review import thread
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, client_for, text_of


def subjects_by_address() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for mail in EmailMessage.query.order_by(EmailMessage.id):
        out.setdefault(mail.to_address, []).append(mail.subject)
    return out


def test_staff_and_coordinators_read_and_write_the_thread(app, db, coordinator, staff, intake_request):
    first_look = client_for(app, coordinator).get(f"/requests/{intake_request.id}/thread", headers=EN)
    for user in (coordinator, staff[0]):
        posted = client_for(app, user).post(f"/requests/{intake_request.id}/thread", headers=EN,
                                            data={"body": f"Hello from {user.name}"})
        assert posted.status_code == 302

    page = text_of(client_for(app, staff[1]).get(f"/requests/{intake_request.id}/thread", headers=EN))

    assert first_look.status_code == 200 and "No messages yet" in text_of(first_look)
    assert page.index("Hello from Chen Coordinator") < page.index("Hello from Wang Fang")


def test_outsiders_cannot_see_the_thread(app, db, intake_request, organization, skills):
    other_staff = make_user("nonprofit")
    make_org(members=[other_staff])
    volunteer = make_user("volunteer")
    open_request = make_request(organization, status="open")
    db.session.commit()

    for user in (other_staff, volunteer):  # an intake request is not even visible to them
        browser = client_for(app, user)
        assert browser.get(f"/requests/{intake_request.id}/thread").status_code == 404
        assert browser.post(f"/requests/{intake_request.id}/thread", data={"body": "hi"}).status_code == 404
    # An open request is public, but its discussion is still not theirs.
    assert client_for(app, volunteer).get(f"/requests/{open_request.id}/thread").status_code == 403
    assert client_for(app, other_staff).post(f"/requests/{open_request.id}/thread",
                                             data={"body": "hi"}).status_code == 403
    anonymous = app.test_client().get(f"/requests/{intake_request.id}/thread")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(RequestMessage.id))) == 0


def test_a_coordinators_message_reaches_each_staff_member_in_their_language(db, in_request, coordinator,
                                                                            staff, intake_request):
    message = thread.post_message(intake_request, coordinator, "How many drivers go out each day?")

    wang, ruth = staff
    subjects = subjects_by_address()
    assert subjects[ruth.email] == ["New message about “A map of surplus food”"]
    assert "新消息" in subjects[wang.email][0]  # Wang reads Chinese
    assert coordinator.email not in subjects
    english = EmailMessage.query.filter_by(to_address=ruth.email).one()
    assert english.kind == "messages"
    assert "Chen Coordinator wrote about the request “A map of surplus food”:" in english.body_text
    assert "How many drivers go out each day?" in english.body_text
    notes = db.session.scalars(sa.select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.kind, n.params["message_id"]) for n in notes] == [
        (wang.id, "request_message", message.id), (ruth.id, "request_message", message.id)]
    assert notes[0].link == f"/requests/{intake_request.id}/thread#message-{message.id}"


def test_a_staff_message_reaches_all_coordinators_until_one_takes_part(db, in_request, coordinator, staff,
                                                                       intake_request):
    second = make_user("coordinator")
    blocked = make_user("coordinator", is_blocked=True)
    db.session.commit()

    thread.post_message(intake_request, staff[1], "Is anyone there?")
    first_round = subjects_by_address()
    thread.post_message(intake_request, coordinator, "Yes: I am looking at it.")
    thread.post_message(intake_request, staff[1], "Thank you!")
    second_round = subjects_by_address()

    assert set(first_round) == {coordinator.email, second.email}
    assert blocked.email not in second_round
    assert len(second_round[coordinator.email]) == 2  # took part: hears of every staff message
    assert len(second_round[second.email]) == 1  # never took part: only the first, when nobody had


def test_turning_off_message_emails_keeps_the_in_app_notification(db, in_request, coordinator, staff,
                                                                   intake_request):
    ruth = staff[1]
    ruth.email_preferences = {"messages": False}
    db.session.commit()

    thread.post_message(intake_request, coordinator, "A question.")

    assert ruth.email not in subjects_by_address()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.user_id == ruth.id)) == 1


def test_messages_are_plain_text_escaped_with_their_line_breaks(app, db, in_request, coordinator, staff,
                                                                intake_request):
    thread.post_message(intake_request, staff[1], '<script>alert("x")</script>\nSecond line & more')

    browser = client_for(app, coordinator)
    page = text_of(browser.get(f"/requests/{intake_request.id}/thread", headers=EN))
    review_page = text_of(browser.get(f"/requests/{intake_request.id}/review", headers=EN))

    for html in (page, review_page):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\nSecond line &amp; more" in html
    mail = EmailMessage.query.filter_by(to_address=coordinator.email).one()
    assert "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html


def test_an_empty_message_is_refused_and_a_closed_request_is_read_only(app, db, coordinator, staff,
                                                                        organization, skills):
    browser = client_for(app, staff[1])
    help_request = make_request(organization, status="intake")
    closed = make_request(organization, status="withdrawn")
    db.session.commit()

    empty = browser.post(f"/requests/{help_request.id}/thread", headers=EN, data={"body": " \r\n "})
    too_late = browser.post(f"/requests/{closed.id}/thread", headers=EN, data={"body": "Hello?"})

    assert empty.status_code == 422 and "Write a message first." in text_of(empty)
    assert too_late.status_code == 409
    assert "This request is closed, so its discussion is read-only." in text_of(too_late)
    assert "Send message" not in text_of(browser.get(f"/requests/{closed.id}/thread", headers=EN))


def test_reading_the_thread_marks_its_notifications_read(app, db, in_request, coordinator, staff,
                                                         intake_request):
    thread.post_message(intake_request, coordinator, "First question.")
    thread.post_message(intake_request, coordinator, "Second question.")
    unread = sa.select(sa.func.count(Notification.id)).where(Notification.user_id == staff[1].id,
                                                             Notification.read_at.is_(None))
    assert db.session.scalar(unread) == 2

    client_for(app, staff[1]).get(f"/requests/{intake_request.id}/thread")

    assert db.session.scalar(unread) == 0
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.user_id == staff[0].id, Notification.read_at.is_(None))) == 2


@pytest.mark.parametrize("next_url, lands_on", [("/requests/{id}/review", "/requests/{id}/review"),
                                                ("https://evil.example/", "/requests/{id}/thread")])
def test_posting_goes_back_where_the_writer_was(app, db, coordinator, intake_request, next_url, lands_on):
    response = client_for(app, coordinator).post(
        f"/requests/{intake_request.id}/thread",
        data={"body": "Noted.", "next": next_url.format(id=intake_request.id)})

    assert response.headers["Location"].startswith(lands_on.format(id=intake_request.id) + "#message-")

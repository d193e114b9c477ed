"""Publish, send back with questions, reject: each through the status machine, told to the nonprofit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent, EmailMessage, Notification
from app.requests.models import RequestMessage, TimelineEntry
from app.requests.review import services as review
from app.requests.signals import request_published
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, client_for, text_of

NOT_VERIFIED = "This organisation is not verified yet. Verify it first, then publish."


def emails_to(address: str) -> list[EmailMessage]:
    return list(EmailMessage.query.filter_by(to_address=address).order_by(EmailMessage.id))


def test_publishing_for_an_unverified_organisation_is_refused_with_what_to_do(app, db, coordinator, skills):
    staff = make_user("nonprofit")
    organization = make_org(verified=False, members=[staff])
    help_request = make_request(organization, status="intake")
    db.session.commit()
    browser = client_for(app, coordinator)

    review_page = text_of(browser.get(f"/requests/{help_request.id}/review", headers=EN))
    refused = browser.post(f"/requests/{help_request.id}/publish", headers=EN)

    assert NOT_VERIFIED in review_page and "Publish now" not in review_page
    assert refused.status_code == 409
    assert NOT_VERIFIED in text_of(refused)
    db.session.expire_all()
    assert help_request.status == "intake"
    assert emails_to(staff.email) == []


def test_publishing_opens_the_request_tells_its_staff_and_sends_the_signal(app, db, coordinator, staff,
                                                                           intake_request):
    received = []

    def remember(sender, help_request, by, **extra):
        received.append((help_request.id, help_request.status, by.id))

    with request_published.connected_to(remember):
        response = client_for(app, coordinator).post(f"/requests/{intake_request.id}/publish", headers=EN)

    assert response.status_code == 302
    db.session.expire_all()
    assert intake_request.status == "open" and intake_request.published_at is not None
    assert received == [(intake_request.id, "open", coordinator.id)]
    entry = db.session.scalar(sa.select(TimelineEntry).where(TimelineEntry.kind == "status_changed"))
    assert entry.detail == {"from": "intake", "to": "open"} and entry.is_public
    assert entry.actor_id == coordinator.id
    wang, ruth = staff
    assert [m.subject for m in emails_to(ruth.email)] == ["Your request “A map of surplus food” is published"]
    assert "已发布" in emails_to(wang.email)[0].subject  # Wang reads Chinese
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.kind == "request_published")) == 2


def test_a_request_can_be_published_only_from_intake(app, db, in_request, coordinator, organization, skills):
    help_request = make_request(organization, status="open")
    db.session.commit()

    response = client_for(app, coordinator).post(f"/requests/{help_request.id}/publish", headers=EN)

    assert response.status_code == 409
    assert "This request is already published." in text_of(response)


def test_sending_back_puts_the_questions_in_the_thread_and_the_request_in_drafts(app, db, coordinator, staff,
                                                                                 intake_request):
    questions = "Who may see the recipients' addresses?\nHow many drivers go out each day?"

    response = client_for(app, coordinator).post(f"/requests/{intake_request.id}/send-back", headers=EN,
                                                 data={"message": questions})

    assert response.status_code == 302 and response.headers["Location"].endswith("/intake")
    db.session.expire_all()
    assert intake_request.status == "draft"
    message = db.session.scalar(sa.select(RequestMessage))
    assert (message.author_id, message.body) == (coordinator.id, questions)
    wang, ruth = staff
    [mail] = emails_to(ruth.email)
    assert mail.subject == "Questions about your request “A map of surplus food”"
    assert "How many drivers go out each day?" in mail.body_text
    assert f"/requests/{intake_request.id}/thread#message-{message.id}" in mail.body_text
    assert "问题" in emails_to(wang.email)[0].subject  # Wang reads Chinese
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "request.sent_back"))
    assert event.detail == {"message_id": message.id}


def test_sending_back_needs_questions(app, db, coordinator, intake_request):
    response = client_for(app, coordinator).post(f"/requests/{intake_request.id}/send-back", headers=EN,
                                                 data={"message": "   "})

    assert response.status_code == 422
    assert "Write the questions the nonprofit should answer." in text_of(response)
    db.session.expire_all()
    assert intake_request.status == "intake"


def test_rejecting_keeps_the_reason_private_and_tells_the_staff(app, db, coordinator, staff, intake_request):
    reason = "This is a commercial project, not a nonprofit's need."

    response = client_for(app, coordinator).post(f"/requests/{intake_request.id}/reject", headers=EN,
                                                 data={"reason": reason})

    assert response.status_code == 302
    db.session.expire_all()
    assert intake_request.status == "withdrawn"
    entries = {e.kind: e for e in db.session.scalars(sa.select(TimelineEntry))}
    assert entries["intake_rejected"].detail == {"reason": reason}
    assert entries["intake_rejected"].is_public is False
    assert "reason" not in entries["status_changed"].detail
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "request.rejected"))
    assert event.detail["reason"] == reason and event.actor_id == coordinator.id
    [mail] = emails_to(staff[1].email)
    assert mail.subject == "Your request “A map of surplus food” was not accepted"
    assert reason in mail.body_text


def test_rejecting_needs_a_reason_and_a_request_in_intake(app, db, in_request, coordinator, organization,
                                                          intake_request):
    browser = client_for(app, coordinator)

    missing = browser.post(f"/requests/{intake_request.id}/reject", headers=EN, data={"reason": ""})
    open_request = make_request(organization, status="open")
    db.session.commit()
    too_late = browser.post(f"/requests/{open_request.id}/reject", headers=EN, data={"reason": "No."})

    assert missing.status_code == 422
    assert "Say why the request is rejected: the nonprofit will read it." in text_of(missing)
    assert too_late.status_code == 409
    assert "Only a request in intake can be rejected." in text_of(too_late)


@pytest.mark.parametrize("path", ["publish", "send-back", "reject"])
def test_only_coordinators_decide(app, db, staff, intake_request, path):
    response = client_for(app, staff[1]).post(f"/requests/{intake_request.id}/{path}", headers=EN,
                                              data={"message": "x", "reason": "x"})

    assert response.status_code == 403
    db.session.expire_all()
    assert intake_request.status == "intake"


def test_a_refused_decision_leaves_nothing_half_done(db, in_request, coordinator, intake_request):
    with pytest.raises(Exception):  # noqa: B017 (Invalid; the point is what stays behind)
        review.send_back_request(intake_request, coordinator, "")

    db.session.commit()  # whatever the session still held would land now
    db.session.expire_all()
    assert intake_request.status == "intake"
    assert db.session.scalar(sa.select(sa.func.count(TimelineEntry.id))) == 0

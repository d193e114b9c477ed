"""Delivery: the team hands over, the organisation accepts (claims complete) or asks for changes."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.models import EmailMessage, Notification
from app.extensions import db
from app.requests.models import HelpRequest, TimelineEntry
from app.volunteers.models import Claim
from tests.factories import make_volunteer
from tests.volunteers.delivery.samples import DELIVERY


def _reload(delivery_team):
    db.session.expire_all()
    return db.session.get(HelpRequest, delivery_team.help_request.id)


def _kinds(delivery_team) -> list[str]:
    return list(db.session.scalars(sa.select(TimelineEntry.kind).where(
        TimelineEntry.request_id == delivery_team.help_request.id).order_by(TimelineEntry.id)))


def test_a_team_member_submits_the_delivery_and_staff_hear_of_it(call, delivery_team):
    answer = call(delivery_team.member, "POST", f"/requests/{delivery_team.help_request.id}/delivery",
                  json=DELIVERY)

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["request_status"] == "in_review" and body["status"] == "submitted"
    assert body["repository_url"] == DELIVERY["repository_url"]
    assert _reload(delivery_team).status == "in_review"
    assert "delivery_submitted" in _kinds(delivery_team)
    emails = db.session.scalars(sa.select(EmailMessage)
                                .where(EmailMessage.to_address == delivery_team.staff.email))
    assert [m.kind for m in emails] == ["delivery"]
    assert db.session.scalar(sa.select(Notification.kind).where(
        Notification.user_id == delivery_team.staff.id)) == "delivery_submitted"


def test_only_the_team_submits_and_links_must_be_web_addresses(call, delivery_team):
    path = f"/requests/{delivery_team.help_request.id}/delivery"

    assert call(delivery_team.outsider, "POST", path, json=DELIVERY).status_code == 403
    assert call(delivery_team.staff, "POST", path, json=DELIVERY).status_code == 403
    bad = call(delivery_team.lead, "POST", path, json={**DELIVERY, "repository_url": "my laptop"})
    assert bad.status_code == 422 and "repository_url" in bad.get_json()["error"]["fields"]
    missing = call(delivery_team.lead, "POST", path, json={"repository_url": DELIVERY["repository_url"],
                                                  "handover_notes": "  "})
    assert missing.status_code == 422 and "handover_notes" in missing.get_json()["error"]["fields"]
    assert _reload(delivery_team).status == "in_progress"


def test_acceptance_delivers_the_request_and_completes_the_claims_keeping_seats(call, delivery_team):
    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)

    answer = call(delivery_team.staff, "POST", f"/requests/{delivery_team.help_request.id}/delivery/accept",
                  json={})

    assert answer.status_code == 200
    assert answer.get_json()["request_status"] == "delivered" and answer.get_json()["status"] == "accepted"
    help_request = _reload(delivery_team)
    assert help_request.status == "delivered" and help_request.delivered_at is not None
    statuses = db.session.scalars(sa.select(Claim.status).where(Claim.request_id == help_request.id))
    assert set(statuses) == {"completed"}
    assert help_request.seats_taken == 2  # completed claims keep counting
    assert {"delivery_submitted", "delivery_accepted", "claim_completed"} <= set(_kinds(delivery_team))
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "delivery_accepted"))
    assert set(told) == {delivery_team.lead.id, delivery_team.member.id}


def test_changes_send_the_request_back_to_work_with_the_comment(call, delivery_team):
    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)
    path = f"/requests/{delivery_team.help_request.id}/delivery/changes"

    assert call(delivery_team.staff, "POST", path, json={"body": " "}).status_code == 422
    answer = call(delivery_team.staff, "POST", path, json={"body": "The map does not load on phones."})

    assert answer.status_code == 200
    assert answer.get_json()["status"] == "changes_requested"
    assert answer.get_json()["response_note"] == "The map does not load on phones."
    assert _reload(delivery_team).status == "in_progress"
    assert "delivery_changes_requested" in _kinds(delivery_team)
    statuses = db.session.scalars(sa.select(Claim.status)
                                  .where(Claim.request_id == delivery_team.help_request.id))
    assert set(statuses) == {"accepted"}  # the team keeps working
    again = call(delivery_team.member, "POST", f"/requests/{delivery_team.help_request.id}/delivery",
                 json=DELIVERY)
    assert again.status_code == 201


def test_only_staff_answer_and_only_a_delivery_in_review(call, delivery_team):
    accept = f"/requests/{delivery_team.help_request.id}/delivery/accept"

    nothing_yet = call(delivery_team.staff, "POST", accept, json={})
    assert nothing_yet.status_code == 409
    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)
    assert call(delivery_team.lead, "POST", accept, json={}).status_code == 403
    assert call(delivery_team.outsider, "POST", accept, json={}).status_code == 403
    assert call(delivery_team.staff, "POST", accept, json={}).status_code == 200
    assert call(delivery_team.staff, "POST", accept, json={}).status_code == 409  # answered already


def test_the_delivery_email_respects_the_settings(call, delivery_team):
    delivery_team.staff.email_preferences = {"delivery": False}
    db.session.commit()

    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)

    assert db.session.scalar(sa.select(sa.func.count(EmailMessage.id)).where(
        EmailMessage.to_address == delivery_team.staff.email)) == 0
    # the in-app notification still arrives
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == delivery_team.staff.id)) == 1


KEYS_NOTE = "Keys go to our treasurer, not the chat group."


def test_hand_over_notes_are_read_only_by_the_people_involved(call, delivery_team):
    path = f"/requests/{delivery_team.help_request.id}/delivery"
    call(delivery_team.lead, "POST", path, json=DELIVERY)
    call(delivery_team.staff, "POST", f"{path}/changes", json={"body": KEYS_NOTE})
    newcomer = make_volunteer(name="Brand New")
    db.session.commit()

    for reader in (newcomer, delivery_team.outsider):
        body = call(reader, "GET", path).get_json()
        assert body["repository_url"] == DELIVERY["repository_url"]  # the delivery itself is public
        assert body["handover_notes"] is None and body["response_note"] is None
    for reader in (delivery_team.staff, delivery_team.lead, delivery_team.member, delivery_team.coordinator):
        body = call(reader, "GET", path).get_json()
        assert body["handover_notes"] == DELIVERY["handover_notes"]
        assert body["response_note"] == KEYS_NOTE

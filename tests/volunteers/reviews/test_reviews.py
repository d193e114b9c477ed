"""Reviews: who reviews whom, only after delivery, once per subject, editable for 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.models import EmailMessage, Notification
from app.extensions import db
from app.requests.models import TimelineEntry
from app.volunteers.models import Review
from app.volunteers.reviews import services as reviews
from tests.catalogues import compile_catalogue
from tests.volunteers.delivery.samples import DELIVERY


@pytest.fixture
def delivered(call, delivery_team):
    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)
    call(delivery_team.staff, "POST", f"/requests/{delivery_team.help_request.id}/delivery/accept", json={})
    return delivery_team


@pytest.fixture
def emails_since_delivery(delivered):
    """`emails_since_delivery(user)`: the e-mails sent to the user after the delivery's own."""
    mark = db.session.scalar(sa.select(sa.func.max(EmailMessage.id))) or 0

    def emails_to(user) -> list[EmailMessage]:
        return list(db.session.scalars(sa.select(EmailMessage).where(
            EmailMessage.to_address == user.email, EmailMessage.id > mark).order_by(EmailMessage.id)))

    return emails_to


def test_no_reviews_before_delivery(call, delivery_team):
    answer = call(delivery_team.staff, "POST", f"/requests/{delivery_team.help_request.id}/reviews",
                  json={"rating": 5, "body": "Great", "subject_user_id": delivery_team.lead.id})

    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_delivered"


def test_the_team_reviews_the_organisation(call, delivered):
    answer = call(delivered.member, "POST", f"/requests/{delivered.help_request.id}/reviews",
                  json={"rating": 4, "body": "Clear answers every week. 反馈很及时。"})

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["subject_organization"]["name"] == "Green Roots Food Bank" and body["subject_user"] is None
    assert body["body"] == "Clear answers every week. 反馈很及时。"
    assert db.session.scalar(sa.select(Notification.kind).where(
        Notification.user_id == delivered.staff.id, Notification.kind == "review_received")) is not None
    assert db.session.scalar(sa.select(sa.func.count(TimelineEntry.id)).where(
        TimelineEntry.request_id == delivered.help_request.id, TimelineEntry.kind == "review")) == 1


def test_staff_review_each_team_member_once(call, delivered):
    path = f"/requests/{delivered.help_request.id}/reviews"

    unnamed = call(delivered.staff, "POST", path, json={"rating": 5, "body": "Thank you"})
    assert unnamed.status_code == 422 and "subject_user_id" in unnamed.get_json()["error"]["fields"]
    outsider = call(delivered.staff, "POST", path,
                    json={"rating": 5, "body": "Thank you", "subject_user_id": delivered.outsider.id})
    assert outsider.status_code == 422
    for volunteer in (delivered.lead, delivered.member):
        answer = call(delivered.staff, "POST", path,
                      json={"rating": 5, "body": "Thank you", "subject_user_id": volunteer.id})
        assert answer.status_code == 201 and answer.get_json()["subject_user"]["id"] == volunteer.id
    twice = call(delivered.staff, "POST", path,
                 json={"rating": 3, "body": "Again", "subject_user_id": delivered.lead.id})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_reviewed"
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 2


def test_outsiders_do_not_review_and_ratings_stay_in_range(call, delivered):
    path = f"/requests/{delivered.help_request.id}/reviews"

    assert call(delivered.outsider, "POST", path, json={"rating": 5, "body": "Nice"}).status_code == 403
    assert call(delivered.coordinator, "POST", path, json={"rating": 5, "body": "Nice"}).status_code == 403
    assert call(delivered.lead, "POST", path, json={"rating": 6, "body": "Nice"}).status_code == 422
    assert call(delivered.lead, "POST", path, json={"rating": 0, "body": "Nice"}).status_code == 422


def test_a_review_is_editable_for_seven_days_then_final(call, delivered):
    created = call(delivered.lead, "POST", f"/requests/{delivered.help_request.id}/reviews",
                   json={"rating": 3, "body": "Slow to answer at first."}).get_json()
    review = db.session.get(Review, created["id"])

    six_days_later = utcnow() + timedelta(days=6, hours=23)
    reviews.update_review(review, delivered.lead, rating=4, body="Slow at first, then great.",
                          now=six_days_later)
    db.session.expire_all()
    assert (review.rating, review.body) == (4, "Slow at first, then great.")

    eight_days_later = utcnow() + timedelta(days=8)
    with pytest.raises(Conflict) as refused:
        reviews.update_review(review, delivered.lead, rating=1, now=eight_days_later)
    assert refused.value.code == "review_locked"
    db.session.expire_all()
    assert review.rating == 4


def test_only_the_author_edits_through_the_api(call, delivered):
    created = call(delivered.lead, "POST", f"/requests/{delivered.help_request.id}/reviews",
                   json={"rating": 3, "body": "Fine."}).get_json()

    assert call(delivered.member, "PATCH", f"/reviews/{created['id']}", json={"rating": 5}).status_code == 403
    answer = call(delivered.lead, "PATCH", f"/reviews/{created['id']}", json={"rating": 5})
    assert answer.status_code == 200 and answer.get_json()["rating"] == 5


def test_the_reviews_of_a_request_are_listed_a_page_at_a_time(call, delivered):
    path = f"/requests/{delivered.help_request.id}/reviews"
    for volunteer in (delivered.lead, delivered.member):
        call(delivered.staff, "POST", path,
             json={"rating": 5, "body": "Thanks", "subject_user_id": volunteer.id})

    first = call(None, "GET", f"{path}?per_page=1").get_json()
    second = call(None, "GET", f"{path}?per_page=1&page=2").get_json()

    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (2, 1, 1, 1)
    assert second["page"] == 2 and second["items"][0]["id"] != first["items"][0]["id"]
    assert call(None, "GET", f"{path}?per_page=101").status_code == 422


def test_the_review_list_is_documented_as_a_page_of_reviews(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/api/v1/requests/{request_id}/reviews"]["get"]

    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/Page"} in schema["allOf"]
    assert {"page", "per_page"} <= {parameter["name"] for parameter in operation["parameters"]}


def test_reviews_of_a_volunteer_appear_on_their_profile(client, call, delivered):
    call(delivered.staff, "POST", f"/requests/{delivered.help_request.id}/reviews",
         json={"rating": 5, "body": "Built exactly what we needed.", "subject_user_id": delivered.lead.id})

    page = client.get(f"/volunteers/{delivered.lead.id}", headers={"Accept-Language": "en"})

    html = page.get_data(as_text=True)
    assert "Built exactly what we needed." in html
    assert 'id="reviews"' in html  # where the e-mail and the notification link to


# --- E-mail to whoever was reviewed --------------------------------------------------------------

def test_a_reviewed_volunteer_gets_an_email_in_their_language_linking_to_their_profile(
        call, delivered, emails_since_delivery):
    compile_catalogue("zh_CN")
    delivered.lead.locale = "zh_CN"
    db.session.commit()

    call(delivered.staff, "POST", f"/requests/{delivered.help_request.id}/reviews",
         json={"rating": 4, "body": "地图做得很好。", "subject_user_id": delivered.lead.id})

    [email] = emails_since_delivery(delivered.lead)
    assert email.kind == "delivery" and email.status == "sent"
    assert email.subject == "你收到了关于“Map of food donors”的评价"
    profile = f"http://localhost/volunteers/{delivered.lead.id}#reviews"
    assert "Green Roots Food Bank 的 Wang Fang 评价了你在“Map of food donors”中的工作：" in email.body_text
    assert "4 分（满分 5 分）" in email.body_text and "地图做得很好。" in email.body_text
    assert f"在你的个人主页查看评价\n{profile}" in email.body_text
    assert f'href="{profile}"' in email.body_html
    assert emails_since_delivery(delivered.member) == []


def test_staff_get_an_email_when_the_team_reviews_their_organisation(call, delivered, emails_since_delivery):
    call(delivered.member, "POST", f"/requests/{delivered.help_request.id}/reviews",
         json={"rating": 5, "body": "Clear answers <every> week."})

    [email] = emails_since_delivery(delivered.staff)
    assert email.subject == "You received a review for “Map of food donors”"
    assert ("Liu Yang, of the team that delivered “Map of food donors”, reviewed Green Roots Food Bank:"
            in email.body_text)
    page = f"http://localhost/requests/{delivered.help_request.id}#reviews"
    assert f"See the review on the project page\n{page}" in email.body_text
    assert "Clear answers &lt;every&gt; week." in email.body_html


def test_no_review_email_to_someone_who_turned_delivery_emails_off(call, delivered, emails_since_delivery):
    delivered.lead.email_preferences = {"delivery": False}
    db.session.commit()

    for volunteer in (delivered.lead, delivered.member):
        answer = call(delivered.staff, "POST", f"/requests/{delivered.help_request.id}/reviews",
                      json={"rating": 5, "body": "Thank you", "subject_user_id": volunteer.id})
        assert answer.status_code == 201

    assert emails_since_delivery(delivered.lead) == []
    assert len(emails_since_delivery(delivered.member)) == 1
    # the in-app notification still arrives
    assert db.session.scalar(sa.select(Notification.kind).where(
        Notification.user_id == delivered.lead.id, Notification.kind == "review_received")) is not None


def test_editing_a_review_sends_no_second_email(call, delivered, emails_since_delivery):
    created = call(delivered.staff, "POST", f"/requests/{delivered.help_request.id}/reviews",
                   json={"rating": 3, "body": "Fine.", "subject_user_id": delivered.lead.id}).get_json()

    edited = call(delivered.staff, "PATCH", f"/reviews/{created['id']}", json={"rating": 5, "body": "Great."})

    assert edited.status_code == 200
    assert len(emails_since_delivery(delivered.lead)) == 1


def test_blocked_staff_are_not_told_of_a_review(call, delivered, emails_since_delivery):
    delivered.staff.is_blocked = True
    db.session.commit()

    answer = call(delivered.member, "POST", f"/requests/{delivered.help_request.id}/reviews",
                  json={"rating": 5, "body": "Thank you."})

    assert answer.status_code == 201
    assert emails_since_delivery(delivered.staff) == []
    assert db.session.scalar(sa.select(Notification.id).where(
        Notification.user_id == delivered.staff.id, Notification.kind == "review_received")) is None

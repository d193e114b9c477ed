"""Delivery and review pages: the team hands over, staff answer, both sides review, without JavaScript."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.models import Review
from tests.helpers import EN, client_for, sign_in
from tests.volunteers.delivery.samples import DELIVERY


def _page(client, delivery_team) -> str:
    return client.get(f"/requests/{delivery_team.help_request.id}", headers=EN).get_data(as_text=True)


def _status(delivery_team) -> str:
    db.session.expire_all()
    return db.session.get(HelpRequest, delivery_team.help_request.id).status


def test_the_whole_hand_over_through_the_pages(app, client, delivery_team):
    lead, staff = client_for(app, delivery_team.lead), client_for(app, delivery_team.staff)

    assert "Submit the delivery" in _page(lead, delivery_team)
    assert "Submit the delivery" not in _page(client, delivery_team)
    form = lead.get(f"/requests/{delivery_team.help_request.id}/deliver", headers=EN)
    assert form.status_code == 200
    refused = lead.post(f"/requests/{delivery_team.help_request.id}/deliver", headers=EN,
                        data={**DELIVERY, "repository_url": "not a link"})
    assert refused.status_code == 422 and "Enter a full web address" in refused.get_data(as_text=True)
    done = lead.post(f"/requests/{delivery_team.help_request.id}/deliver", data=DELIVERY, headers=EN)
    assert done.status_code == 302 and _status(delivery_team) == "in_review"

    page = _page(staff, delivery_team)
    assert "Accept the delivery" in page and "Run with docker compose up." in page
    public = _page(client, delivery_team)
    assert DELIVERY["repository_url"] in public and "Run with docker compose up." not in public

    staff.post(f"/requests/{delivery_team.help_request.id}/delivery/changes", data={"body": "Add an export."},
               headers=EN)
    assert _status(delivery_team) == "in_progress"
    assert "Add an export." in _page(lead, delivery_team)
    lead.post(f"/requests/{delivery_team.help_request.id}/deliver", data=DELIVERY, headers=EN)
    staff.post(f"/requests/{delivery_team.help_request.id}/delivery/accept", headers=EN)
    assert _status(delivery_team) == "delivered"

    page = _page(staff, delivery_team)
    assert "Review Zhang Wei" in page and "Review Liu Yang" in page
    reviews = f"/requests/{delivery_team.help_request.id}/reviews/new"
    written = staff.post(f"{reviews}?subject={delivery_team.lead.id}",
                         data={"rating": "5", "body": "她把地图做好了。"}, headers=EN)
    assert written.status_code == 302
    assert "Review Zhang Wei" not in _page(staff, delivery_team)
    assert "她把地图做好了。" in _page(client, delivery_team)
    assert "Review Green Roots Food Bank" in _page(lead, delivery_team)


def test_a_review_is_edited_on_its_page(app, call, delivery_team):
    call(delivery_team.lead, "POST", f"/requests/{delivery_team.help_request.id}/delivery", json=DELIVERY)
    call(delivery_team.staff, "POST", f"/requests/{delivery_team.help_request.id}/delivery/accept", json={})
    created = call(delivery_team.member, "POST", f"/requests/{delivery_team.help_request.id}/reviews",
                   json={"rating": 2, "body": "Hard to reach."}).get_json()
    member = sign_in(app.test_client(), delivery_team.member)

    assert "Hard to reach." in member.get(f"/reviews/{created['id']}/edit", headers=EN).get_data(as_text=True)
    member.post(f"/reviews/{created['id']}/edit", data={"rating": "4", "body": "Busy, but helpful."},
                headers=EN)

    assert db.session.scalar(sa.select(Review.body).where(Review.id == created["id"])) == "Busy, but helpful."
    other = sign_in(app.test_client(), delivery_team.lead)
    assert other.get(f"/reviews/{created['id']}/edit", headers=EN).status_code == 404

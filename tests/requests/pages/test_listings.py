"""Listings (app.requests.pages.listings): the plain rows that lists show in place of ORM requests."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.requests.models import HelpRequest
from app.requests.pages.listings import listings
from app.requests.schemas import request_list_item
from tests.factories import make_claim, make_org, make_request, make_user


def test_a_listing_shows_what_the_request_itself_would_show_in_a_list(db):
    organization = make_org(name="绿根食物银行", region="Beijing", cause_areas=["food-security", "poverty"],
                            website="https://greenroots.example")
    listed = make_request(organization, team_size=3, skills=["wechat-mini-program", "django", "maps-routing"],
                          title="食物银行小程序", effort_hours=120, remote_ok=True, deadline=date(2027, 3, 1))
    make_claim(listed, make_user("volunteer"), status="accepted")
    db.session.commit()
    help_request = db.session.get(HelpRequest, listed.id)

    [listing] = listings(sa.select(HelpRequest).join(HelpRequest.organization)
                         .where(HelpRequest.id == listed.id))

    assert request_list_item(listing, score=1.5) == request_list_item(help_request, score=1.5)
    assert [skill.slug for skill in listing.skills] == ["django", "maps-routing", "wechat-mini-program"]
    assert [skill.display_name("zh_CN") for skill in listing.skills] == \
        [skill.display_name("zh_CN") for skill in help_request.skills]
    assert (listing.seats_free, listing.team_size, listing.effort_hours, listing.remote_ok,
            listing.deadline, listing.published_at) == (2, 3, 120, True, date(2027, 3, 1),
                                                       help_request.published_at)
    assert listing.organization.is_verified
    assert listing.organization.cause_areas == ["food-security", "poverty"]


def test_listings_keep_the_statements_order_window_and_filters(db):
    organization = make_org()
    first, second, third = (make_request(organization, title=f"Request {n}") for n in range(3))
    make_request(organization, status="withdrawn")
    db.session.commit()
    statement = (sa.select(HelpRequest).join(HelpRequest.organization).where(HelpRequest.status == "open")
                 .order_by(HelpRequest.id.desc()))

    assert [r.id for r in listings(statement)] == [third.id, second.id, first.id]
    assert [r.id for r in listings(statement.limit(1).offset(1))] == [second.id]
    assert listings(statement.where(sa.false())) == []


def test_a_request_without_skills_lists_none(db):
    listed = make_request(skills=[])
    db.session.commit()

    [listing] = listings(sa.select(HelpRequest).join(HelpRequest.organization))

    assert listing.id == listed.id and listing.skills == ()

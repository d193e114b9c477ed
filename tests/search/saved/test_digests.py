"""Saved-search digests: due or not, only what is new and matches, once per period, e-mail only if wanted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.jobs.services import tick
from app.core.models import EmailMessage, Notification
from app.search.models import SavedSearch
from tests.factories import make_org, make_request, make_user


@pytest.fixture
def volunteer(db):
    user = make_user("volunteer", name="Chen Jing", locale="en")
    db.session.commit()
    return user


@pytest.fixture
def food_org(db):
    return make_org(members=[make_user("nonprofit")], name="Green Roots Food Bank", cause_areas=["food"],
                    region="Chengdu")


def keep(db, user, *, query: str = "", filters: dict | None = None, frequency: str = "daily",
         age: timedelta = timedelta(days=2), last_sent_ago: timedelta | None = None) -> SavedSearch:
    now = utcnow()
    saved = SavedSearch(user_id=user.id, name="Food maps", query=query, filters=filters or {},
                        frequency=frequency, created_at=now - age,
                        last_sent_at=now - last_sent_ago if last_sent_ago else None)
    db.session.add(saved)
    db.session.commit()
    return saved


def published(org, title: str, ago: timedelta, **fields):
    help_request = make_request(org, title=title, **fields)
    help_request.published_at = utcnow() - ago
    return help_request


def notifications(db, user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id,
                                                                  Notification.kind == "search_digest")))


def test_a_due_search_gets_what_was_published_since_and_matches(db, reindex, volunteer, food_org,
                                                                sent_mail):
    saved = keep(db, volunteer, query="食物", filters={"cause": "food"}, age=timedelta(days=3))
    fresh = published(food_org, "食物银行地图", timedelta(hours=5))
    published(food_org, "食物 before the search was saved", timedelta(days=4))
    published(food_org, "Unrelated website", timedelta(hours=3))
    published(make_org(cause_areas=["health"]), "食物 for another cause", timedelta(hours=2))
    make_request(food_org, status="draft", title="食物 draft")
    reindex()

    report = tick()

    assert report["search_digests"] == "1 digest(s) queued"
    [note] = notifications(db, volunteer)
    assert note.params["request_ids"] == [fresh.id] and note.params["count"] == 1
    assert note.params["name"] == "Food maps" and note.link.startswith("/search?q=")
    [sent] = sent_mail
    assert sent.to == [volunteer.email] and "Food maps" in sent.subject
    assert "食物银行地图" in sent.body and f"/requests/{fresh.id}" in sent.body
    assert "before the search was saved" not in sent.body and "Unrelated" not in sent.body
    assert "another cause" not in sent.body and "draft" not in sent.body
    db.session.refresh(saved)
    assert saved.last_sent_at is not None


def test_running_the_tick_twice_sends_nothing_twice(db, reindex, volunteer, food_org, sent_mail):
    keep(db, volunteer)
    published(food_org, "Food map", timedelta(hours=5))
    reindex()
    tick()
    assert tick()["search_digests"] == "0 digest(s) queued"
    assert len(notifications(db, volunteer)) == 1 and len(sent_mail) == 1


@pytest.mark.parametrize(("frequency", "age", "last_sent_ago", "due"), [
    ("daily", timedelta(hours=20), None, False),  # saved less than a day ago
    ("daily", timedelta(days=2), None, True),
    ("daily", timedelta(days=9), timedelta(hours=23), False),  # sent less than a day ago
    ("daily", timedelta(days=9), timedelta(hours=25), True),
    ("weekly", timedelta(days=3), None, False),
    ("weekly", timedelta(days=8), None, True),
    ("weekly", timedelta(days=30), timedelta(days=6), False),
    ("weekly", timedelta(days=30), timedelta(days=7, minutes=1), True),
])
def test_when_a_digest_is_due(db, reindex, volunteer, food_org, sent_mail, frequency, age, last_sent_ago,
                              due):
    keep(db, volunteer, frequency=frequency, age=age, last_sent_ago=last_sent_ago)
    published(food_org, "Food map", timedelta(minutes=10))
    reindex()
    assert tick()["search_digests"] == f"{int(due)} digest(s) queued"
    assert len(notifications(db, volunteer)) == int(due)


def test_nothing_new_sends_nothing_but_the_period_still_counts(db, reindex, volunteer, food_org, sent_mail):
    saved = keep(db, volunteer, query="trees")
    published(food_org, "Food map", timedelta(hours=5))
    reindex()
    assert tick()["search_digests"] == "1 digest(s) queued"
    assert notifications(db, volunteer) == [] and sent_mail == []
    db.session.refresh(saved)
    assert saved.last_sent_at is not None


def test_a_volunteer_who_turned_digests_off_gets_the_notification_without_the_email(
        db, reindex, volunteer, food_org, sent_mail):
    volunteer.email_preferences = {"digests": False}
    keep(db, volunteer)
    published(food_org, "Food map", timedelta(hours=5))
    reindex()
    tick()
    assert len(notifications(db, volunteer)) == 1
    assert sent_mail == [] and db.session.scalar(sa.select(sa.func.count(EmailMessage.id))) == 0


def test_blocked_volunteers_get_no_digest(db, reindex, volunteer, food_org, sent_mail):
    volunteer.is_blocked = True
    keep(db, volunteer)
    published(food_org, "Food map", timedelta(hours=5))
    reindex()
    assert tick()["search_digests"] == "0 digest(s) queued"
    assert notifications(db, volunteer) == [] and sent_mail == []


def test_the_digest_is_written_in_the_volunteers_language(db, reindex, food_org, sent_mail,
                                                          compiled_catalogues):
    reader = make_user("volunteer", locale="zh_CN")
    keep(db, reader)
    published(food_org, "Food map", timedelta(hours=5))
    reindex()
    tick()
    [sent] = sent_mail
    assert sent.subject == "你保存的搜索“Food maps”有新项目"
    assert "Food map" in sent.body and "个新项目" in sent.body

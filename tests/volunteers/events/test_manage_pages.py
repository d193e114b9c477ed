"""The coordinator's event pages: creating and editing, publishing and closing (each confirmed first),
featuring requests with the no-script search, the dashboard panel, and who may open them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.volunteers.models import EventRequest, MatchingEvent
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import EN, audit_actions, client_for, fresh, sign_in, text_of
from tests.volunteers.events.samples import make_event

EVENT_FORM = {"name": "2030 秋季公益编程马拉松", "starts_at": "2030-10-17T09:00",
              "ends_at": "2030-10-17T18:00", "city": "北京", "location": "中关村创业大街", "capacity": "40",
              "registration_closes_at": "2030-10-16T20:00",
              "description": "公益组织现场讲需求，工程师当场报名。"}


@pytest.fixture
def coordinator_browser(app, coordinator):
    return client_for(app, coordinator)


@pytest.fixture
def open_requests(db):
    requests = [make_request(status="open", team_size=2, skills=["python"], title="Food bank donor map"),
                make_request(status="open", team_size=1, skills=["javascript"],
                             title="Street tree tagging app")]
    db.session.commit()
    return requests


@pytest.fixture
def draft(db, coordinator) -> MatchingEvent:
    event = make_event(coordinator, status="planned", name="Winter hackathon")
    db.session.commit()
    return event


# --- who may open the pages --------------------------------------------------------------------------

MANAGE_PATHS = ["/events/new", "/events/{id}/manage", "/events/{id}/edit", "/events/{id}/publish",
                "/events/{id}/close", "/events/{id}/requests", "/events/{id}/check-in", "/events/{id}/board",
                "/events/{id}/board/state",
                "/events/{id}/board/confirm", "/events/{id}/report", "/events/{id}/report.csv"]


@pytest.mark.parametrize("path", MANAGE_PATHS)
def test_coordinators_open_every_management_page(app, db, coordinator, path):
    event = make_event(coordinator, status="matching")
    db.session.commit()
    answer = client_for(app, coordinator).get(path.format(id=event.id), headers=EN)
    assert answer.status_code == 200


@pytest.mark.parametrize("path", MANAGE_PATHS)
@pytest.mark.parametrize("role", ["volunteer", "nonprofit"])
def test_other_people_are_refused_every_management_page(app, db, coordinator, path, role):
    event = make_event(coordinator, status="matching")
    other = make_volunteer() if role == "volunteer" else make_user("nonprofit")
    db.session.commit()
    answer = client_for(app, other).get(path.format(id=event.id), headers=EN)
    assert answer.status_code == 403


@pytest.mark.parametrize("path", MANAGE_PATHS)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, coordinator, path):
    event = make_event(coordinator, status="matching")
    db.session.commit()
    answer = client.get(path.format(id=event.id), headers=EN)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


@pytest.mark.parametrize("path", ["/events/{id}/board/run", "/events/{id}/board/move",
                                  "/events/{id}/board/lock", "/events/{id}/board/confirm",
                                  "/events/{id}/check-in", "/events/{id}/publish", "/events/{id}/requests",
                                  "/events/{id}/close"])
def test_a_volunteer_cannot_post_to_the_coordinator_pages(app, db, coordinator, path):
    event = make_event(coordinator, status="matching")
    volunteer = make_volunteer()
    db.session.commit()
    answer = client_for(app, volunteer).post(path.format(id=event.id), data={"user_id": "1"}, headers=EN)
    assert answer.status_code == 403
    assert fresh(MatchingEvent, event.id).status == "matching"


def test_an_unknown_event_is_404(coordinator_browser):
    assert coordinator_browser.get("/events/999/manage", headers=EN).status_code == 404


# --- creating and editing ----------------------------------------------------------------------------

def test_a_coordinator_creates_an_event_from_the_form(coordinator_browser, db):
    form = text_of(coordinator_browser.get("/events/new", headers=EN))
    assert "Create an event" in form and 'name="starts_at"' in form and 'type="datetime-local"' in form

    answer = coordinator_browser.post("/events/new", data=EVENT_FORM, headers=EN)

    event = db.session.scalar(sa.select(MatchingEvent))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/events/{event.id}/manage"
    assert (event.name, event.city, event.location, event.capacity) == (
        "2030 秋季公益编程马拉松", "北京", "中关村创业大街", 40)
    assert event.status == "planned"
    # Typed in Beijing time, stored in UTC.
    assert event.starts_at.replace(tzinfo=None).isoformat() == "2030-10-17T01:00:00"
    assert event.registration_closes_at.replace(tzinfo=None).isoformat() == "2030-10-16T12:00:00"
    page = text_of(coordinator_browser.get(answer.headers["Location"], headers=EN))
    assert "saved as a draft" in page and "2030 秋季公益编程马拉松" in page and "Publish the event" in page
    assert audit_actions("event.") == ["event.created"]


def test_form_errors_name_the_field_and_keep_what_was_typed(coordinator_browser, db):
    typed = {**EVENT_FORM, "ends_at": "2030-10-17T08:00", "capacity": "0", "name": "Hackathon 码桥"}
    answer = coordinator_browser.post("/events/new", data=typed, headers=EN)

    assert answer.status_code == 422
    page = text_of(answer)
    assert "Capacity" in page and "Enter a number from 1 to 100000" in page
    assert 'value="Hackathon 码桥"' in page and 'value="2030-10-17T08:00"' in page
    assert "中关村创业大街" in page
    assert db.session.scalar(sa.select(sa.func.count(MatchingEvent.id))) == 0

    # The service's own checks land on their fields too (the end before the start).
    answer = coordinator_browser.post("/events/new", data={**typed, "capacity": "40"}, headers=EN)
    assert answer.status_code == 422
    page = text_of(answer)
    assert "Ends: The event must end after it starts." in page
    assert 'value="Hackathon 码桥"' in page


def test_an_online_event_needs_its_link(coordinator_browser, db):
    typed = {**EVENT_FORM, "city": "", "location": "", "online": "y", "online_url": "meeting"}
    answer = coordinator_browser.post("/events/new", data=typed, headers=EN)
    assert answer.status_code == 422 and "starting with https://" in text_of(answer)

    answer = coordinator_browser.post("/events/new", headers=EN,
                                      data={**typed, "online_url": "https://meeting.example.org/cb"})
    assert answer.status_code == 302
    event = db.session.scalar(sa.select(MatchingEvent))
    assert (event.online, event.online_url) == (True, "https://meeting.example.org/cb")


def test_editing_shows_the_current_values_in_beijing_time_and_saves(coordinator_browser, db, draft):
    form = text_of(coordinator_browser.get(f"/events/{draft.id}/edit", headers=EN))
    local = (draft.starts_at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    assert 'value="Winter hackathon"' in form and local in form

    answer = coordinator_browser.post(f"/events/{draft.id}/edit", headers=EN,
                                      data={**EVENT_FORM, "name": "Winter hackathon, day 2"})
    assert answer.status_code == 302
    assert fresh(MatchingEvent, draft.id).name == "Winter hackathon, day 2"


# --- publishing and closing, each confirmed first ------------------------------------------------------

def test_publishing_asks_first_then_opens_registration(coordinator_browser, db, draft):
    question = text_of(coordinator_browser.get(f"/events/{draft.id}/publish", headers=EN))
    assert "Publish “Winter hackathon”?" in question and "cannot go back to a draft" in question
    assert fresh(MatchingEvent, draft.id).status == "planned"  # reading the question changes nothing

    answer = coordinator_browser.post(f"/events/{draft.id}/publish", headers=EN)

    assert answer.status_code == 302
    assert fresh(MatchingEvent, draft.id).status == "registration"
    page = text_of(coordinator_browser.get(answer.headers["Location"], headers=EN))
    assert "engineers can register now" in page


def test_closing_asks_first_then_ends_the_event(coordinator_browser, db, coordinator):
    event = make_event(coordinator, status="matching")
    db.session.commit()
    question = text_of(coordinator_browser.get(f"/events/{event.id}/close", headers=EN))
    assert "This cannot be undone" in question

    assert coordinator_browser.post(f"/events/{event.id}/close", headers=EN).status_code == 302
    assert fresh(MatchingEvent, event.id).status == "closed"


def test_publishing_twice_says_why_not(coordinator_browser, db, coordinator):
    event = make_event(coordinator, status="registration")
    db.session.commit()
    answer = coordinator_browser.post(f"/events/{event.id}/publish", headers=EN)
    assert answer.status_code == 409
    assert fresh(MatchingEvent, event.id).status == "registration"


def test_the_buttons_need_the_csrf_token(build_app, db, draft, coordinator):
    csrf_app = build_app(WTF_CSRF_ENABLED=True)
    browser = sign_in(csrf_app.test_client(), coordinator)

    refused = browser.post(f"/events/{draft.id}/publish", headers=EN)
    assert refused.status_code == 400
    assert fresh(MatchingEvent, draft.id).status == "planned"

    page = text_of(browser.get(f"/events/{draft.id}/publish", headers=EN))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = browser.post(f"/events/{draft.id}/publish", data={"csrf_token": token}, headers=EN)
    assert accepted.status_code == 302
    assert fresh(MatchingEvent, draft.id).status == "registration"


# --- featuring requests ------------------------------------------------------------------------------

def test_the_no_script_search_lists_open_requests_with_feature_buttons(coordinator_browser, db, draft,
                                                                       open_requests):
    make_request(status="draft", title="Food bank draft inventory")
    db.session.commit()

    page = text_of(coordinator_browser.get(f"/events/{draft.id}/requests?q=Food", headers=EN))

    assert "Food bank donor map" in page and "Food bank draft inventory" not in page
    assert f'name="request_ids" value="{open_requests[0].id}"' in page
    # The page offers search as you type through our own script calling the search API.
    assert 'src="/static/js/event_feature.js"' in page and 'data-search-url="/api/v1/requests"' in page


def test_featuring_and_unfeaturing_a_request(coordinator_browser, db, draft, open_requests):
    answer = coordinator_browser.post(f"/events/{draft.id}/requests", headers=EN,
                                      data={"request_ids": str(open_requests[0].id),
                                            "next": f"/events/{draft.id}/requests?q=Food"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/events/{draft.id}/requests?q=Food"
    page = text_of(coordinator_browser.get(answer.headers["Location"], headers=EN))
    assert "1 request is featured." in page and "1 project featured" in page
    assert "Unfeature" in page
    assert list(db.session.scalars(sa.select(EventRequest.request_id))) == [open_requests[0].id]

    answer = coordinator_browser.post(
        f"/events/{draft.id}/requests/{open_requests[0].id}/unfeature", headers=EN)
    assert answer.status_code == 302
    assert "no longer featured" in text_of(coordinator_browser.get(answer.headers["Location"], headers=EN))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventRequest)) == 0


def test_a_request_that_is_not_open_is_refused_with_its_reason(coordinator_browser, db, draft):
    closed = make_request(status="delivered", title="Delivered site")
    db.session.commit()
    answer = coordinator_browser.post(f"/events/{draft.id}/requests", data={"request_ids": str(closed.id)},
                                      headers=EN)
    page = text_of(coordinator_browser.get(answer.headers["Location"], headers=EN))
    assert 'class="flash flash-error"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventRequest)) == 0


# --- the dashboard ------------------------------------------------------------------------------------

def test_the_coordinators_dashboard_lists_upcoming_events_and_offers_to_create_one(coordinator_browser, db,
                                                                                 coordinator):
    make_event(coordinator, status="planned", name="Winter hackathon")
    make_event(coordinator, status="registration", name="Spring pitch night", starts_in=timedelta(days=30))
    make_event(coordinator, status="closed", name="Last autumn", starts_in=timedelta(days=-90))
    db.session.commit()

    page = text_of(coordinator_browser.get("/dashboard", headers=EN))

    assert "Matching events" in page and 'href="/events/new"' in page
    assert page.index("Winter hackathon") < page.index("Spring pitch night")
    assert "Last autumn" not in page


def test_other_dashboards_have_no_event_panel(app, db):
    volunteer = make_volunteer()
    db.session.commit()
    assert 'href="/events/new"' not in text_of(client_for(app, volunteer).get("/dashboard", headers=EN))


def test_the_management_pages_speak_chinese(app, db, coordinator):
    chinese = make_user("coordinator", name="陈协调", locale="zh_CN")
    event = make_event(coordinator, status="registration")
    db.session.commit()
    page = text_of(client_for(app, chinese).get(f"/events/{event.id}/manage"))
    assert 'lang="zh' in page and "我的工作台" in page

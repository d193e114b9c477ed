"""Event pages for everyone and for engineers: the list, the event page, registering and ranking,
the waiting list, cancelling, the check-in code with its QR image, and the confirmed match."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import segno
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.volunteers.models import EventMatch, EventRegistration, EventRequest, MatchingEvent
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN, ZH, client_for, fresh, sign_in, text_of


def make_event(*, status: str = "registration", capacity: int = 10, starts_in: timedelta = timedelta(days=7),
               featured=(), **fields) -> MatchingEvent:
    """An event starting in `starts_in` (negative: in the past) featuring the given requests."""
    starts_at = utcnow() + starts_in
    values = {"name": "Autumn hackathon", "city": "Chengdu", "location": "Tianfu Software Park, hall B",
              "ends_at": starts_at + timedelta(hours=8), "description": "Bring a laptop.", **fields}
    event = MatchingEvent(status=status, capacity=capacity, starts_at=starts_at, **values)
    if status != "planned":
        event.published_at = utcnow() - timedelta(days=1)
    db.session.add(event)
    db.session.flush()
    for help_request in featured:
        db.session.add(EventRequest(event_id=event.id, request_id=help_request.id))
    db.session.flush()
    return event


@pytest.fixture
def food_bank_event(db, project):
    """A published event in Chengdu for two engineers, featuring the food bank's map and a rota app."""
    second = make_request(project.organization, status="open", team_size=3, title="Volunteer rota app",
                          skills=["python", "postgresql"])
    event = make_event(featured=[project.help_request, second], capacity=2)
    db.session.commit()
    return event, project.help_request, second


def register(browser, event, *choices, path="registration"):
    data = {f"choice_{rank}": str(request_id) for rank, request_id in enumerate(choices, start=1)}
    return browser.post(f"/events/{event.id}/{path}", data=data, headers=EN)


def registration_of(event, user) -> EventRegistration:
    fresh(MatchingEvent, event.id)
    return db.session.scalar(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.volunteer_id == user.id))


# --- the list and the event page ------------------------------------------------------------------

def test_the_list_shows_upcoming_events_first_then_past_ones_and_no_drafts(client, db, project):
    make_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
    make_event(name="Winter online sprint", online=True, city="", location="", capacity=30,
               featured=[project.help_request], online_url="https://meet.example.org/sprint")
    make_event(name="Secret draft", status="planned")
    db.session.commit()

    page = text_of(client.get("/events", headers=EN))

    assert page.index("Winter online sprint") < page.index("Past events") < page.index("Spring pitch night")
    assert "Secret draft" not in page
    assert "Online" in page and "30 places free" in page and "1 featured project" in page
    assert "https://meet.example.org" not in page  # the link is for the people coming


def test_everyone_finds_events_in_the_header_and_upcoming_ones_on_the_home_page(app, client, db, project):
    assert 'href="/events"' in text_of(client.get("/", headers=EN))
    assert "Upcoming matching events" not in text_of(client.get("/", headers=EN))

    make_event(name="Winter online sprint", featured=[project.help_request])
    db.session.commit()

    make_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
    db.session.commit()

    home = text_of(client.get("/", headers=EN))
    assert "Upcoming matching events" in home and "Winter online sprint" in home
    assert "Spring pitch night" not in home  # the home page shows only what is still to come
    people = [make_volunteer(), make_user("nonprofit"), project.coordinator]
    db.session.commit()
    for user in people:
        header = text_of(client_for(app, user).get("/", headers=EN)).split("</header>")[0]
        assert '<a href="/events">Events</a>' in header


def test_anonymous_visitors_read_the_event_page_with_projects_skills_and_seats(client, db, food_bank_event):
    event, food_map, rota = food_bank_event
    make_claim(rota, make_volunteer(), status="accepted")
    db.session.commit()

    page = text_of(client.get(f"/events/{event.id}", headers=EN))

    assert "Autumn hackathon" in page and "Chengdu · Tianfu Software Park, hall B" in page
    assert "Bring a laptop." in page
    assert f'href="/requests/{food_map.id}"' in page and f'href="/requests/{rota.id}"' in page
    assert "python" in page.lower() and "postgresql" in page.lower()
    assert "2 seats free" in page and "in a team of 3" in page  # the rota app: one seat of three taken
    assert "0 registered" in page and "2 of 2 places free" in page
    assert "Sign in as a volunteer to register" in page
    assert 'name="choice_1"' not in page


def test_the_time_reads_as_one_day_with_its_hours_in_beijing_time(client, db):
    event = make_event()
    event.starts_at = datetime(2030, 5, 18, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
    event.ends_at = datetime(2030, 5, 18, 13, 30, tzinfo=UTC)
    db.session.commit()

    english = text_of(client.get(f"/events/{event.id}", headers=EN))
    assert "Saturday, May 18, 2030, 2:00\u202fPM–9:30\u202fPM" in english
    chinese = text_of(client.get(f"/events/{event.id}", headers=ZH))
    assert "2030年5月18日星期六" in chinese and "14:00–21:30" in chinese


def test_drafts_answer_404_to_everyone_but_coordinators(app, client, db, project):
    draft = make_event(status="planned", name="Not announced yet")
    volunteer, staff = make_volunteer(), make_user("nonprofit")
    db.session.commit()

    assert client.get(f"/events/{draft.id}", headers=EN).status_code == 404
    for user in (volunteer, staff):
        assert client_for(app, user).get(f"/events/{draft.id}", headers=EN).status_code == 404
    coordinator = client_for(app, project.coordinator)
    assert "Not announced yet" in text_of(coordinator.get(f"/events/{draft.id}", headers=EN))
    assert "Not announced yet" in text_of(coordinator.get("/events", headers=EN))  # under Drafts
    assert client.get("/events/999999", headers=EN).status_code == 404


def test_coordinators_and_staff_see_the_page_without_a_registration_form(app, db, food_bank_event, project):
    event, _food_map, _rota = food_bank_event
    for user in (project.coordinator, project.staff):
        page = text_of(client_for(app, user).get(f"/events/{event.id}", headers=EN))
        assert "Autumn hackathon" in page
        assert (f'href="/events/{event.id}/manage"' in page) == (user is project.coordinator)
        assert 'name="choice_1"' not in page and "Sign in as a volunteer" not in page
        answer = client_for(app, user).post(f"/events/{event.id}/registration", headers=EN, data={})
        assert answer.status_code == 403


# --- registering, ranking, the waiting list, cancelling ---------------------------------------------

def test_a_volunteer_registers_and_ranks_the_projects(app, db, food_bank_event):
    event, food_map, rota = food_bank_event
    volunteer = make_volunteer(name="Zhang Wei")
    db.session.commit()
    browser = client_for(app, volunteer)
    form = text_of(browser.get(f"/events/{event.id}", headers=EN))
    assert 'name="choice_1"' in form and 'name="choice_2"' in form and "Choice 2" in form

    answer = register(browser, event, rota.id, food_map.id)

    assert answer.status_code == 302 and answer.headers["Location"] == f"/events/{event.id}#registration"
    assert registration_of(event, volunteer).status == "registered"
    assert registration_of(event, volunteer).preferences == [rota.id, food_map.id]
    page = text_of(browser.get(f"/events/{event.id}", headers=EN))
    assert "You are registered. Show your check-in code at the door." in page
    ranking = page[page.index('class="event-ranking"'):]
    assert ranking.index("Volunteer rota app") < ranking.index("Map of food donors and families")
    assert "1 registered" in page and "Cancel my registration" in page


def test_past_capacity_volunteers_wait_in_order_and_see_their_place(app, db, food_bank_event):
    event, food_map, _rota = food_bank_event
    people = [make_volunteer(name=f"Engineer {n}") for n in range(4)]
    db.session.commit()
    for person in people:
        register(client_for(app, person), event, food_map.id)

    assert [registration_of(event, p).status for p in people] == [
        "registered", "registered", "waitlisted", "waitlisted"]
    page = text_of(client_for(app, people[3]).get(f"/events/{event.id}", headers=EN))
    assert "You are on the waiting list, number 2." in page
    assert "2 registered · 2 on the waiting list" in page
    assert "Full: new registrations join the waiting list" in page

    # The first one cancels: the first waiting one moves up, and the last one is now number 1.
    cancelled = client_for(app, people[0]).post(f"/events/{event.id}/cancel", headers=EN)
    assert cancelled.status_code == 302
    assert registration_of(event, people[0]).status == "cancelled"
    assert registration_of(event, people[2]).status == "registered"
    assert "You are on the waiting list, number 1." in text_of(
        client_for(app, people[3]).get(f"/events/{event.id}", headers=EN))
    assert 'name="choice_1"' in text_of(client_for(app, people[0]).get(f"/events/{event.id}", headers=EN))


def test_a_volunteer_changes_the_ranking_until_registration_closes(app, db, food_bank_event):
    event, food_map, rota = food_bank_event
    volunteer = make_volunteer()
    db.session.commit()
    browser = client_for(app, volunteer)
    register(browser, event, food_map.id)

    changed = register(browser, event, rota.id, food_map.id, path="ranking")
    assert changed.status_code == 302
    assert "Your ranking is saved." in text_of(browser.get(changed.headers["Location"], headers=EN))
    assert registration_of(event, volunteer).preferences == [rota.id, food_map.id]

    closed_at = utcnow() - timedelta(minutes=5)
    db.session.execute(sa.update(MatchingEvent).where(MatchingEvent.id == event.id)
                       .values(registration_closes_at=closed_at))
    db.session.commit()

    page = text_of(browser.get(f"/events/{event.id}", headers=EN))
    assert "so your ranking can no longer change." in page and "Registration closed on" in page
    assert "Save my ranking" not in page and "Cancel my registration" not in page
    refused = register(browser, event, food_map.id, path="ranking")
    assert refused.status_code == 409
    assert "Registration for this event has closed" in text_of(refused)
    assert registration_of(event, volunteer).preferences == [rota.id, food_map.id]


def test_a_project_chosen_twice_is_named_on_the_field_and_the_choices_stay(app, db, food_bank_event):
    event, _food_map, rota = food_bank_event
    volunteer = make_volunteer()
    db.session.commit()

    answer = register(client_for(app, volunteer), event, rota.id, rota.id)

    assert answer.status_code == 422
    page = text_of(answer)
    assert "You chose this project already as choice 1." in page
    assert f'<option selected value="{rota.id}">' in page
    assert registration_of(event, volunteer) is None


def test_registration_posts_need_the_csrf_token(build_app, db, food_bank_event):
    event, food_map, _rota = food_bank_event
    volunteer = make_volunteer()
    db.session.commit()

    browser = sign_in(build_app(WTF_CSRF_ENABLED=True).test_client(), volunteer)

    refused = register(browser, event, food_map.id)
    assert refused.status_code == 400
    assert registration_of(event, volunteer) is None

    form = text_of(browser.get(f"/events/{event.id}", headers=EN))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    accepted = browser.post(f"/events/{event.id}/registration", headers=EN,
                            data={"choice_1": str(food_map.id), "csrf_token": token})
    assert accepted.status_code == 302
    assert registration_of(event, volunteer).status == "registered"
    refused_cancel = browser.post(f"/events/{event.id}/cancel", headers=EN)
    assert refused_cancel.status_code == 400
    assert registration_of(event, volunteer).status == "registered"


def test_anonymous_posts_are_sent_to_sign_in(client, db, food_bank_event):
    event, food_map, _rota = food_bank_event
    answer = client.post(f"/events/{event.id}/registration", data={"choice_1": str(food_map.id)}, headers=EN)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(EventRegistration.id))) == 0


# --- at the door and after the event ----------------------------------------------------------------

def test_the_check_in_code_page_shows_the_code_and_its_qr_image(app, db, food_bank_event):
    event, food_map, _rota = food_bank_event
    volunteer, stranger = make_volunteer(), make_volunteer()
    db.session.commit()
    browser = client_for(app, volunteer)
    register(browser, event, food_map.id)
    code = registration_of(event, volunteer).check_in_code

    page = text_of(browser.get(f"/events/{event.id}/my-code", headers=EN))

    assert code and code in page and "<svg" in page
    # The image is the QR symbol of exactly this code (the same modules segno draws for it), and a full
    # QR code that phone cameras read (21 modules and the quiet zone), not a Micro QR.
    symbol = segno.make_qr(code, error="m")
    assert not symbol.is_micro and symbol.symbol_size(border=4) == (29, 29)
    expected = re.search(r' d="([^"]+)"/></svg>', symbol.svg_inline()).group(1)
    assert f'd="{expected}"' in page and 'viewBox="0 0 29 29"' in page
    assert f'aria-label="{code}"' in page
    assert "<script" not in page.split("</header>")[1].split("<footer")[0]
    assert client_for(app, stranger).get(f"/events/{event.id}/my-code", headers=EN).status_code == 404


def test_the_online_link_is_shown_to_registered_engineers_only(app, db, project):
    event = make_event(online=True, city="", location="", online_url="https://meet.example.org/autumn",
                       featured=[project.help_request], capacity=1)
    first, second = make_volunteer(), make_volunteer()
    db.session.commit()
    for person in (first, second):
        register(client_for(app, person), event, project.help_request.id)

    assert "https://meet.example.org/autumn" in text_of(client_for(app, first).get(f"/events/{event.id}"))
    waiting = text_of(client_for(app, second).get(f"/events/{event.id}", headers=EN))
    assert "https://meet.example.org/autumn" not in waiting
    assert "Shown here to registered engineers." in waiting


def test_after_confirmation_the_volunteer_sees_their_project_and_everyone_the_outcome(app, client, db,
                                                                                      food_bank_event):
    event, food_map, rota = food_bank_event
    volunteer = make_volunteer(name="Zhang Wei")
    db.session.commit()
    register(client_for(app, volunteer), event, food_map.id)
    claim = make_claim(rota, volunteer, status="accepted")
    db.session.add(EventMatch(event_id=event.id, volunteer_id=volunteer.id, request_id=rota.id, role="member",
                              claim_id=claim.id, confirmed_at=utcnow()))
    event.status = "confirmed"
    db.session.commit()

    page = text_of(client_for(app, volunteer).get(f"/events/{event.id}", headers=EN))
    mine = page[page.index('class="event-my-match"'):]
    assert "Your project" in mine and f'href="/requests/{rota.id}"' in mine and "Volunteer rota app" in mine
    assert f'href="/claims/{claim.id}"' in mine
    assert "Cancel my registration" not in page

    public = text_of(client.get(f"/events/{event.id}", headers=EN))
    outcome = public[public.index('class="card event-outcome"'):public.index('id="projects-heading"')]
    assert "1 engineer joined a team at this event." in outcome
    assert "Volunteer rota app" in outcome and "1 engineer" in outcome
    assert "Zhang Wei" not in public


@pytest.mark.usefixtures("compiled_catalogues")
def test_the_event_page_speaks_chinese_to_chinese_visitors(client, db, food_bank_event):
    event, _food_map, _rota = food_bank_event

    page = text_of(client.get(f"/events/{event.id}", headers=ZH))

    assert '<html lang="zh-CN">' in page
    assert "空余 2 个席位" in page and "所需技能" in page
    assert "seats free" not in page
    assert text_of(client.get("/events", headers=ZH)).count("Autumn hackathon") == 1


def test_the_volunteer_dashboard_lists_their_coming_events_with_the_code(app, db, food_bank_event):
    event, food_map, _rota = food_bank_event
    past = make_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
    volunteer, newcomer = make_volunteer(), make_volunteer()
    db.session.add(EventRegistration(event_id=past.id, volunteer_id=volunteer.id, status="registered",
                                     check_in_code="PASTCODE"))
    db.session.commit()
    browser = client_for(app, volunteer)
    register(browser, event, food_map.id)

    dashboard = text_of(browser.get("/dashboard", headers=EN))

    panel = dashboard[dashboard.index('id="my-events-heading"'):]
    assert "Autumn hackathon" in panel and f'href="/events/{event.id}/my-code"' in panel
    assert "Registered" in panel and "Spring pitch night" not in dashboard
    assert 'id="my-events-heading"' not in text_of(client_for(app, newcomer).get("/dashboard", headers=EN))

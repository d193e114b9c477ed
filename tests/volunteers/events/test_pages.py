"""Event pages for everyone and for engineers: the list, the event page, the online link, the confirmed
match, the dashboard panel (registering and ranking are in registrations/test_pages.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.db import utcnow
from app.volunteers.models import EventMatch, EventRegistration
from tests.factories import make_claim, make_user, make_volunteer
from tests.helpers import EN, ZH, client_for, text_of
from tests.volunteers.events.samples import make_public_event, register

# --- the list and the event page ------------------------------------------------------------------

def test_the_list_shows_upcoming_events_first_then_past_ones_and_no_drafts(client, db, project):
    make_public_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
    make_public_event(name="Winter online sprint", online=True, city="", location="", capacity=30,
               featured=[project.help_request], online_url="https://meet.example.org/sprint")
    make_public_event(name="Secret draft", status="planned")
    db.session.commit()

    page = text_of(client.get("/events", headers=EN))

    assert page.index("Winter online sprint") < page.index("Past events") < page.index("Spring pitch night")
    assert "Secret draft" not in page
    assert "Online" in page and "30 places free" in page and "1 featured project" in page
    assert "https://meet.example.org" not in page  # the link is for the people coming


def test_everyone_finds_events_in_the_header_and_upcoming_ones_on_the_home_page(app, client, db, project):
    assert 'href="/events"' in text_of(client.get("/", headers=EN))
    assert "Upcoming matching events" not in text_of(client.get("/", headers=EN))

    make_public_event(name="Winter online sprint", featured=[project.help_request])
    db.session.commit()

    make_public_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
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
    event = make_public_event()
    event.starts_at = datetime(2030, 5, 18, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
    event.ends_at = datetime(2030, 5, 18, 13, 30, tzinfo=UTC)
    db.session.commit()

    english = text_of(client.get(f"/events/{event.id}", headers=EN))
    assert "Saturday, May 18, 2030, 2:00\u202fPM–9:30\u202fPM" in english
    chinese = text_of(client.get(f"/events/{event.id}", headers=ZH))
    assert "2030年5月18日星期六" in chinese and "14:00–21:30" in chinese


def test_drafts_answer_404_to_everyone_but_coordinators(app, client, db, project):
    draft = make_public_event(status="planned", name="Not announced yet")
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


# --- at the door and after the event ----------------------------------------------------------------


def test_the_online_link_is_shown_to_registered_engineers_only(app, db, project):
    event = make_public_event(online=True, city="", location="", online_url="https://meet.example.org/autumn",
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
    past = make_public_event(name="Spring pitch night", starts_in=timedelta(days=-60), status="closed")
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

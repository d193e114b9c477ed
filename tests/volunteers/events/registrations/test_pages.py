"""Registration pages: registering and ranking, the waiting list, changing the ranking, the check-in code."""

from __future__ import annotations

import re
from datetime import timedelta

import segno
import sqlalchemy as sa

from app.core.db import utcnow
from app.volunteers.models import EventRegistration, MatchingEvent
from tests.factories import make_volunteer
from tests.helpers import EN, client_for, sign_in, text_of
from tests.volunteers.events.samples import register, registration_of


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

"""Registration services: places and the waiting list, the check-in code, the ranking, check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.volunteers.events import jobs
from app.volunteers.events.registrations import services as registrations
from app.volunteers.models import EventRegistration
from tests.factories import make_request, make_user, make_volunteer
from tests.helpers import audit_actions, emails_to, notification_kinds
from tests.volunteers.events.samples import (
    make_event,
    make_registration,
    registration_of,
    registration_status,
)


def test_past_capacity_engineers_wait_and_the_oldest_moves_up_when_one_cancels(db, coordinator, sent_mail):
    request = make_request(status="open")
    event = make_event(coordinator, capacity=2, requests=[request])
    volunteers = [make_volunteer(name=f"Engineer {n}") for n in range(4)]
    db.session.commit()

    statuses = [registrations.register(event, v, [request.id]).status for v in volunteers]

    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    registrations.cancel_registration(event, volunteers[0])
    assert [registration_status(event, v) for v in volunteers] == [
        "cancelled", "registered", "registered", "waitlisted"]
    # The one who moved up hears of it, in-app and by e-mail; nobody else does.
    assert notification_kinds(volunteers[2]) == ["event_promoted"]
    assert [m.subject for m in emails_to(volunteers[2])] == [
        "A place freed up: you are registered for “Autumn hackathon”"]
    assert notification_kinds(volunteers[3]) == [] and emails_to(volunteers[3]) == []
    assert registration_of(event, volunteers[2]).promoted_at is not None
    # A waiting engineer who cancels frees no place: nobody moves.
    registrations.cancel_registration(event, volunteers[3])
    assert notification_kinds(volunteers[3]) == []
    assert "event.registration_promoted" in audit_actions("event.")


def test_an_engineer_who_turned_event_emails_off_hears_of_moving_up_in_the_app_only(db, coordinator,
                                                                                    sent_mail):
    event = make_event(coordinator, capacity=1)
    first, quiet = make_volunteer(), make_volunteer()
    quiet.email_preferences = {"events": False}
    db.session.commit()
    registrations.register(event, first, [])
    registrations.register(event, quiet, [])

    registrations.cancel_registration(event, first)

    assert registration_status(event, quiet) == "registered"
    assert notification_kinds(quiet) == ["event_promoted"] and emails_to(quiet) == []


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue(db, coordinator):
    event = make_event(coordinator, capacity=1)
    first, second, third = make_volunteer(), make_volunteer(), make_volunteer()
    db.session.commit()
    registrations.register(event, first, [])
    registrations.register(event, second, [])
    code = registration_of(event, first).check_in_code

    registrations.cancel_registration(event, first)  # second moves up
    again = registrations.register(event, first, [])
    registrations.register(event, third, [])

    assert again.status == "waitlisted"
    assert again.check_in_code == code  # the same row, the same code
    assert db.session.scalar(sa.select(sa.func.count(EventRegistration.id))) == 3
    registrations.cancel_registration(event, second)
    # first registered again before third, so first moves up
    assert (registration_status(event, first), registration_status(event, third)) == (
        "registered", "waitlisted")


def test_a_registration_gets_an_unguessable_check_in_code(db, coordinator):
    event = make_event(coordinator, capacity=50)
    volunteers = [make_volunteer() for _ in range(20)]
    db.session.commit()

    codes = [registrations.register(event, v, []).check_in_code for v in volunteers]

    assert len(set(codes)) == 20
    assert all(len(c) == 8 and set(c) <= set(registrations.CODE_ALPHABET) for c in codes)


def test_registering_twice_is_refused(db, coordinator):
    event = make_event(coordinator)
    volunteer = make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [])

    with pytest.raises(Conflict) as refused:
        registrations.register(event, volunteer, [])
    assert refused.value.code == "already_registered"


@pytest.mark.parametrize("role", ["coordinator", "nonprofit"])
def test_only_volunteers_register(db, coordinator, role):
    event = make_event(coordinator)
    db.session.commit()

    with pytest.raises(NotAllowed):
        registrations.register(event, make_user(role), [])


def test_nobody_registers_for_a_draft(db, coordinator):
    event = make_event(coordinator, status="planned")
    db.session.commit()

    with pytest.raises(NotAllowed):
        registrations.register(event, make_volunteer(), [])


def test_preferences_must_be_featured_projects_each_ranked_once(db, coordinator):
    featured, other = make_request(status="open"), make_request(status="open")
    event = make_event(coordinator, requests=[featured])
    volunteer = make_volunteer()
    db.session.commit()

    for ranking in ([other.id], [featured.id, featured.id], "1,2", [True]):
        with pytest.raises(Invalid) as refused:
            registrations.register(event, volunteer, ranking)
        assert set(refused.value.fields) == {"preferences"}
    assert registration_of(event, volunteer) is None
    assert registrations.register(event, volunteer, [featured.id]).preferences == [featured.id]


def test_the_ranking_changes_until_the_deadline_and_not_after(db, coordinator):
    first, second = make_request(status="open"), make_request(status="open")
    event = make_event(coordinator, requests=[first, second],
                       registration_closes_at=utcnow() + timedelta(days=1))
    volunteer = make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [first.id, second.id])

    assert registrations.change_preferences(event, volunteer, [second.id]).preferences == [second.id]

    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        registrations.change_preferences(event, volunteer, [first.id])
    assert refused.value.code == "registration_closed"
    assert registration_of(event, volunteer).preferences == [second.id]
    with pytest.raises(Conflict):
        registrations.register(event, make_volunteer(), [])
    with pytest.raises(Conflict):
        registrations.cancel_registration(event, volunteer)


def test_someone_else_cannot_change_or_cancel_a_registration(db, coordinator):
    event = make_event(coordinator)
    volunteer, other = make_volunteer(), make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [])

    with pytest.raises(NotFound):  # they have no registration of their own to change
        registrations.change_preferences(event, other, [])
    with pytest.raises(NotFound):
        registrations.cancel_registration(event, other)
    assert registration_status(event, volunteer) == "registered"


def test_attendance_by_list_and_by_code(db, coordinator):
    event = make_event(coordinator)
    by_list, by_code = make_volunteer(), make_volunteer()
    db.session.commit()
    registrations.register(event, by_list, [])
    code = registrations.register(event, by_code, []).check_in_code

    registrations.check_in(event, coordinator, user_id=by_list.id)
    registrations.check_in(event, coordinator, check_in_code=code.lower())

    assert registration_of(event, by_list).attended_at is not None
    assert registration_of(event, by_code).attended_at is not None
    assert audit_actions("event.checked_in") == ["event.checked_in", "event.checked_in"]


def test_checking_in_twice_changes_nothing(db, coordinator):
    event = make_event(coordinator)
    volunteer = make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [])
    first = registrations.check_in(event, coordinator, user_id=volunteer.id).attended_at

    again = registrations.check_in(event, coordinator, user_id=volunteer.id)

    assert again.attended_at == first
    assert audit_actions("event.checked_in") == ["event.checked_in"]


def test_an_unknown_code_or_person_is_named(db, coordinator):
    event = make_event(coordinator)
    stranger = make_volunteer()
    db.session.commit()

    with pytest.raises(Invalid) as refused:
        registrations.check_in(event, coordinator, check_in_code="ZZZZZZZZ")
    assert set(refused.value.fields) == {"check_in_code"}
    with pytest.raises(Invalid) as refused:
        registrations.check_in(event, coordinator, user_id=stranger.id)
    assert set(refused.value.fields) == {"user_id"}


def test_a_waiting_engineer_who_turns_up_takes_a_free_place_or_stays_waiting(db, coordinator):
    event = make_event(coordinator, capacity=1)
    registered, waiting, other = make_volunteer(), make_volunteer(), make_volunteer()
    db.session.commit()
    registrations.register(event, registered, [])
    registrations.register(event, waiting, [])

    stays = registrations.check_in(event, coordinator, user_id=waiting.id)
    assert (stays.status, stays.attended_at is not None) == ("waitlisted", True)

    # A place free that nobody took yet (the capacity raised straight in the database).
    event.capacity = 2
    make_registration(event, other, status="waitlisted", code="ABCDEFGH")
    db.session.commit()
    moved = registrations.check_in(event, coordinator, check_in_code="ABCD-EFGH")
    assert (moved.status, moved.promoted_at is not None) == ("registered", True)


def test_only_coordinators_check_people_in(db, coordinator):
    event = make_event(coordinator)
    volunteer = make_volunteer()
    db.session.commit()
    registrations.register(event, volunteer, [])

    with pytest.raises(NotAllowed):
        registrations.check_in(event, volunteer, user_id=volunteer.id)
    assert registration_of(event, volunteer).attended_at is None


def test_a_move_up_notice_for_a_registration_cancelled_meanwhile_sends_nothing(db, coordinator):
    event = make_event(coordinator)
    volunteer = make_volunteer()
    db.session.commit()
    registration = registrations.register(event, volunteer, [])
    registration.status = "cancelled"
    db.session.commit()

    assert jobs.send_event_notice("promoted", registration.id) == 0
    assert notification_kinds(volunteer) == [] and emails_to(volunteer) == []

"""Claim services: claiming, every transition (allowed and refused), seats, limits, timeline and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed
from app.volunteers.claims import services
from app.volunteers.claims import status as claim_status
from app.volunteers.claims.status import TRANSITIONS, commitment_end
from app.volunteers.models import CLAIM_STATUSES, Claim
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import audit_actions, timeline_kinds

pytestmark = pytest.mark.usefixtures("english")


def claim_seat(project, volunteer, **fields):
    values = {"role": "member", "hours_per_week": 4, "message": "Evenings and weekends."}
    values.update(fields)
    return services.create_claim(project.help_request, volunteer, **values)


def test_a_claim_waits_for_the_organisation_and_takes_no_seat(project, volunteer):
    claim = claim_seat(project, volunteer, role="lead", commitment_months=6)

    assert claim.status == "pending"
    assert (claim.role, claim.hours_per_week, claim.commitment_months) == ("lead", 4, 6)
    help_request = project.reload()
    assert help_request.seats_taken == 0 and help_request.status == "open"
    assert timeline_kinds(help_request) == ["claim_submitted"]
    assert audit_actions("claim.") == ["claim.submitted"]


def test_an_auto_accept_request_seats_the_volunteer_at_once_and_starts_work(db, project, volunteer):
    project.help_request.auto_accept = True
    db.session.commit()

    claim = claim_seat(project, volunteer)

    assert claim.status == "accepted"
    assert claim.ends_on == commitment_end(utcnow().date(), 3)
    help_request = project.reload()
    assert (help_request.seats_taken, help_request.status) == (1, "in_progress")
    assert timeline_kinds(help_request) == ["claim_submitted", "claim_accepted", "status_changed"]
    assert audit_actions("claim.") == ["claim.submitted", "claim.accepted"]


def test_auto_accept_refuses_a_claim_when_every_seat_is_taken(db, project, volunteer):
    project.help_request.auto_accept = True
    project.help_request.team_size = 1
    make_claim(project.help_request, make_volunteer(), status="accepted")
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        claim_seat(project, volunteer)

    assert refused.value.code == "no_seat_free"
    assert "seat" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).where(Claim.volunteer_id == volunteer.id)) == 0
    assert timeline_kinds(project.reload()) == []  # nothing half-written


@pytest.mark.parametrize("status", ["draft", "intake", "in_review", "delivered", "withdrawn"])
def test_volunteer_cannot_claim_a_request_that_is_not_open(db, volunteer, status):
    help_request = make_request(status=status)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.create_claim(help_request, volunteer, hours_per_week=4)
    assert refused.value.code == "request_not_open"


def test_a_request_in_progress_still_takes_claims(db, volunteer):
    help_request = make_request(status="in_progress", team_size=3)
    db.session.commit()
    assert services.create_claim(help_request, volunteer, hours_per_week=4).status == "pending"


def test_one_live_claim_per_volunteer_and_request(project, volunteer):
    claim_seat(project, volunteer)
    with pytest.raises(Conflict) as refused:
        claim_seat(project, volunteer)
    assert refused.value.code == "already_claimed"
    assert "already have a claim" in refused.value.message


def test_a_volunteer_may_claim_again_after_withdrawing(project, volunteer):
    first = claim_seat(project, volunteer)
    services.withdraw_claim(first, volunteer)
    again = claim_seat(project, volunteer)
    assert again.id != first.id and again.status == "pending"


def test_staff_and_coordinators_do_not_claim_seats(project):
    with pytest.raises(NotAllowed):
        claim_seat(project, project.staff)
    with pytest.raises(NotAllowed):
        claim_seat(project, project.coordinator)


def test_live_claims_are_limited_by_configuration(app, db, volunteer):
    requests = [make_request(status="open") for _ in range(4)]
    db.session.commit()
    for help_request in requests[:3]:
        services.create_claim(help_request, volunteer, hours_per_week=2)

    with pytest.raises(Conflict) as refused:
        services.create_claim(requests[3], volunteer, hours_per_week=2)

    assert refused.value.code == "live_claim_limit"
    assert "3 live claims" in refused.value.message
    app.config["LIVE_CLAIM_LIMIT"] = 4
    try:
        assert services.create_claim(requests[3], volunteer, hours_per_week=2).status == "pending"
    finally:
        app.config["LIVE_CLAIM_LIMIT"] = 3


def test_closed_claims_do_not_count_against_the_limit(db, volunteer):
    for status in ("declined", "withdrawn", "completed", "expired"):
        make_claim(make_request(status="open"), volunteer, status=status)
    fresh = [make_request(status="open") for _ in range(3)]
    db.session.commit()
    for help_request in fresh:
        assert services.create_claim(help_request, volunteer, hours_per_week=2).status == "pending"


def test_hours_committed_stay_within_the_profile(db, volunteer):
    first, second = make_request(status="open"), make_request(status="open")
    db.session.commit()
    services.create_claim(first, volunteer, hours_per_week=7)  # the profile offers 10

    with pytest.raises(Invalid) as refused:
        services.create_claim(second, volunteer, hours_per_week=4)

    message = refused.value.fields["hours_per_week"]
    assert "10 hours" in message and "at most 3 more" in message
    assert services.create_claim(second, volunteer, hours_per_week=3).hours_per_week == 3


def test_every_hour_promised_says_so(db):
    volunteer = make_volunteer(hours_per_week=4)
    first, second = make_request(status="open"), make_request(status="open")
    db.session.commit()
    services.create_claim(first, volunteer, hours_per_week=4)
    with pytest.raises(Invalid) as refused:
        services.create_claim(second, volunteer, hours_per_week=1)
    assert "take them all" in refused.value.fields["hours_per_week"]


def test_a_volunteer_without_a_profile_is_held_to_no_stated_hours(project):
    bare = make_user("volunteer")
    assert claim_seat(project, bare, hours_per_week=20).status == "pending"


@pytest.mark.parametrize(("fields", "field"), [
    ({"role": "boss"}, "role"),
    ({"hours_per_week": 0}, "hours_per_week"),
    ({"hours_per_week": 41}, "hours_per_week"),
    ({"commitment_months": 2}, "commitment_months"),
    ({"message": "x" * 20_001}, "message"),
    ({"message": "nul\x00"}, "message"),
])
def test_claim_input_is_checked_and_named(project, volunteer, fields, field):
    with pytest.raises(Invalid) as refused:
        claim_seat(project, volunteer, **fields)
    assert field in refused.value.fields


# --- transitions ---------------------------------------------------------------------------------

def test_the_transition_table_covers_every_status():
    assert set(TRANSITIONS) == set(CLAIM_STATUSES)
    for nexts in TRANSITIONS.values():
        assert nexts <= set(CLAIM_STATUSES)


ALLOWED = [(current, to) for current, nexts in TRANSITIONS.items() for to in sorted(nexts)]


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_every_allowed_claim_transition_moves_seats_and_lands_on_the_timeline(db, project, current, to):
    help_request = project.help_request
    if current == "accepted":
        help_request.status = "in_progress"
    claim = make_claim(help_request, make_volunteer(), status=current)
    db.session.commit()
    seats_before = help_request.seats_taken

    claim_status.transition(claim, to, by=project.coordinator, note="A note.")
    db.session.commit()

    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert claim.status == to
    expected_seats = seats_before + (1 if to == "accepted" else -1 if current == "accepted" else 0)
    assert project.reload().seats_taken == expected_seats
    assert f"claim_{to}" in timeline_kinds(help_request)
    assert audit_actions("claim.") == [f"claim.{to}"]
    if to != "accepted":
        assert claim.closed_at is not None


@pytest.mark.parametrize("current", CLAIM_STATUSES)
def test_every_other_claim_transition_is_refused_with_a_reason(db, project, current):
    project.help_request.team_size = len(CLAIM_STATUSES)  # room for every accepted claim made below
    for to in CLAIM_STATUSES:
        if to in TRANSITIONS[current]:
            continue
        claim = make_claim(project.help_request, make_volunteer(), status=current)
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            claim_status.transition(claim, to, by=project.coordinator)
        db.session.rollback()
        assert refused.value.code == "invalid_claim_transition"
        assert refused.value.message
        assert db.session.get(Claim, claim.id).status == current
    assert audit_actions("claim.") == []


def test_a_claim_answered_meanwhile_is_not_answered_twice(app, db, project, volunteer):
    from app.core.models import User

    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    assert claim.status == "pending"  # this session read it waiting
    with app.app_context():  # another request, with its own session, declines it first
        services.decline_claim(db.session.get(Claim, claim.id), db.session.get(User, project.staff.id))

    with pytest.raises(Conflict) as refused:
        services.accept_claim(claim, project.coordinator)

    assert refused.value.code == "claim_changed"
    assert "Declined" in refused.value.message
    assert db.session.get(Claim, claim.id).status == "declined"
    assert project.reload().seats_taken == 0


def test_first_accepted_claim_starts_work_and_the_last_one_leaving_reopens(db, project):
    first, second = make_claim(project.help_request, make_volunteer()), make_claim(
        project.help_request, make_volunteer())
    db.session.commit()

    services.accept_claim(first, project.staff)
    assert project.reload().status == "in_progress"
    services.accept_claim(second, project.staff)
    help_request = project.reload()
    assert (help_request.status, help_request.seats_taken) == ("in_progress", 2)

    services.withdraw_claim(db.session.get(Claim, first.id), first.volunteer)
    assert project.reload().status == "in_progress"  # one volunteer still on the team
    services.release_claim(db.session.get(Claim, second.id), project.coordinator, "Went quiet.")
    help_request = project.reload()
    assert (help_request.status, help_request.seats_taken) == ("open", 0)
    assert timeline_kinds(help_request).count("status_changed") == 2


def test_accept_refuses_when_every_seat_is_taken(db, project):
    project.help_request.team_size = 1
    accepted = make_claim(project.help_request, make_volunteer(), status="accepted")
    waiting = make_claim(project.help_request, make_volunteer())
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.accept_claim(waiting, project.staff)
    assert refused.value.code == "no_seat_free"
    assert db.session.get(Claim, waiting.id).status == "pending"
    assert accepted.status == "accepted"


def test_accept_refuses_on_a_withdrawn_request(db, project):
    waiting = make_claim(project.help_request, make_volunteer())
    project.help_request.status = "withdrawn"
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.accept_claim(waiting, project.staff)
    assert refused.value.code == "request_not_open"


def test_a_volunteer_cannot_accept_their_own_claim(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.accept_claim(claim, volunteer)


def test_only_staff_and_coordinators_answer_claims(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    other_staff = make_user("nonprofit")
    db.session.commit()
    for outsider in (other_staff, make_volunteer()):
        with pytest.raises(NotAllowed):
            services.decline_claim(claim, outsider)
    services.decline_claim(claim, project.coordinator, "The team is complete.")
    assert claim.decision_note == "The team is complete."


def test_only_the_volunteer_withdraws_and_only_coordinators_release(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.withdraw_claim(claim, project.staff)
    with pytest.raises(NotAllowed):
        services.release_claim(claim, project.staff)
    with pytest.raises(NotAllowed):
        services.release_claim(claim, volunteer)


def test_renewing_extends_the_commitment_from_its_end(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer, status="accepted", commitment_months=3)
    end = utcnow().date() + timedelta(days=5)
    claim.ends_on = end
    claim.renewal_asked_at = utcnow()
    db.session.commit()

    services.renew_claim(claim, volunteer, 6)

    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert claim.ends_on == commitment_end(end, 6)
    assert (claim.commitment_months, claim.renewal_asked_at) == (6, None)
    assert "claim_renewed" in timeline_kinds(project.help_request)
    assert audit_actions("claim.") == ["claim.renewed"]


def test_renewal_needs_an_accepted_claim_and_a_known_period(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    with pytest.raises(Invalid):
        services.renew_claim(claim, volunteer, 5)
    with pytest.raises(Conflict):
        services.renew_claim(claim, volunteer)


def test_concluding_frees_the_seat_keeps_the_exit_note_and_asks_for_it(db, project, volunteer):
    project.help_request.status = "in_progress"
    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        services.conclude_claim(claim, volunteer, "  ")
    assert "exit_note" in refused.value.fields

    services.conclude_claim(claim, volunteer, "The map works; routing is half-way, see the README.")

    claim = db.session.get(Claim, claim.id)
    assert claim.status == "completed"
    assert claim.exit_note.startswith("The map works")
    assert project.reload().seats_taken == 0


def test_a_team_that_handed_over_keeps_its_seats_when_its_claims_complete(db, project, volunteer):
    claim = make_claim(project.help_request, volunteer, status="accepted")
    project.help_request.status = "in_review"
    db.session.commit()
    claim_status.transition(claim, "completed", by=project.staff)
    db.session.commit()
    assert project.reload().seats_taken == 1


def test_a_commitment_ends_on_the_same_day_or_the_last_of_a_shorter_month():
    from datetime import date

    assert commitment_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert commitment_end(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert commitment_end(date(2026, 5, 20), 12) == date(2027, 5, 20)


def test_a_team_member_is_known_to_the_requests_policy(db, project, volunteer):
    from app.requests.policy import is_team_member

    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    assert not is_team_member(volunteer, project.help_request)
    services.accept_claim(claim, project.staff)
    assert is_team_member(volunteer, project.help_request)

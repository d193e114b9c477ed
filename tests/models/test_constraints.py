"""The rules the database itself enforces, so no code path (or race) can break them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core.models import Skill
from app.requests.models import HelpRequest, Membership, Organization
from app.volunteers.models import CheckIn, Claim, Review, VolunteerProfile
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer


@pytest.fixture
def open_request(db) -> HelpRequest:
    return make_request(status="open", team_size=2)


def refused(db, action) -> None:
    """Run `action` and check the database refuses it; leave the session usable."""
    with pytest.raises(IntegrityError), db.session.begin_nested():
        action()
        db.session.flush()


@pytest.mark.parametrize("first", ["pending", "accepted"])
@pytest.mark.parametrize("second", ["pending", "accepted"])
def test_volunteer_cannot_hold_two_live_claims_on_one_request(db, open_request, first, second):
    volunteer = make_volunteer()
    make_claim(open_request, volunteer, status=first)

    refused(db, lambda: make_claim(open_request, volunteer, status=second))

    live = db.session.scalar(sa.select(sa.func.count()).select_from(Claim).where(
        Claim.volunteer_id == volunteer.id, Claim.status.in_(["pending", "accepted"])))
    assert live == 1


@pytest.mark.parametrize("closed", ["withdrawn", "declined", "released", "completed", "expired"])
def test_volunteer_may_claim_again_after_an_earlier_claim_closed(db, open_request, closed):
    volunteer = make_volunteer()
    make_claim(open_request, volunteer, status=closed)

    again = make_claim(open_request, volunteer, status="pending")
    db.session.commit()

    assert again.id is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 2


def test_two_volunteers_may_each_hold_a_live_claim(db, open_request):
    make_claim(open_request, make_volunteer(), status="accepted")
    make_claim(open_request, make_volunteer(), status="pending")
    db.session.commit()
    assert open_request.seats_taken == 1
    assert open_request.seats_free == 1


def test_accepted_claims_cannot_take_more_seats_than_the_team_has(db):
    request = make_request(status="open", team_size=1)
    make_claim(request, make_volunteer(), status="accepted")
    db.session.commit()

    refused(db, lambda: make_claim(request, make_volunteer(), status="accepted"))

    db.session.rollback()
    assert db.session.get(HelpRequest, request.id).seats_taken == 1


def test_seat_counter_cannot_go_past_team_size_even_with_a_raw_update(db):
    request = make_request(status="open", team_size=2, seats_taken=2)
    db.session.commit()
    grab_seat = sa.update(HelpRequest).where(HelpRequest.id == request.id).values(
        seats_taken=HelpRequest.seats_taken + 1)

    refused(db, lambda: db.session.execute(grab_seat))
    # The claim services' conditional update simply matches no row when the team is full.
    conditional = db.session.execute(grab_seat.where(HelpRequest.seats_taken < HelpRequest.team_size))
    assert conditional.rowcount == 0


def test_seat_counter_cannot_go_negative(db, open_request):
    refused(db, lambda: setattr(open_request, "seats_taken", -1))


def test_team_needs_at_least_one_seat(db):
    refused(db, lambda: make_request(status="open", team_size=0))


@pytest.mark.parametrize(("make", "column", "value"), [
    (lambda: make_request(status="draft"), "status", "archived"),
    (lambda: make_request(status="draft"), "checkin_cadence", "daily"),
    (lambda: make_org(), "verification", "approved"),
    (lambda: make_claim(make_request(), make_volunteer()), "status", "cancelled"),
    (lambda: make_claim(make_request(), make_volunteer()), "role", "owner"),
    (lambda: make_claim(make_request(), make_volunteer()), "commitment_months", 2),
], ids=["request-status", "request-cadence", "org-verification", "claim-status", "claim-role",
        "claim-commitment"])
def test_unknown_state_values_are_refused(db, make, column, value):
    obj = make()
    db.session.commit()
    refused(db, lambda: setattr(obj, column, value))


def test_unknown_check_in_status_is_refused(db):
    request = make_request(status="in_progress")
    author = make_volunteer()
    refused(db, lambda: db.session.add(CheckIn(request_id=request.id, author_id=author.id,
                                                summary="Done", status="fine")))


def test_duplicate_membership_is_refused(db):
    staff = make_user("nonprofit")
    org = make_org(members=[staff])
    db.session.commit()

    refused(db, lambda: db.session.add(Membership(organization_id=org.id, user_id=staff.id)))

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 1


def test_volunteer_hours_stay_within_a_week(db):
    volunteer = make_volunteer(hours_per_week=10)
    profile = db.session.get(VolunteerProfile, volunteer.id)
    refused(db, lambda: setattr(profile, "hours_per_week", 81))


def test_review_names_exactly_one_subject(db):
    request = make_request(status="delivered")
    author = request.organization.memberships[0].user
    volunteer = make_volunteer()

    def both():
        db.session.add(Review(request_id=request.id, author_id=author.id, rating=5,
                              subject_user_id=volunteer.id, subject_organization_id=request.organization_id))

    def neither():
        db.session.add(Review(request_id=request.id, author_id=author.id, rating=5))

    refused(db, both)
    refused(db, neither)


def test_one_review_per_author_and_subject(db):
    request = make_request(status="delivered")
    staff = request.organization.memberships[0].user
    volunteer = make_volunteer()
    db.session.add(Review(request_id=request.id, author_id=staff.id, subject_user_id=volunteer.id, rating=5))
    db.session.add(Review(request_id=request.id, author_id=volunteer.id,
                          subject_organization_id=request.organization_id, rating=4))
    db.session.commit()

    refused(db, lambda: db.session.add(Review(request_id=request.id, author_id=staff.id,
                                              subject_user_id=volunteer.id, rating=3)))
    refused(db, lambda: db.session.add(Review(request_id=request.id, author_id=volunteer.id,
                                              subject_organization_id=request.organization_id, rating=2)))


def test_factories_build_a_request_as_its_status_implies(db):
    request = make_request(status="in_progress", team_size=3, skills=["python", "wechat-mini-program"])
    make_claim(request, make_volunteer(skills={"python": 4}), status="accepted", role="lead")
    db.session.commit()

    assert request.organization.is_verified
    assert request.submitted_at is not None and request.published_at is not None
    assert request.delivered_at is None
    assert request.current_spec is not None and request.current_spec.version == 1
    assert [s.slug for s in request.skills] == ["python", "wechat-mini-program"]
    assert request.seats_taken == 1 and request.seats_free == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Skill)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1

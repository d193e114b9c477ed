"""Event services during the event: running the engine (all or nothing, locked matches kept), moving and
locking people on the board, and confirming matches as accepted claims."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotAllowed
from app.extensions import db as database
from app.volunteers.events.board import services as board
from app.volunteers.events.registrations import services as registrations
from app.volunteers.models import Claim, EventMatch, MatchingEvent
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import audit_actions, emails_to, fresh, notification_kinds, timeline_kinds
from tests.volunteers.events.samples import make_event, make_registration

pytestmark = pytest.mark.usefixtures("english")


class Room:
    """An event under way: two featured requests (2 seats for Python, 1 for design), four engineers checked
    in and one registered who did not come."""

    def __init__(self) -> None:
        self.coordinator = make_user("coordinator", name="Coordinator Chen")
        self.food_bank = make_request(status="open", team_size=2, skills=["python"], title="Food bank map")
        self.clinic = make_request(status="open", team_size=1, skills=["ui-design"], title="Clinic forms")
        self.event = make_event(self.coordinator, status="registration",
                                requests=[self.food_bank, self.clinic])
        now = utcnow()
        self.pythonistas = [make_volunteer(name=f"Py {n}", skills={"python": 4 - n}, hours_per_week=8)
                            for n in range(2)]
        self.designer = make_volunteer(name="Designer", skills={"ui-design": 5}, hours_per_week=6)
        self.spare = make_volunteer(name="Spare", skills={"python": 1}, hours_per_week=4)
        self.absent = make_volunteer(name="Absent", skills={"python": 5})
        for person in [*self.pythonistas, self.designer, self.spare]:
            make_registration(self.event, person, attended_at=now,
                              preferences=[self.food_bank.id, self.clinic.id])
        make_registration(self.event, self.absent, preferences=[self.food_bank.id])
        database.session.commit()

    @property
    def attending(self):
        return [*self.pythonistas, self.designer, self.spare]


@pytest.fixture
def room(db) -> Room:
    return Room()


def placements(event) -> dict[int, int]:
    database.session.expire_all()
    return dict(database.session.execute(sa.select(EventMatch.volunteer_id, EventMatch.request_id)
                                         .where(EventMatch.event_id == event.id)).all())


def test_a_run_proposes_seats_for_the_people_checked_in(room):
    matches = board.run_matching(room.event, room.coordinator)

    placed = placements(room.event)
    assert placed == {m.volunteer_id: m.request_id for m in matches}
    assert room.absent.id not in placed  # registered but not checked in
    per_request = Counter(placed.values())
    assert per_request[room.food_bank.id] <= 2 and per_request[room.clinic.id] <= 1
    assert placed[room.designer.id] == room.clinic.id
    assert {placed[p.id] for p in room.pythonistas} == {room.food_bank.id}
    assert all(m.reasons for m in matches)
    event = fresh(MatchingEvent, room.event.id)
    assert (event.status, event.version) == ("matching", 2)
    assert event.matched_at is not None
    assert str(room.spare.id) in event.matching_notes["unmatched"]  # 3 seats, 4 people: one says why
    assert event.matching_notes["unmatched"][str(room.spare.id)]
    assert audit_actions("event.") == ["event.matching", "event.matched"]


@pytest.mark.parametrize("role", ["volunteer", "nonprofit"])
def test_only_coordinators_run_move_lock_and_confirm(room, role):
    someone = make_user(role)
    database.session.commit()

    for call in (lambda: board.run_matching(room.event, someone),
                 lambda: board.move_match(room.event, someone, room.spare.id, room.clinic.id),
                 lambda: board.set_locked(room.event, someone, room.spare.id, True),
                 lambda: board.confirm_matches(room.event, someone)):
        with pytest.raises(NotAllowed):
            call()
    assert placements(room.event) == {}
    assert database.session.scalar(sa.select(sa.func.count(Claim.id))) == 0


def test_a_run_keeps_locked_pairs_and_the_next_run_keeps_them_too(room):
    board.run_matching(room.event, room.coordinator, locked=[(room.spare.id, room.clinic.id)])

    placed = placements(room.event)
    assert placed[room.spare.id] == room.clinic.id
    assert room.designer.id not in placed  # the clinic's one seat went to the locked engineer
    locked = database.session.scalar(sa.select(EventMatch).where(EventMatch.volunteer_id == room.spare.id))
    assert locked.locked is True

    board.run_matching(room.event, room.coordinator)  # no locks given: the board's lock stays
    assert placements(room.event)[room.spare.id] == room.clinic.id
    assert fresh(MatchingEvent, room.event.id).version == 3


def test_locked_pairs_are_checked(room):
    for locked in ([(room.absent.id, room.clinic.id)],  # not checked in
                   [(room.spare.id, 999_999)],  # not featured
                   [(room.spare.id, room.clinic.id), (room.spare.id, room.food_bank.id)],  # twice
                   [("x", room.clinic.id)]):
        with pytest.raises(Invalid) as refused:
            board.run_matching(room.event, room.coordinator, locked=locked)
        assert set(refused.value.fields) == {"locked"}
    staff = room.clinic.organization.memberships[0].user
    make_registration(room.event, staff, attended_at=utcnow())
    database.session.commit()
    with pytest.raises(Invalid):  # their own organisation's request
        board.run_matching(room.event, room.coordinator, locked=[(staff.id, room.clinic.id)])
    assert placements(room.event) == {}
    assert fresh(MatchingEvent, room.event.id).version == 1


def test_a_run_needs_a_published_event_that_has_not_ended(room):
    for status in ("planned", "closed"):
        room.event.status = status
        database.session.commit()
        with pytest.raises(Conflict) as refused:
            board.run_matching(room.event, room.coordinator)
        assert refused.value.code == "event_not_live"


def test_moving_a_person_makes_a_locked_proposal_that_the_next_run_keeps(room):
    board.run_matching(room.event, room.coordinator)
    assert room.spare.id not in placements(room.event)

    with pytest.raises(Conflict) as full:  # the clinic's only seat is proposed to the designer
        board.move_match(room.event, room.coordinator, room.spare.id, room.clinic.id)
    assert full.value.code == "no_seat_free"
    board.move_match(room.event, room.coordinator, room.designer.id, None)
    moved = board.move_match(room.event, room.coordinator, room.spare.id, room.clinic.id)

    assert (moved.request_id, moved.locked, moved.reasons) == (room.clinic.id, True, [{"code": "locked"}])
    board.run_matching(room.event, room.coordinator)
    placed = placements(room.event)
    assert placed[room.spare.id] == room.clinic.id
    assert room.designer.id not in placed  # the only design seat is locked to someone else


def test_unlocking_lets_the_next_run_decide_again(room):
    board.run_matching(room.event, room.coordinator, locked=[(room.spare.id, room.clinic.id)])

    board.set_locked(room.event, room.coordinator, room.spare.id, False)
    board.run_matching(room.event, room.coordinator)

    assert placements(room.event)[room.designer.id] == room.clinic.id


def test_confirming_turns_proposals_into_accepted_claims_and_tells_each_engineer(room, sent_mail):
    board.run_matching(room.event, room.coordinator)

    result = board.confirm_matches(room.event, room.coordinator)

    assert result.conflicts == []
    assert len(result.confirmed) == 3
    claims = {c.volunteer_id: c for c in database.session.scalars(sa.select(Claim))}
    assert set(claims) == set(placements(room.event))
    assert {c.status for c in claims.values()} == {"accepted"}
    designer_claim = claims[room.designer.id]
    assert (designer_claim.request_id, designer_claim.hours_per_week) == (room.clinic.id, 6)
    match = database.session.scalar(sa.select(EventMatch).where(EventMatch.volunteer_id == room.designer.id))
    assert (match.claim_id, match.confirmed_at is not None) == (designer_claim.id, True)
    assert fresh(MatchingEvent, room.event.id).status == "confirmed"
    food_bank = database.session.get(type(room.food_bank), room.food_bank.id)
    assert (food_bank.seats_taken, food_bank.status) == (2, "in_progress")
    assert "claim_accepted" in timeline_kinds(food_bank)
    # The engineer hears once, naming the project and its organisation; the staff hear someone joined.
    assert notification_kinds(room.designer) == ["event_match_confirmed"]
    mail = emails_to(room.designer)
    assert [m.subject for m in mail] == ["You are on the team of “Clinic forms”"]
    assert room.clinic.organization.name in mail[0].body_text
    staff = room.clinic.organization.memberships[0].user
    assert "claim_joined" in notification_kinds(staff)

    again = board.confirm_matches(room.event, room.coordinator)  # nothing left to confirm
    assert (again.confirmed, again.conflicts) == ([], [])


def test_a_seat_taken_meanwhile_is_reported_and_the_other_pairs_stand(room):
    board.run_matching(room.event, room.coordinator)
    make_claim(room.clinic, make_volunteer(), status="accepted")  # an ordinary claim filled the clinic
    database.session.commit()

    result = board.confirm_matches(room.event, room.coordinator)

    assert [(u, r) for u, r, _why in result.conflicts] == [(room.designer.id, room.clinic.id)]
    assert "Every seat on this team is taken" in result.conflicts[0][2]
    assert len(result.confirmed) == 2
    assert database.session.get(type(room.clinic), room.clinic.id).seats_taken == 1
    assert database.session.scalar(sa.select(sa.func.count(Claim.id)).where(Claim.volunteer_id.in_(
        [p.id for p in room.pythonistas]), Claim.status == "accepted")) == 2


def test_confirming_chosen_pairs_only_and_naming_pairs_that_are_not_proposed(room):
    board.run_matching(room.event, room.coordinator)

    result = board.confirm_matches(room.event, room.coordinator,
                                      [(room.designer.id, room.clinic.id), (room.spare.id, room.clinic.id)])

    assert [m.volunteer_id for m in result.confirmed] == [room.designer.id]
    assert [(u, r) for u, r, _why in result.conflicts] == [(room.spare.id, room.clinic.id)]
    assert database.session.scalar(sa.select(sa.func.count(Claim.id))) == 1


def test_a_run_after_confirming_keeps_the_confirmed_matches(room):
    board.run_matching(room.event, room.coordinator)
    board.confirm_matches(room.event, room.coordinator, [(room.designer.id, room.clinic.id)])

    board.run_matching(room.event, room.coordinator)

    placed = placements(room.event)
    assert placed[room.designer.id] == room.clinic.id
    confirmed = database.session.scalar(
        sa.select(EventMatch).where(EventMatch.volunteer_id == room.designer.id))
    assert confirmed.confirmed_at is not None
    assert Counter(placed.values())[room.clinic.id] == 1  # its seat is taken by the confirmed claim
    assert fresh(MatchingEvent, room.event.id).status == "matching"


def test_cancelling_is_refused_once_the_match_is_a_claim(room):
    board.run_matching(room.event, room.coordinator)
    board.confirm_matches(room.event, room.coordinator, [(room.designer.id, room.clinic.id)])
    board.run_matching(room.event, room.coordinator)  # back to matching: sign-ups open again

    with pytest.raises(Conflict) as refused:
        registrations.cancel_registration(room.event, room.designer)
    assert refused.value.code == "match_confirmed"

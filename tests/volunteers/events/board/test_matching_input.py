"""The engine's input from the database (app.volunteers.events.board.queries.matching_input)."""

from __future__ import annotations

from datetime import timedelta

from app.core.db import utcnow
from app.requests.models import Membership
from app.volunteers.events.board.matching import propose
from app.volunteers.events.board.queries import matching_input
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import count_statements
from tests.volunteers.events.samples import make_event, make_registration


def test_matching_input_reads_attending_engineers_and_open_featured_requests(db):
    coordinator = make_user("coordinator")
    food_bank = make_org(members=[make_user("nonprofit")], region="北京")
    shelter = make_org(members=[make_user("nonprofit")], region="Europe/London")
    lead = make_volunteer(skills={"python": 5}, hours_per_week=10)
    # Open, two of three seats free, a lead already on it (bringing Python); Chinese words.
    donors = make_request(food_bank, status="open", team_size=3, skills=["python", "postgresql"],
                          title="食物捐赠地图", problem="我们用纸记录捐赠。", effort_hours=120,
                          deadline=(utcnow() + timedelta(days=56)).date())
    make_claim(donors, lead, status="accepted", role="lead", hours=5)
    # In progress, English, no deadline, no lead yet.
    rota = make_request(shelter, status="in_progress", team_size=2, skills=["react"],
                        title="Volunteer rota", problem="Shifts are planned on paper.", effort_hours=60)
    full = make_request(food_bank, status="open", team_size=1, skills=["python"])
    make_claim(full, make_volunteer(), status="accepted")
    withdrawn = make_request(food_bank, status="withdrawn", skills=["python"])
    not_featured = make_request(food_bank, status="open", skills=["python"])
    event = make_event(coordinator, status="matching", requests=[donors, rota, full, withdrawn])

    checked_in = utcnow()
    ann = make_volunteer(skills={"python": 4, "react": 2}, hours_per_week=10, languages=["zh", "en"],
                         timezone="Europe/London")
    make_claim(donors, ann, status="pending", hours=4)  # on donors already; 4 of her 10 hours taken
    make_claim(not_featured, ann, status="accepted", hours=3)
    make_registration(event, ann, preferences=[rota.id, donors.id], attended_at=checked_in)
    staff = make_volunteer(skills={"react": 5}, hours_per_week=6, languages=["en"])
    db.session.add(Membership(organization_id=shelter.id, user_id=staff.id, role="member"))
    make_registration(event, staff, preferences=[rota.id], attended_at=checked_in)
    blocked = make_volunteer(skills={"python": 5})
    blocked.is_blocked = True
    make_registration(event, blocked, attended_at=checked_in)
    make_registration(event, make_volunteer(skills={"python": 5}))  # registered, not checked in
    for status in ("waitlisted", "cancelled"):
        make_registration(event, make_volunteer(skills={"python": 5}), status=status, attended_at=checked_in)
    db.session.commit()
    db.session.refresh(event)  # the read below is what the engine's input costs, not reloading the event

    with count_statements() as statements:
        candidates, projects = matching_input(event)

    assert len(statements) <= 7
    assert [c.user_id for c in candidates] == sorted([ann.id, staff.id, blocked.id])
    by_id = {c.user_id: c for c in candidates}
    skill_ids = {p.request_id: dict(zip(p.skill_slugs, p.skills, strict=True)) for p in projects}
    python_id, react_id = skill_ids[donors.id]["python"], skill_ids[rota.id]["react"]

    first = by_id[ann.id]
    assert first.hours_free == 3  # 10 - 4 (pending) - 3 (accepted elsewhere)
    assert first.skills == {python_id: 4, react_id: 2}
    assert first.languages == frozenset({"zh", "en"})
    assert first.utc_offset_hours == 0.0  # London in December
    assert first.preferences == (rota.id, donors.id)
    assert first.excluded == frozenset({donors.id})
    assert by_id[staff.id].excluded == frozenset({rota.id})  # staff of the shelter
    assert by_id[staff.id].utc_offset_hours == 8.0  # the default zone, Asia/Shanghai
    assert by_id[blocked.id].excluded == frozenset({donors.id, rota.id})  # a blocked account joins nothing

    assert [p.request_id for p in projects] == sorted([donors.id, rota.id])
    first_project, second_project = sorted(projects, key=lambda p: p.request_id != donors.id)
    assert first_project.seats_free == 2 and first_project.team_size == 3
    assert first_project.skill_slugs == ("postgresql", "python")
    assert first_project.covered == frozenset({python_id})
    assert first_project.needs_lead is False
    assert first_project.effort_hours == 120 and first_project.weeks == 8
    assert first_project.languages == frozenset({"zh"})
    assert first_project.utc_offset_hours == 8.0
    assert second_project.needs_lead is True and second_project.weeks is None
    assert second_project.languages == frozenset({"en"})
    assert second_project.utc_offset_hours == 0.0  # the shelter's region is a time zone

    proposal = propose(candidates, projects)
    assert {(p.user_id, p.request_id) for p in proposal.placements} == {(ann.id, rota.id)}
    assert proposal.unmatched[blocked.id] == ({"code": "excluded_everywhere"},)


def test_matching_input_costs_the_same_queries_for_many_engineers(db):
    coordinator = make_user("coordinator")
    requests = [make_request(status="open", team_size=2, skills=["python", "react"]) for _ in range(3)]
    event = make_event(coordinator, status="matching", requests=requests)

    def add_engineers(count: int) -> None:
        for n in range(count):
            engineer = make_volunteer(skills={"python": 1 + n % 5, "react": 3}, languages=["zh"])
            make_claim(requests[n % 3], engineer, status="pending")
            make_registration(event, engineer, preferences=[r.id for r in requests], attended_at=utcnow())
        db.session.commit()
        db.session.refresh(event)

    add_engineers(2)
    with count_statements() as few:
        assert len(matching_input(event)[0]) == 2
    add_engineers(30)
    with count_statements() as many:
        candidates, projects = matching_input(event)
    assert len(candidates) == 32 and len(projects) == 3
    assert len(many) == len(few) <= 7

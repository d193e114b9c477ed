"""The platform's live numbers: what the home page counts, from every feature."""

from __future__ import annotations

from app.core.stats import collect_stats
from app.volunteers.models import CheckIn
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer


def test_numbers_count_verified_organisations_open_and_delivered_requests_and_hours(db) -> None:
    verified = make_org(verified=True)
    make_org(verified=False)
    for status in ("draft", "intake", "open", "open", "in_progress", "delivered", "withdrawn"):
        make_request(verified, status=status)
    working = make_request(verified, status="in_progress", team_size=2)
    volunteer = make_volunteer()
    make_claim(working, volunteer, status="accepted")
    db.session.add_all([
        CheckIn(request_id=working.id, author_id=volunteer.id, summary="s", next_steps="n", blockers="",
                hours=4.5, status="on_track", percent_complete=20),
        CheckIn(request_id=working.id, author_id=volunteer.id, summary="s", next_steps="n", blockers="",
                hours=3, status="at_risk", percent_complete=30),
    ])
    make_user("nonprofit")
    db.session.commit()

    numbers = collect_stats()

    assert numbers["organizations"] == 1
    assert numbers["open_requests"] == 2
    assert numbers["delivered_requests"] == 1
    assert numbers["hours_given"] == 8  # 7.5 rounded
    assert numbers["volunteers"] == 1


def test_home_page_shows_the_numbers(client, db) -> None:
    org = make_org()
    make_request(org, status="open")
    make_request(org, status="open")
    make_request(org, status="delivered")
    db.session.commit()

    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Open requests" in page
    assert "Projects delivered" in page

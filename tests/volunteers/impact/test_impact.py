"""Impact numbers on the home page and the coordinators' figures at GET /api/v1/stats."""

from __future__ import annotations

from datetime import timedelta

from app.core.stats import collect_stats
from app.extensions import db
from app.volunteers.models import CheckIn
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import EN


def _checkin(help_request, volunteer, hours: float) -> None:
    db.session.add(CheckIn(request_id=help_request.id, author_id=volunteer.id, summary="s", next_steps="n",
                           blockers="", hours=hours, status="on_track", percent_complete=50))


def _platform(app, monkeypatch):
    monkeypatch.setitem(app.config, "HOURLY_VALUE_YUAN", 200)
    helped, other = make_org(), make_org()
    first = make_request(helped, status="delivered")
    make_request(helped, status="delivered")
    make_request(other, status="open")
    stalled = make_request(other, status="in_progress", team_size=2)
    stalled.is_stalled = True
    volunteer = make_volunteer()
    claim = make_claim(first, volunteer, status="completed")
    claim.accepted_at = first.published_at + timedelta(days=3)
    late = make_claim(stalled, volunteer, status="accepted")
    late.accepted_at = stalled.published_at + timedelta(days=5)
    make_claim(stalled, make_volunteer(), status="pending")
    _checkin(first, volunteer, 10)
    _checkin(stalled, volunteer, 2.5)
    db.session.commit()


def test_home_numbers_count_organisations_helped_and_the_value_given(app, client, db, monkeypatch):
    _platform(app, monkeypatch)

    numbers = collect_stats()

    assert numbers["delivered_requests"] == 2
    assert numbers["organizations_helped"] == 1
    assert numbers["hours_given"] == 12  # 12.5 rounded half to even
    assert numbers["estimated_value_yuan"] == 2500  # 12.5 hours at 200 yuan
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert "Organisations helped" in page and "Estimated value given (yuan)" in page
    assert "2,500" in page


def test_coordinators_read_the_platform_figures(app, client, api_token, db, monkeypatch):
    _platform(app, monkeypatch)
    coordinator = make_user("coordinator")
    db.session.commit()

    answer = client.get("/api/v1/stats", headers={**EN, **api_token(coordinator)})

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["requests_by_status"]["delivered"] == 2 and body["requests_by_status"]["open"] == 1
    assert body["requests_by_status"]["draft"] == 0
    assert body["claims"] == 3 and body["claims_by_status"]["pending"] == 1
    assert body["checkins"] == 2 and body["hours_given"] == 12.5
    assert body["stalled_requests"] == 1
    assert body["median_days_to_first_accepted_claim"] == 4.0  # 3 and 5 days
    assert body["delivered_requests"] == 2 and body["organizations_helped"] == 1
    assert body["hourly_value_yuan"] == 200 and body["estimated_value_yuan"] == 2500


def test_the_figures_are_for_coordinators_only(client, api_token, db):
    volunteer, staff = make_volunteer(), make_user("nonprofit")
    db.session.commit()

    assert client.get("/api/v1/stats", headers=EN).status_code == 401
    assert client.get("/api/v1/stats", headers={**EN, **api_token(volunteer)}).status_code == 403
    assert client.get("/api/v1/stats", headers={**EN, **api_token(staff)}).status_code == 403


def test_the_median_is_empty_before_any_claim_is_accepted(app, client, api_token, db):
    coordinator = make_user("coordinator")
    make_request(status="open")
    db.session.commit()

    body = client.get("/api/v1/stats", headers={**EN, **api_token(coordinator)}).get_json()

    assert body["median_days_to_first_accepted_claim"] is None and body["delivered_requests"] == 0

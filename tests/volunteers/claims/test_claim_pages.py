"""Claim pages: the request page's Team panel per role, claiming, answering, commitments, My projects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.volunteers.models import Claim
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN, client_for, fresh, text_of


def request_page(client, project):
    return client.get(f"/requests/{project.help_request.id}", headers=EN)


def test_anonymous_visitors_see_the_team_and_are_invited_to_sign_in(client, db, project):
    make_claim(project.help_request, make_volunteer(name="Liu Yang"), status="accepted", role="lead")
    db.session.commit()

    page = text_of(request_page(client, project))

    assert "Team" in page and "1 of 2 seats taken" in page
    assert "Liu Yang" in page and "Lead" in page
    assert "Sign in as a volunteer to claim a seat" in page
    assert "hours a week" not in page  # commitments are for the organisation and the team
    assert "Claim a seat</button>" not in page


def test_a_volunteer_claims_a_seat_from_the_request_page(app, db, project, volunteer):
    browser = client_for(app, volunteer)
    assert "Claim a seat</button>" in text_of(request_page(browser, project))

    answer = browser.post(f"/requests/{project.help_request.id}/claim", headers=EN, data={
        "role": "lead", "hours_per_week": "5", "commitment_months": "6", "message": "I built a map app."})

    claim = db.session.scalar(sa.select(Claim).where(Claim.volunteer_id == volunteer.id))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/claims/{claim.id}"
    assert (claim.role, claim.hours_per_week, claim.commitment_months) == ("lead", 5, 6)
    page = text_of(browser.get(answer.headers["Location"], headers=EN))
    assert "Your claim is sent" in page and "Waiting for an answer" in page
    assert "I built a map app." in page
    assert "Your claim waits for the organisation’s answer" in text_of(request_page(browser, project))


def test_claim_form_errors_name_the_field_and_keep_what_was_typed(app, db, project, volunteer):
    browser = client_for(app, volunteer)
    answer = browser.post(f"/requests/{project.help_request.id}/claim", headers=EN, data={
        "role": "member", "hours_per_week": "12", "commitment_months": "3", "message": "Weekends."})

    assert answer.status_code == 422
    page = text_of(answer)
    assert "Your profile offers 10 hours a week" in page
    assert 'value="12"' in page and "Weekends." in page
    assert db.session.scalar(sa.select(sa.func.count(Claim.id))) == 0


def test_a_second_claim_on_the_same_request_is_answered_with_a_conflict(app, db, project, volunteer):
    make_claim(project.help_request, volunteer)
    db.session.commit()
    browser = client_for(app, volunteer)
    answer = browser.post(f"/requests/{project.help_request.id}/claim", headers=EN, data={
        "role": "member", "hours_per_week": "2", "commitment_months": "3"})
    assert answer.status_code == 409
    assert "You already have a claim on this request" in text_of(answer)


def test_only_volunteers_open_the_claim_form(app, project):
    for user in (project.staff, project.coordinator):
        answer = client_for(app, user).get(f"/requests/{project.help_request.id}/claim", headers=EN)
        assert answer.status_code == 403


def test_staff_answer_claims_on_the_team_panel(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer, message="Evenings, 4 hours.")
    db.session.commit()
    staff = client_for(app, project.staff)

    page = text_of(request_page(staff, project))
    assert "1 claim waiting for your answer" in page and "Evenings, 4 hours." in page
    assert f'action="/claims/{claim.id}/accept"' in page
    assert f'formaction="/claims/{claim.id}/decline"' in page

    answer = staff.post(f"/claims/{claim.id}/accept", headers=EN,
                        data={"note": "Welcome!", "next": f"/requests/{project.help_request.id}#team"})

    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/requests/{project.help_request.id}#team"
    page = text_of(staff.get(answer.headers["Location"], headers=EN))
    assert "Zhang Wei is on the team now." in page
    assert "4 hours a week" in page  # staff see the team's commitments
    assert project.reload().status == "in_progress"


def test_a_declined_volunteer_reads_the_note(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    client_for(app, project.staff).post(f"/claims/{claim.id}/decline", headers=EN,
                                        data={"note": "We need someone in Chengdu."})
    page = text_of(client_for(app, volunteer).get(f"/claims/{claim.id}", headers=EN))
    assert "Declined" in page and "We need someone in Chengdu." in page


def test_a_volunteer_cannot_accept_their_own_claim_on_the_page(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    answer = client_for(app, volunteer).post(f"/claims/{claim.id}/accept", headers=EN)
    assert answer.status_code == 403
    assert fresh(Claim, claim.id).status == "pending"


def test_other_volunteers_cannot_see_a_claim(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    stranger = make_volunteer()
    db.session.commit()
    assert client_for(app, stranger).get(f"/claims/{claim.id}", headers=EN).status_code == 404


def test_a_conflict_on_answering_is_told_not_raised(app, db, project):
    project.help_request.team_size = 1
    make_claim(project.help_request, make_volunteer(), status="accepted")
    waiting = make_claim(project.help_request, make_volunteer())
    db.session.commit()
    staff = client_for(app, project.staff)
    answer = staff.post(f"/claims/{waiting.id}/accept", headers=EN)
    assert answer.status_code == 302
    assert "Every seat on this team is taken" in text_of(staff.get(answer.headers["Location"], headers=EN))


def test_a_coordinator_releases_a_seat_from_the_team_panel(app, db, project, volunteer):
    project.help_request.status = "in_progress"
    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    coordinator = client_for(app, project.coordinator)
    assert "Release the seat" in text_of(request_page(coordinator, project))
    assert "Release the seat" not in text_of(request_page(client_for(app, project.staff), project))

    coordinator.post(f"/claims/{claim.id}/release", headers=EN, data={"note": "No check-in for a month."})

    assert fresh(Claim, claim.id).status == "released"
    assert project.reload().status == "open"


def test_the_volunteer_withdraws_from_the_claim_page(app, db, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    browser = client_for(app, volunteer)
    assert "Withdraw the claim" in text_of(browser.get(f"/claims/{claim.id}", headers=EN))
    browser.post(f"/claims/{claim.id}/withdraw", headers=EN, data={"note": "Found another project."})
    claim = fresh(Claim, claim.id)
    assert (claim.status, claim.exit_note) == ("withdrawn", "Found another project.")


def test_an_accepted_volunteer_renews_or_concludes(app, db, project, volunteer):
    project.help_request.status = "in_progress"
    claim = make_claim(project.help_request, volunteer, status="accepted", commitment_months=3)
    claim.ends_on = utcnow().date() + timedelta(days=3)
    db.session.commit()
    browser = client_for(app, volunteer)

    page = text_of(browser.get(f"/claims/{claim.id}", headers=EN))
    assert "Renew" in page and "Conclude" in page
    assert "Private contact" in page and "+86 138 1234 5678" in page  # the team's contact
    assert "3 months" in text_of(browser.get(f"/claims/{claim.id}/renew", headers=EN))
    answer = browser.post(f"/claims/{claim.id}/renew", headers=EN, data={"commitment_months": "1"})
    assert answer.status_code == 302
    assert "your commitment now runs until" in text_of(browser.get(answer.headers["Location"], headers=EN))

    assert browser.post(f"/claims/{claim.id}/conclude", headers=EN, data={"exit_note": ""}).status_code == 422
    answer = browser.post(f"/claims/{claim.id}/conclude", headers=EN,
                          data={"exit_note": "Map done; routing next. Notes in the README."})
    assert answer.headers["Location"] == "/my-projects"
    assert fresh(Claim, claim.id).status == "completed"


def test_my_projects_groups_claims_and_shows_the_next_check_in(app, db, volunteer):
    active = make_request(status="in_progress", title="Tree tagging mini-program", checkin_cadence="weekly")
    claim = make_claim(active, volunteer, status="accepted")
    active.last_checkin_at = utcnow() - timedelta(days=10)  # as posting a check-in records it
    make_claim(make_request(status="open", title="Pneumoconiosis aid records"), volunteer)
    make_claim(make_request(status="delivered", title="Food bank map"), volunteer, status="completed")
    make_claim(make_request(status="open", title="Donor tracking"), volunteer, status="declined")
    db.session.commit()

    page = text_of(client_for(app, volunteer).get("/my-projects", headers=EN))

    for heading in ("Active", "Waiting for an answer", "Completed", "Closed claims"):
        assert heading in page
    assert "Tree tagging mini-program" in page and "Check-in overdue since" in page  # weekly, 10 days ago
    assert "Pneumoconiosis aid records" in page and "Food bank map" in page and "Donor tracking" in page
    assert f"/claims/{claim.id}" in page


def test_my_projects_shows_the_due_date_when_a_check_in_is_not_late(app, db, volunteer):
    active = make_request(status="in_progress", checkin_cadence="monthly")
    make_claim(active, volunteer, status="accepted")
    db.session.commit()
    page = text_of(client_for(app, volunteer).get("/my-projects", headers=EN))
    assert "Next check-in due" in page


def test_dashboards_show_projects_to_volunteers_and_waiting_claims_to_staff(app, db, project, volunteer):
    make_claim(project.help_request, volunteer)
    db.session.commit()
    volunteer_page = text_of(client_for(app, volunteer).get("/dashboard", headers=EN))
    assert "My projects" in volunteer_page and "1 claim waits for an organisation’s answer." in volunteer_page

    staff_page = text_of(client_for(app, project.staff).get("/dashboard", headers=EN))
    assert "1 volunteer waits for your answer" in staff_page
    assert "Zhang Wei on “Map of food donors and families”" in staff_page


def test_staff_without_waiting_claims_see_no_waiting_panel(app, db, project):
    page = text_of(client_for(app, project.staff).get("/dashboard", headers=EN))
    assert "waits for your answer" not in page


@pytest.mark.parametrize("path", ["/my-projects", "/requests/{id}/claim"])
def test_claim_pages_ask_anonymous_visitors_to_sign_in(client, project, path):
    answer = client.get(path.format(id=project.help_request.id), headers=EN)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_a_nonprofit_cannot_open_my_projects(app, project):
    assert client_for(app, project.staff).get("/my-projects", headers=EN).status_code == 403


def test_the_team_panel_is_not_on_a_draft(app, db, project):
    draft = make_request(project.organization, status="draft")
    db.session.commit()
    page = text_of(client_for(app, project.staff).get(f"/requests/{draft.id}", headers=EN))
    assert 'id="team"' not in page


def test_an_unclaimable_request_says_so(app, db, volunteer):
    delivered = make_request(status="delivered")
    db.session.commit()
    browser = client_for(app, volunteer)
    assert "Claim a seat</button>" not in text_of(browser.get(f"/requests/{delivered.id}", headers=EN))
    assert "This request takes no claims now." in text_of(browser.get(f"/requests/{delivered.id}/claim",
                                                                         headers=EN))


def test_user_text_is_escaped_on_claim_pages(app, db, project):
    volunteer = make_volunteer(name="<script>alert(1)</script>")
    make_claim(project.help_request, volunteer, message="<img src=x onerror=alert(1)>")
    db.session.commit()
    page = text_of(request_page(client_for(app, project.staff), project))
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_a_full_team_says_every_seat_is_taken(app, db, project, volunteer):
    for _ in range(2):
        make_claim(project.help_request, make_volunteer(), status="accepted")
    make_user("volunteer")
    db.session.commit()
    page = text_of(request_page(client_for(app, volunteer), project))
    assert "Every seat is taken" in page and "Claim a seat</button>" not in page

"""The progress pages: the panel on the request page, the check-in form, answers, milestones, and the
coordinators' needs-attention list with nudges, in English and Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.requests.models import HelpRequest
from app.volunteers.milestones import services as milestones
from app.volunteers.progress import services as checkins
from tests.helpers import EN, ZH, client_for, emails_to, fresh, text_of, timeline_kinds


def page_of(app, user, project, headers=EN):
    browser = client_for(app, user) if user is not None else app.test_client()
    return text_of(browser.get(f"/requests/{project.help_request.id}", headers=headers))


def test_a_team_member_posts_a_checkin_through_the_form(app, project, team):
    browser = client_for(app, team.lead)
    form_page = browser.get(f"/requests/{project.help_request.id}/checkins/new", headers=EN)
    assert form_page.status_code == 200 and "What was done" in text_of(form_page)

    answer = browser.post(f"/requests/{project.help_request.id}/checkins/new", headers=EN, data={
        "summary": "Donor map imported", "next_steps": "Families list", "blockers": "Need the old Excel file",
        "hours": "5.5", "status": "at_risk", "percent_complete": "30"}, follow_redirects=True)

    page = text_of(answer)
    assert "Check-in posted." in page
    assert "Donor map imported" in page and "Need the old Excel file" in page and "At risk" in page
    assert fresh(HelpRequest, project.help_request.id).last_checkin_at is not None


def test_the_form_shows_what_is_missing(app, project, team):
    answer = client_for(app, team.lead).post(f"/requests/{project.help_request.id}/checkins/new",
                                             headers=EN, data={"summary": "", "percent_complete": "150"})
    assert answer.status_code == 422
    assert "Say what was done." in text_of(answer)


def test_outsiders_see_the_summary_but_not_the_blockers_nor_the_forms(app, project, team):
    checkins.post_checkin(project.help_request, team.lead, summary="Prototype online", blockers="Server bill")
    page = page_of(app, team.outsider, project)
    assert "Prototype online" in page and "Server bill" not in page
    assert "Post a check-in" not in page and "Your answer" not in page
    assert "Server bill" in page_of(app, project.staff, project)
    assert "Server bill" not in page_of(app, None, project)


def test_the_nonprofit_answers_on_the_request_page(app, project, team):
    checkin = checkins.post_checkin(project.help_request, team.lead, summary="Prototype online")
    answer = client_for(app, project.staff).post(f"/checkins/{checkin.id}/replies", headers=EN,
                                                 data={"body": "Looks great, thank you!"},
                                                 follow_redirects=True)
    assert "Looks great, thank you!" in text_of(answer)
    assert "checkin_reply" in timeline_kinds(project.help_request)


def test_milestones_show_a_progress_bar_and_overdue_ones_stand_out(app, project, team):
    browser = client_for(app, team.member)
    two_days_ago = (utcnow().date() - timedelta(days=2)).isoformat()
    browser.post(f"/requests/{project.help_request.id}/milestones", headers=EN,
                 data={"title": "Volunteer training", "due_on": two_days_ago})
    done = milestones.add_milestone(fresh(HelpRequest, project.help_request.id), team.lead, title="Donor map")
    answer = browser.post(f"/milestones/{done.id}/done", headers=EN, follow_redirects=True)

    page = text_of(answer)
    assert "1 of 2 milestones done" in page
    assert 'max="100" value="50"' in page
    assert "Overdue" in page and "is-overdue" in page


def test_the_progress_panel_speaks_chinese(app, db, project, team):
    project.staff.locale = "zh_CN"
    db.session.commit()
    checkins.post_checkin(project.help_request, team.lead, summary="原型上线了", status="blocked")
    page = page_of(app, project.staff, project, headers=ZH)
    assert "原型上线了" in page
    assert "进展" in page and "Check-ins" not in page


def test_coordinators_see_stalled_projects_first_and_nudge_the_team(app, db, project, team):
    project.help_request.is_stalled = True
    db.session.commit()
    browser = client_for(app, project.coordinator)
    listing = text_of(browser.get("/coordinator/needs-attention", headers=EN))
    assert "Map of food donors and families" in listing and "Stalled" in listing
    assert team.lead.email in listing  # the team's contacts, for coordinators only

    answer = browser.post(f"/requests/{project.help_request.id}/nudge", headers=EN,
                          data={"note": "Are you still with us?"}, follow_redirects=True)
    assert "was e-mailed (2 people)" in text_of(answer)
    [email] = emails_to(team.lead)
    assert "Are you still with us?" in email.body_text
    assert "stalled_nudge" in timeline_kinds(project.help_request)
    dashboard = text_of(browser.get("/dashboard", headers=EN))
    assert "Needs attention" in dashboard and "1 is stalled." in dashboard


@pytest.mark.parametrize("role", ["staff", "lead", "outsider"])
def test_only_coordinators_open_the_needs_attention_list(app, project, team, role):
    user = {"staff": project.staff, "lead": team.lead, "outsider": team.outsider}[role]
    assert client_for(app, user).get("/coordinator/needs-attention", headers=EN).status_code == 403
    assert client_for(app, user).post(f"/requests/{project.help_request.id}/nudge").status_code in (400, 403)

"""The milestone endpoints: the team or the nonprofit plans them, ticks them off, overdue ones show."""

from __future__ import annotations

from datetime import timedelta

from app.core.db import utcnow
from tests.helpers import timeline_kinds


def plan(call, user, project, **body):
    body = {"title": "Donor map online", "due_on": (utcnow().date() + timedelta(days=10)).isoformat(), **body}
    return call(user, "POST", f"/requests/{project.help_request.id}/milestones", json=body)


def test_team_and_staff_plan_milestones_and_tick_them_off(call, project, team):
    first = plan(call, team.lead, project)
    assert first.status_code == 201
    assert first.get_json()["done"] is False and first.get_json()["title"] == "Donor map online"
    assert plan(call, project.staff, project, title="培训志愿者").status_code == 201

    done = call(project.staff, "PATCH", f"/milestones/{first.get_json()['id']}", json={"done": True})
    assert done.status_code == 200
    assert done.get_json()["done"] is True and done.get_json()["done_at"]
    assert {"milestone_added", "milestone_done"} <= set(timeline_kinds(project.help_request))

    listing = call(None, "GET", f"/requests/{project.help_request.id}/milestones").get_json()
    assert listing["total"] == 2
    assert [m["done"] for m in listing["items"]] == [True, False]


def test_an_overdue_milestone_is_flagged(call, project, team):
    past = (utcnow().date() - timedelta(days=3)).isoformat()
    body = plan(call, team.member, project, due_on=past).get_json()
    assert body["overdue"] is True


def test_outsiders_cannot_plan_or_tick_milestones(call, project, team):
    assert plan(call, team.outsider, project).status_code == 403
    milestone_id = plan(call, team.lead, project).get_json()["id"]
    assert call(team.outsider, "PATCH", f"/milestones/{milestone_id}", json={"done": True}).status_code == 403
    assert call(team.lead, "PATCH", "/milestones/999999", json={"done": True}).status_code == 404


def test_a_milestone_needs_a_title_and_a_real_date(call, project, team):
    answer = plan(call, team.lead, project, title="", due_on="2026-02-30")
    assert answer.status_code == 422
    assert {"title", "due_on"} <= set(answer.get_json()["error"]["fields"])

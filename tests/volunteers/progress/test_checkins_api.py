"""The check-in endpoints: only the accepted team posts, blockers stay private, staff answer."""

from __future__ import annotations

import sqlalchemy as sa

from app.requests.models import HelpRequest, TimelineEntry
from tests.helpers import emails_to, fresh, notification_kinds, timeline_kinds

CHECKIN = {"summary": "地图原型完成 — map prototype done", "next_steps": "Import the donor list",
           "blockers": "Waiting for the volunteer spreadsheet", "hours": 6.5, "status": "at_risk",
           "percent_complete": 40}


def post(call, user, project, body=CHECKIN):
    return call(user, "POST", f"/requests/{project.help_request.id}/checkins", json=body)


def test_a_team_member_posts_a_checkin_that_lands_on_the_timeline(call, project, team):
    answer = post(call, team.member, project)

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["summary"] == CHECKIN["summary"] and body["status"] == "at_risk"
    assert (body["hours"], body["percent_complete"], body["blockers"]) == (6.5, 40, CHECKIN["blockers"])
    assert body["author"] == {"id": team.member.id, "name": "Li Na", "role": "volunteer"}
    assert "checkin" in timeline_kinds(project.help_request)
    assert fresh(HelpRequest, project.help_request.id).last_checkin_at is not None
    timeline = call(None, "GET", f"/requests/{project.help_request.id}/timeline").get_json()
    items = timeline["items"] if isinstance(timeline, dict) else timeline
    assert any(item["kind"] == "checkin" for item in items)
    assert "spreadsheet" not in str(timeline)  # blockers never reach the public timeline


def test_people_outside_the_team_cannot_post_checkins(call, project, team):
    for user in (team.outsider, project.staff, project.coordinator):
        answer = post(call, user, project)
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"]
    assert post(call, None, project).status_code == 401


def test_a_checkin_on_a_request_not_in_progress_is_a_conflict(db, call, project, team):
    project.help_request.status = "delivered"
    db.session.commit()
    answer = post(call, team.lead, project)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "request_not_in_progress"


def test_bad_fields_are_named_in_one_answer(call, project, team):
    answer = post(call, team.lead, project, {"summary": "", "status": "sideways", "percent_complete": 140,
                                             "hours": -1})
    assert answer.status_code == 422
    assert {"summary", "status", "percent_complete", "hours"} <= set(answer.get_json()["error"]["fields"])


def test_blockers_and_next_steps_are_shown_only_to_the_team_staff_and_coordinators(call, project, team):
    post(call, team.lead, project)
    path = f"/requests/{project.help_request.id}/checkins"
    for insider in (team.member, project.staff, project.coordinator):
        [item] = call(insider, "GET", path).get_json()["items"]
        assert item["blockers"] == CHECKIN["blockers"] and item["next_steps"] == CHECKIN["next_steps"]
    for outsider in (team.outsider, None):
        listing = call(outsider, "GET", path).get_json()
        assert listing["total"] == 1
        [item] = listing["items"]
        assert item["summary"] == CHECKIN["summary"]
        assert item["blockers"] is None and item["next_steps"] is None


def test_the_nonprofit_answers_a_checkin(call, project, team):
    checkin_id = post(call, team.lead, project).get_json()["id"]
    answer = call(project.staff, "POST", f"/checkins/{checkin_id}/replies",
                  json={"body": "谢谢！The spreadsheet comes on Friday."})

    assert answer.status_code == 201
    assert answer.get_json()["body"] == "谢谢！The spreadsheet comes on Friday."
    [item] = call(team.lead, "GET", f"/requests/{project.help_request.id}/checkins").get_json()["items"]
    assert [r["author"]["name"] for r in item["replies"]] == ["Wang Fang"]
    assert "checkin_reply" in timeline_kinds(project.help_request)


def test_outsiders_cannot_answer_and_empty_answers_are_refused(call, project, team):
    checkin_id = post(call, team.lead, project).get_json()["id"]
    path = f"/checkins/{checkin_id}/replies"
    assert call(team.outsider, "POST", path, json={"body": "hi"}).status_code == 403
    answer = call(project.staff, "POST", f"/checkins/{checkin_id}/replies", json={"body": "  "})
    assert answer.status_code == 422
    assert call(project.staff, "POST", "/checkins/999999/replies", json={"body": "x"}).status_code == 404


def test_a_checkin_takes_a_stalled_request_off_the_list(db, call, project, team):
    project.help_request.is_stalled = True
    db.session.commit()
    assert post(call, team.lead, project).status_code == 201
    reloaded = fresh(HelpRequest, project.help_request.id)
    assert reloaded.is_stalled is False and reloaded.stalled_at is None
    kinds = db.session.scalars(sa.select(TimelineEntry.kind).where(
        TimelineEntry.request_id == project.help_request.id)).all()
    assert "unstalled" in kinds


def test_the_nonprofit_hears_of_each_checkin_with_its_blockers(call, project, team):
    post(call, team.member, project)
    [email] = emails_to(project.staff)
    assert email.subject == "New check-in on “Map of food donors and families”"
    assert "Li Na posted a check-in" in email.body_text and "At risk, 40% complete" in email.body_text
    assert CHECKIN["blockers"] in email.body_text
    assert notification_kinds(project.staff) == ["checkin_posted"]
    assert emails_to(team.outsider) == []

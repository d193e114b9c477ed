"""The guided intake in the browser (without one): each step saves, resumes, validates and submits."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.core.models import AuditEvent
from app.requests.models import HelpRequest
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, sign_in
from tests.requests.intake.samples import FOOD_BANK

STEP_URL = "/requests/{id}/intake/{step}"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def reload(db, help_request: HelpRequest) -> HelpRequest:
    db.session.expire_all()
    return db.session.get(HelpRequest, help_request.id)


def start_request(client, title: str = FOOD_BANK["title"]) -> int:
    response = client.post("/requests/new", data={"title": title}, headers=EN)
    assert response.status_code == 302, text_of(response)
    # The new draft opens at the second question.
    request_id = int(response.headers["Location"].split("/")[2])
    assert response.headers["Location"] == STEP_URL.format(id=request_id, step="problem")
    return request_id


def test_a_nonprofit_answers_every_step_and_submits(app, db, staff, coordinator, client):
    sign_in(client, staff.user)
    request_id = start_request(client)
    answers = [
        ("problem", {"problem": FOOD_BANK["problem"]}, "current_process"),
        ("current_process", {"current_process": FOOD_BANK["current_process"]}, "users"),
        ("users", {"users": FOOD_BANK["users"]}, "data_kept"),
        ("data_kept", {"data_kept": FOOD_BANK["data_kept"]}, "must_do"),
        ("must_do", {"must_do": "\n".join(FOOD_BANK["must_do"]) + "\n\n"}, "rhythm"),
        ("rhythm", {"rhythm": "biweekly", "rhythm_note": "A short call is fine."}, "constraints"),
        ("constraints", {"constraints": ["no_hosting_budget", "works_on_phones"],
                         "constraints_note": "Addresses must stay private."}, "deadline"),
        ("deadline", {"deadline": "2099-11-15"}, "attachments"),
    ]
    for step, data, following in answers:
        page = client.get(STEP_URL.format(id=request_id, step=step), headers=EN)
        assert page.status_code == 200
        assert "For example" in text_of(page)  # every question shows an example answer
        saved = client.post(STEP_URL.format(id=request_id, step=step), data={**data, "go": "next"},
                            headers=EN)
        assert saved.status_code == 302, text_of(saved)
        assert saved.headers["Location"] == STEP_URL.format(id=request_id, step=following)

    help_request = reload(db, db.session.get(HelpRequest, request_id))
    assert help_request.status == "draft"
    assert help_request.must_do == FOOD_BANK["must_do"]
    assert help_request.rhythm == "Every two weeks\nA short call is fine."
    assert help_request.checkin_cadence == "biweekly"
    assert help_request.constraints == "No hosting budget\nMust work on phones\nAddresses must stay private."
    assert help_request.deadline.isoformat() == "2099-11-15"

    review = client.get(STEP_URL.format(id=request_id, step="review"), headers=EN)
    assert review.status_code == 200
    body = text_of(review)
    for line in FOOD_BANK["must_do"]:
        assert escape(line) in body
    assert "Must work on phones" in body and "Addresses must stay private." in body

    submitted = client.post(f"/requests/{request_id}/submit", headers=EN)
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == f"/requests/{request_id}/thread"  # where intake goes on
    help_request = reload(db, help_request)
    assert help_request.status == "intake"
    assert help_request.current_spec.version == 1
    assert "maps-routing" in [skill.slug for skill in help_request.skills]


def test_every_step_keeps_its_answer_when_the_nonprofit_leaves_and_comes_back(db, staff, draft, client):
    sign_in(client, staff.user)
    url = STEP_URL.format(id=draft.id, step="problem")
    later = client.post(url, data={"problem": "Paper everywhere.", "go": "later"}, headers=EN)
    assert later.headers["Location"] == "/requests/mine"
    # The draft is listed with a link that reopens it at the first unanswered question.
    listed = text_of(client.get("/requests/mine", headers=EN))
    assert STEP_URL.format(id=draft.id, step="title") in listed
    assert "Paper everywhere." in text_of(client.get(url, headers=EN))


@pytest.mark.parametrize("step", ["problem", "attachments", "review"])
def test_every_intake_page_names_the_draft_and_leads_back_to_my_requests(db, staff, draft, client, step):
    sign_in(client, staff.user)
    page = text_of(client.get(STEP_URL.format(id=draft.id, step=step), headers=EN))
    kicker = re.search(r'<p class="intake-kicker">(.*?)</p>', page, re.S)
    assert kicker is not None
    assert 'href="/requests/mine"' in kicker.group(1)
    assert "Untitled request" in kicker.group(1) and "Draft, saved at every step" in kicker.group(1)


def test_going_back_saves_and_shows_the_earlier_answer(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(STEP_URL.format(id=draft.id, step="problem"),
                data={"problem": "Lost invoices.", "go": "next"})
    back = client.post(STEP_URL.format(id=draft.id, step="current_process"),
                       data={"current_process": "Excel on one laptop.", "go": "back"}, headers=EN)
    assert back.headers["Location"] == STEP_URL.format(id=draft.id, step="problem")
    assert "Lost invoices." in text_of(client.get(back.headers["Location"], headers=EN))
    forward = client.get(STEP_URL.format(id=draft.id, step="current_process"), headers=EN)
    assert "Excel on one laptop." in text_of(forward)


def test_jumping_to_any_step_from_the_step_list_saves_first(db, staff, draft, client):
    sign_in(client, staff.user)
    jump = client.post(STEP_URL.format(id=draft.id, step="users"),
                       data={"users": "Twenty staff.", "go": "deadline"}, headers=EN)
    assert jump.headers["Location"] == STEP_URL.format(id=draft.id, step="deadline")
    assert reload(db, draft).users == "Twenty staff."


def test_a_too_long_title_is_refused_with_a_message_and_the_text_kept(db, staff, draft, client):
    sign_in(client, staff.user)
    too_long = "A map for our food bank " * 10  # 240 characters
    response = client.post(STEP_URL.format(id=draft.id, step="title"), data={"title": too_long, "go": "next"},
                           headers=EN)
    assert response.status_code == 422
    body = text_of(response)
    assert "Use at most 200 characters." in body
    assert too_long.strip() in body
    assert reload(db, draft).title == ""


def test_a_too_long_answer_is_refused_naming_it_and_keeping_it(db, staff, draft, client):
    sign_in(client, staff.user)
    long_text = "门" * 20_001
    response = client.post(STEP_URL.format(id=draft.id, step="problem"), data={"problem": long_text},
                           headers=EN)
    assert response.status_code == 422
    assert "Use at most 20000 characters." in text_of(response)
    assert long_text in text_of(response)


def test_a_date_that_is_not_a_date_is_refused_and_kept(db, staff, draft, client):
    sign_in(client, staff.user)
    response = client.post(STEP_URL.format(id=draft.id, step="deadline"), data={"deadline": "next spring"},
                           headers=EN)
    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD" in text_of(response)
    assert 'value="next spring"' in text_of(response)
    past = client.post(STEP_URL.format(id=draft.id, step="deadline"), data={"deadline": "2001-01-01"},
                       headers=EN)
    assert past.status_code == 422
    assert "Choose a date after today" in text_of(past)


def test_must_do_takes_one_item_per_line(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(STEP_URL.format(id=draft.id, step="must_do"),
                data={"must_do": "- volunteers record a visit\r\n\r\n• staff approve aid\r\n"})
    assert reload(db, draft).must_do == ["volunteers record a visit", "staff approve aid"]
    page = text_of(client.get(STEP_URL.format(id=draft.id, step="must_do"), headers=EN))
    assert "volunteers record a visit\nstaff approve aid" in page


def test_choices_come_back_ticked(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(STEP_URL.format(id=draft.id, step="constraints"),
                data={"constraints": ["inside_wechat", "older_users"], "constraints_note": ""})
    page = text_of(client.get(STEP_URL.format(id=draft.id, step="constraints"), headers=EN))
    ticked = re.findall(r'<input checked[^>]*value="(\w+)"', page)
    assert ticked == ["inside_wechat", "older_users"]


def test_questions_and_examples_are_in_the_reader_language(db, staff, draft, client):
    staff.user.locale = "zh_CN"
    db.session.commit()
    sign_in(client, staff.user)
    page = text_of(client.get(STEP_URL.format(id=draft.id, step="problem")))
    assert "今天最让你们头疼的是什么？" in page
    assert "每个月有上百份救助申请" in page  # the Chinese example answer


def test_a_nonprofit_with_several_organisations_chooses_one(db, staff, client):
    second = make_org(members=[staff.user], name="Second Org")
    db.session.commit()
    sign_in(client, staff.user)
    form = text_of(client.get("/requests/new", headers=EN))
    assert "Green Roots Food Bank" in form and "Second Org" in form
    missing = client.post("/requests/new", data={"title": "A thing"}, headers=EN)
    assert missing.status_code == 422
    assert "Choose one of your organisations." in text_of(missing)
    created = client.post("/requests/new", data={"title": "A thing", "organization_id": second.id})
    assert created.status_code == 302
    assert db.session.scalar(sa.select(HelpRequest.organization_id)) == second.id


def test_a_nonprofit_cannot_start_a_request_for_someone_elses_organisation(db, staff, other_staff, client):
    sign_in(client, staff.user)
    response = client.post("/requests/new", headers=EN,
                           data={"title": "Sneaky", "organization_id": other_staff.organization.id})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(HelpRequest.id))) == 0


def test_a_nonprofit_without_an_organisation_is_sent_to_create_one(db, client):
    user = make_user("nonprofit")
    db.session.commit()
    sign_in(client, user)
    page = text_of(client.get("/requests/new", headers=EN))
    assert "Create your organisation profile" in page
    assert "/organizations/new" in page


def test_a_pending_organisation_can_draft_and_submit(db, client, coordinator):
    user = make_user("nonprofit")
    make_org(verified=False, members=[user])
    db.session.commit()
    sign_in(client, user)
    request_id = start_request(client)
    client.post(STEP_URL.format(id=request_id, step="problem"), data={"problem": "Paper forms pile up."})
    client.post(STEP_URL.format(id=request_id, step="must_do"), data={"must_do": "staff record a visit"})
    assert client.post(f"/requests/{request_id}/submit").status_code == 302
    assert db.session.get(HelpRequest, request_id).status == "intake"


def test_submitting_an_incomplete_draft_names_what_is_missing(db, staff, draft, client):
    sign_in(client, staff.user)
    response = client.post(f"/requests/{draft.id}/submit", headers=EN)
    assert response.status_code == 422
    body = text_of(response)
    assert "Give the request a title" in body
    assert "Say what is hardest for you today." in body
    assert "List at least one thing it must be able to do." in body
    assert reload(db, draft).status == "draft"


@pytest.mark.parametrize("path", ["/requests/{id}/intake/problem", "/requests/{id}/intake/review",
                                  "/requests/{id}/intake/attachments", "/requests/{id}/withdraw"])
def test_another_organisations_draft_is_not_found(db, draft, other_staff, client, path):
    sign_in(client, other_staff.user)
    assert client.get(path.format(id=draft.id), headers=EN).status_code == 404


@pytest.mark.parametrize("method,path,data", [
    ("post", "/requests/{id}/intake/problem", {"problem": "Mine now"}),
    ("post", "/requests/{id}/submit", {}),
    ("post", "/requests/{id}/withdraw", {"reason": "no"}),
    ("post", "/requests/{id}/attachments", {}),
])
def test_another_organisations_draft_cannot_be_changed(db, draft, other_staff, client, method, path, data):
    sign_in(client, other_staff.user)
    response = getattr(client, method)(path.format(id=draft.id), data=data, headers=EN)
    assert response.status_code == 404
    assert reload(db, draft).status == "draft" and reload(db, draft).problem == ""


def test_coordinators_may_read_drafts_but_not_answer_for_the_nonprofit(db, draft, coordinator, client):
    sign_in(client, coordinator)
    response = client.post(STEP_URL.format(id=draft.id, step="problem"), data={"problem": "x"}, headers=EN)
    assert response.status_code == 403


def test_volunteers_and_visitors_are_kept_out(db, draft, client):
    volunteer = make_user("volunteer")
    db.session.commit()
    assert client.get("/requests/new").status_code == 302  # to sign in
    sign_in(client, volunteer)
    assert client.get("/requests/new", headers=EN).status_code == 403
    assert client.get(STEP_URL.format(id=draft.id, step="problem"), headers=EN).status_code == 403


def test_a_submitted_request_is_no_longer_edited_as_a_draft(db, staff, client):
    submitted = make_request(staff.organization, status="intake")
    db.session.commit()
    sign_in(client, staff.user)
    opened = client.get(STEP_URL.format(id=submitted.id, step="problem"), headers=EN)
    assert opened.status_code == 302
    changed = client.post(STEP_URL.format(id=submitted.id, step="problem"), data={"problem": "x"}, headers=EN)
    assert changed.status_code == 409
    assert "can no longer be edited as a draft" in text_of(changed)


def test_an_unknown_step_is_not_found(db, staff, draft, client):
    sign_in(client, staff.user)
    assert client.get(STEP_URL.format(id=draft.id, step="secrets"), headers=EN).status_code == 404


def test_each_save_is_audited_once(db, staff, draft, client):
    sign_in(client, staff.user)
    url = STEP_URL.format(id=draft.id, step="users")
    client.post(url, data={"users": "Ten staff."})
    client.post(url, data={"users": "Ten staff."})  # nothing changed: nothing to record
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "request.draft_saved")).all()
    assert [event.detail["fields"] for event in events] == [["users"]]


def test_withdrawing_a_draft_from_the_page(db, staff, draft, client):
    sign_in(client, staff.user)
    page = client.get(f"/requests/{draft.id}/withdraw", headers=EN)
    assert page.status_code == 200
    done = client.post(f"/requests/{draft.id}/withdraw", data={"reason": "We found another way."}, headers=EN)
    assert done.headers["Location"] == "/requests/mine"
    assert reload(db, draft).status == "withdrawn"
    listed = text_of(client.get("/requests/mine", headers=EN))
    assert "Withdrawn" in listed


def test_the_dashboard_shows_drafts_to_resume_and_submitted_requests(db, staff, client):
    make_request(staff.organization, status="draft", title="Half-written need", problem="")
    make_request(staff.organization, status="open", title="Our published map")
    db.session.commit()
    sign_in(client, staff.user)
    body = text_of(client.get("/dashboard", headers=EN))
    assert "Half-written need" in body and "Continue" in body
    assert "Our published map" in body and "Open" in body


def test_the_dashboard_points_to_describe_a_need_when_there_is_nothing_yet(db, staff, client):
    sign_in(client, staff.user)
    body = text_of(client.get("/dashboard", headers=EN))
    assert "No requests yet" in body
    assert 'href="/requests/new"' in body

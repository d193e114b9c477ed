"""The claim endpoints of the JSON API: status codes, shapes and who may call them."""

from __future__ import annotations

import pytest

from tests.factories import make_claim, make_request, make_user, make_volunteer

CLAIM = {"role": "member", "hours_per_week": 4, "message": "我晚上和周末有空。"}


def test_a_volunteer_claims_a_seat(call, project, volunteer):
    answer = call(volunteer, "POST", f"/requests/{project.help_request.id}/claims",
                  json={**CLAIM, "role": "lead", "commitment_months": 6})

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "pending" and isinstance(body["id"], int)
    assert (body["role"], body["hours_per_week"], body["commitment_months"]) == ("lead", 4, 6)
    assert body["message"] == "我晚上和周末有空。"  # kept as sent
    assert body["request"] == {"id": project.help_request.id, "title": "Map of food donors and families",
                               "status": "open"}
    assert body["volunteer"]["id"] == volunteer.id and "email" not in body["volunteer"]
    assert body["created_at"].endswith("+00:00") and body["ends_on"] is None


def test_an_auto_accept_request_answers_accepted(db, call, project, volunteer):
    project.help_request.auto_accept = True
    db.session.commit()
    body = call(volunteer, "POST", f"/requests/{project.help_request.id}/claims", json=CLAIM).get_json()
    assert body["status"] == "accepted" and body["ends_on"]
    request_body = call(volunteer, "GET", f"/requests/{project.help_request.id}").get_json()
    assert (request_body["status"], request_body["seats_taken"]) == ("in_progress", 1)


def test_the_commitment_defaults_to_three_months(call, project, volunteer):
    body = call(volunteer, "POST", f"/requests/{project.help_request.id}/claims", json=CLAIM).get_json()
    assert body["commitment_months"] == 3


@pytest.mark.parametrize(("setup", "code"), [
    ("delivered", "request_not_open"),
    ("duplicate", "already_claimed"),
    ("full_auto", "no_seat_free"),
    ("limit", "live_claim_limit"),
])
def test_claims_that_cannot_be_taken_answer_409_with_a_code_and_a_sentence(db, call, project, volunteer,
                                                                            setup, code):
    help_request = project.help_request
    if setup == "delivered":
        help_request.status = "delivered"
    elif setup == "duplicate":
        make_claim(help_request, volunteer)
    elif setup == "full_auto":
        help_request.auto_accept = True
        for _ in range(2):
            make_claim(help_request, make_volunteer(), status="accepted")
    else:
        for _ in range(3):
            make_claim(make_request(status="open"), volunteer, hours=1)
    db.session.commit()

    answer = call(volunteer, "POST", f"/requests/{help_request.id}/claims", json=CLAIM)

    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == code and len(error["message"]) > 20


@pytest.mark.parametrize(("body", "field"), [
    ({"hours_per_week": 4}, "role"),
    ({"role": "member"}, "hours_per_week"),
    ({"role": "member", "hours_per_week": 0}, "hours_per_week"),
    ({"role": "captain", "hours_per_week": 4}, "role"),
    ({"role": "member", "hours_per_week": 4, "commitment_months": 2}, "commitment_months"),
    ({"role": "member", "hours_per_week": 4, "message": "x" * 20_001}, "message"),
    ({"role": "member", "hours_per_week": 11}, "hours_per_week"),  # the profile offers 10
])
def test_bad_claims_answer_422_naming_the_field(call, project, volunteer, body, field):
    answer = call(volunteer, "POST", f"/requests/{project.help_request.id}/claims", json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_malformed_json_is_400_and_no_token_401_and_staff_403(call, project, volunteer):
    path = f"/requests/{project.help_request.id}/claims"
    assert call(volunteer, "POST", path, data="{", content_type="application/json").status_code == 400
    assert call(None, "POST", path, json=CLAIM).status_code == 401
    assert call(project.staff, "POST", path, json=CLAIM).status_code == 403


def test_a_draft_cannot_be_claimed_or_seen(db, call, volunteer):
    draft = make_request(status="draft")
    db.session.commit()
    assert call(volunteer, "POST", f"/requests/{draft.id}/claims", json=CLAIM).status_code == 404


def test_staff_and_coordinators_accept_and_decline(db, call, project):
    first, second = make_claim(project.help_request, make_volunteer()), make_claim(
        project.help_request, make_volunteer())
    db.session.commit()

    accepted = call(project.staff, "POST", f"/claims/{first.id}/accept", json={"note": "欢迎！"})
    declined = call(project.coordinator, "POST", f"/claims/{second.id}/decline", json={})

    assert accepted.status_code == 200 and declined.status_code == 200
    assert accepted.get_json()["status"] == "accepted" and accepted.get_json()["decision_note"] == "欢迎！"
    assert accepted.get_json()["decided_by"]["id"] == project.staff.id
    assert declined.get_json()["status"] == "declined"
    assert call(project.staff, "POST", f"/claims/{second.id}/accept").status_code == 409


def test_a_volunteer_cannot_accept_their_own_claim(db, call, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    db.session.commit()
    answer = call(volunteer, "POST", f"/claims/{claim.id}/accept")
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_strangers_get_404_for_claims_they_may_not_see(db, call, project, volunteer):
    claim = make_claim(project.help_request, volunteer)
    stranger, other_staff = make_volunteer(), make_user("nonprofit")
    db.session.commit()
    for user in (stranger, other_staff):
        assert call(user, "GET", f"/claims/{claim.id}").status_code == 404
        assert call(user, "POST", f"/claims/{claim.id}/accept").status_code == 404
    assert call(None, "GET", f"/claims/{claim.id}").status_code == 401


def test_accept_answers_409_when_no_seat_is_free(db, call, project):
    for _ in range(2):
        make_claim(project.help_request, make_volunteer(), status="accepted")
    waiting = make_claim(project.help_request, make_volunteer())
    db.session.commit()
    answer = call(project.staff, "POST", f"/claims/{waiting.id}/accept")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "no_seat_free"


def test_withdraw_is_for_the_volunteer_and_release_for_coordinators(db, call, project, volunteer):
    project.help_request.status = "in_progress"
    claim = make_claim(project.help_request, volunteer, status="accepted")
    other = make_claim(project.help_request, make_volunteer(), status="accepted")
    db.session.commit()

    assert call(project.staff, "POST", f"/claims/{claim.id}/withdraw").status_code == 403
    assert call(project.staff, "POST", f"/claims/{other.id}/release").status_code == 403
    assert call(volunteer, "POST", f"/claims/{claim.id}/withdraw", json={"note": "Moving city."}
                ).get_json()["status"] == "withdrawn"
    released = call(project.coordinator, "POST", f"/claims/{other.id}/release", json={"note": "Silent."})
    assert released.status_code == 200 and released.get_json()["status"] == "released"
    request_body = call(project.staff, "GET", f"/requests/{project.help_request.id}").get_json()
    assert (request_body["seats_taken"], request_body["status"]) == (0, "open")
    assert call(volunteer, "POST", f"/claims/{claim.id}/withdraw").status_code == 409


def test_every_claim_kind_is_on_the_public_timeline(db, call, project, volunteer):
    claim = call(volunteer, "POST", f"/requests/{project.help_request.id}/claims", json=CLAIM).get_json()
    call(project.staff, "POST", f"/claims/{claim['id']}/accept")
    call(volunteer, "POST", f"/claims/{claim['id']}/withdraw")

    timeline = call(None, "GET", f"/requests/{project.help_request.id}/timeline").get_json()["items"]

    kinds = [entry["kind"] for entry in timeline]
    assert kinds == ["claim_submitted", "claim_accepted", "status_changed", "claim_withdrawn",
                     "status_changed"]
    assert all("claim" in kind for kind in kinds if kind != "status_changed")


def test_renew_and_conclude(db, call, project, volunteer):
    claim = make_claim(project.help_request, volunteer, status="accepted")
    db.session.commit()
    renewed = call(volunteer, "POST", f"/claims/{claim.id}/renew", json={"commitment_months": 12})
    assert renewed.status_code == 200 and renewed.get_json()["commitment_months"] == 12
    assert call(project.staff, "POST", f"/claims/{claim.id}/renew", json={}).status_code == 403
    assert call(volunteer, "POST", f"/claims/{claim.id}/conclude", json={}).status_code == 422
    concluded = call(volunteer, "POST", f"/claims/{claim.id}/conclude",
                     json={"exit_note": "Handed over."}).get_json()
    assert (concluded["status"], concluded["exit_note"]) == ("completed", "Handed over.")


def test_a_volunteer_lists_their_claims(db, call, volunteer):
    for status in ("pending", "accepted", "declined"):
        make_claim(make_request(status="open"), volunteer, status=status)
    make_claim(make_request(status="open"), make_volunteer())
    db.session.commit()

    body = call(volunteer, "GET", "/volunteers/me/claims?per_page=2").get_json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (3, 1, 2, 2)
    only = call(volunteer, "GET", "/volunteers/me/claims?status=declined").get_json()
    assert [item["status"] for item in only["items"]] == ["declined"]
    assert call(volunteer, "GET", "/volunteers/me/claims?status=lost").status_code == 422


def test_staff_and_coordinators_list_a_requests_claims(db, call, project, volunteer):
    make_claim(project.help_request, volunteer)
    make_claim(project.help_request, make_volunteer(), status="declined")
    db.session.commit()
    path = f"/requests/{project.help_request.id}/claims"
    assert call(project.staff, "GET", path).get_json()["total"] == 2
    assert call(project.coordinator, "GET", f"{path}?status=pending").get_json()["total"] == 1
    assert call(volunteer, "GET", path).status_code == 403


def test_the_claim_endpoints_are_documented(call):
    paths = call(None, "GET", "/openapi.json").get_json()["paths"]
    for path in ("/api/v1/requests/{request_id}/claims", "/api/v1/claims/{claim_id}",
                 "/api/v1/claims/{claim_id}/accept", "/api/v1/claims/{claim_id}/decline",
                 "/api/v1/claims/{claim_id}/withdraw", "/api/v1/claims/{claim_id}/release",
                 "/api/v1/volunteers/me/claims"):
        assert path in paths, path
    assert "409" in paths["/api/v1/requests/{request_id}/claims"]["post"]["responses"]

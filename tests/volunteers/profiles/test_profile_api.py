"""The profile API: PUT and GET /api/v1/volunteers/me, GET /api/v1/volunteers/{id} with public fields only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent
from app.extensions import db as database
from app.volunteers.models import CheckIn, Review
from tests.factories import make_claim, make_request, make_user, make_volunteer

PROFILE = {
    "skills": [{"name": "database-design", "level": 4}, {"name": "数据库", "level": 4}],
    "hours_per_week": 6, "city": "上海", "languages": ["zh", "en"], "causes": ["food"], "remote": True,
}


@pytest.fixture
def volunteer(db, taxonomy):
    user = make_user("volunteer", name="Fang Wang", email="fang@example.org")
    db.session.commit()
    return user


def put_me(client, headers, body):
    return client.put("/api/v1/volunteers/me", json=body, headers=headers)


def test_a_volunteer_saves_skills_named_in_any_language(client, api_token, volunteer):
    body = {**PROFILE, "skills": [{"name": "database-design", "level": 4},
                                  {"name": "mini program", "level": 2}, {"name": "React", "level": 5}]}

    response = put_me(client, api_token(volunteer), body)

    assert response.status_code == 200
    profile = response.get_json()
    assert [(s["name"], s["level"]) for s in profile["skills"]] == [("react", 5), ("database-design", 4),
                                                                    ("wechat-mini-program", 2)]
    assert profile["skills"][1] == {"name": "database-design", "name_en": "Database design & cleanup",
                                    "name_zh": "数据库设计与整理", "category": "data", "level": 4}
    assert (profile["hours_per_week"], profile["city"], profile["remote"]) == (6, "上海", True)
    assert profile["languages"] == ["zh", "en"] and profile["causes"] == ["food"]
    assert profile["email"] == "fang@example.org"  # the owner's own view


def test_the_same_skill_named_twice_is_refused(client, api_token, volunteer):
    response = put_me(client, api_token(volunteer), PROFILE)  # "database-design" and its synonym 数据库

    assert response.status_code == 422
    assert "listed twice" in response.get_json()["error"]["fields"]["skills[1].name"]


def test_an_unknown_skill_is_named_by_its_position(client, api_token, volunteer):
    body = {**PROFILE, "skills": [{"name": "python", "level": 3}, {"name": "Klingon poetry", "level": 5}]}

    response = put_me(client, api_token(volunteer), body)

    error = response.get_json()["error"]
    assert response.status_code == 422
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == ["skills[1].name"]
    assert "“Klingon poetry” is not in our skills list." in error["fields"]["skills[1].name"]


@pytest.mark.parametrize(("change", "field"), [
    ({"skills": [{"name": "python", "level": 6}]}, "skills[0].level"),
    ({"skills": [{"name": "python"}]}, "skills[0].level"),
    ({"hours_per_week": 0}, "hours_per_week"),
    ({"hours_per_week": 41}, "hours_per_week"),
    ({"remote": "yes"}, "remote"),
    ({"languages": ["zh", "tlh"]}, "languages[1]"),
    ({"causes": ["food", "space-travel"]}, "causes[1]"),
    ({"timezone": "Asia/Atlantis"}, "timezone"),
    ({"github_url": "javascript:alert(1)"}, "github_url"),
    ({"bio": "x" * 2001}, "bio"),
])
def test_each_bad_field_is_named(client, api_token, volunteer, change, field):
    response = put_me(client, api_token(volunteer), {**PROFILE, "skills": PROFILE["skills"][:1], **change})

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_language_and_cause_names_in_either_language_become_codes(client, api_token, volunteer):
    body = {**PROFILE, "skills": [], "languages": ["Cantonese", "普通话", "EN"],
            "causes": ["环境保护", "Food security"]}

    profile = put_me(client, api_token(volunteer), body).get_json()

    assert profile["languages"] == ["yue", "zh", "en"]
    assert profile["causes"] == ["environment", "food"]


def test_fields_left_out_keep_their_values(client, api_token, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 4}, city="成都", bio="Still here.",
                               phone="+86 138 0000 0001")
    db.session.commit()
    headers = api_token(volunteer)

    profile = put_me(client, headers, {"hours_per_week": 10}).get_json()

    assert profile["hours_per_week"] == 10
    assert [s["name"] for s in profile["skills"]] == ["python"]
    assert (profile["city"], profile["bio"], profile["phone"]) == ("成都", "Still here.", "+86 138 0000 0001")


def test_saving_is_audited(client, api_token, volunteer, db):
    put_me(client, api_token(volunteer), {**PROFILE, "skills": PROFILE["skills"][:1]})

    [event] = db.session.scalars(sa.select(AuditEvent)
                                 .where(AuditEvent.action == "volunteer_profile.updated"))
    assert event.actor_id == volunteer.id
    assert event.detail["created"] is True
    assert {"skills", "hours_per_week", "city", "languages", "causes"} <= set(event.detail["changed"])


def test_reading_my_profile_before_saving_shows_the_defaults(client, api_token, volunteer):
    response = client.get("/api/v1/volunteers/me", headers=api_token(volunteer))

    assert response.status_code == 200
    assert response.get_json() | {"updated_at": None} == {
        "id": volunteer.id, "name": "Fang Wang", "email": "fang@example.org", "phone": None, "skills": [],
        "hours_per_week": None, "city": None, "timezone": "Asia/Shanghai", "remote": True, "languages": [],
        "causes": [], "bio": "", "github_url": None, "portfolio_url": None, "updated_at": None}


@pytest.mark.parametrize("role", ["nonprofit", "coordinator"])
def test_other_roles_cannot_edit_a_volunteer_profile(client, api_token, db, role):
    user = make_user(role)
    db.session.commit()

    assert put_me(client, api_token(user), PROFILE).status_code == 403
    assert client.get("/api/v1/volunteers/me", headers=api_token(user)).status_code == 403


def test_without_a_token_the_api_asks_for_one(client):
    assert client.put("/api/v1/volunteers/me", json=PROFILE).status_code == 401


def test_the_public_profile_has_no_email_or_phone_for_anyone(client, api_token, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 5}, email="fang@example.org", phone="+86 138 0000 4321")
    coordinator = make_user("coordinator")
    db.session.commit()

    for headers in ({}, api_token(coordinator), api_token(volunteer)):
        response = client.get(f"/api/v1/volunteers/{volunteer.id}", headers=headers)
        body = response.get_json()
        assert response.status_code == 200
        assert "email" not in body and "phone" not in body
        assert "fang@example.org" not in response.get_data(as_text=True)
        assert "4321" not in response.get_data(as_text=True)


def test_the_public_profile_lists_delivered_projects_hours_and_reviews(client, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 5})
    staff = make_user("nonprofit", name="Staff Member")
    help_request = make_request(status="delivered", title="Food bank map")
    make_claim(help_request, volunteer, status="completed", role="lead")
    database.session.add_all([
        CheckIn(request_id=help_request.id, author_id=volunteer.id, summary="Done.", hours=7.5),
        Review(request_id=help_request.id, author_id=staff.id, subject_user_id=volunteer.id, rating=5,
               body="Kept going every month.")])
    db.session.commit()

    body = client.get(f"/api/v1/volunteers/{volunteer.id}").get_json()

    assert [(p["request_id"], p["title"], p["role"]) for p in body["delivered_projects"]] == [
        (help_request.id, "Food bank map", "lead")]
    assert body["hours_given"] == 7.5
    assert (body["review_count"], body["average_rating"]) == (1, 5.0)
    assert body["reviews"][0]["body"] == "Kept going every month."
    assert body["reviews"][0]["author"] == {"id": staff.id, "name": "Staff Member", "role": "nonprofit"}


def test_only_volunteers_have_public_profiles_in_the_api(client, db):
    staff = make_user("nonprofit")
    db.session.commit()

    assert client.get(f"/api/v1/volunteers/{staff.id}").status_code == 404
    assert client.get("/api/v1/volunteers/424242").get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_profile_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert {"get", "put"} <= set(paths["/api/v1/volunteers/me"])
    assert "get" in paths["/api/v1/volunteers/{user_id}"]

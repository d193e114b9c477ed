"""Editing my profile in the browser: saving, each bad field named with what was typed kept, who may."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent
from app.volunteers.models import VolunteerProfile
from tests.factories import make_user, make_volunteer
from tests.helpers import EN, sign_in, text_of
from tests.volunteers.profiles.samples import FORM


def saved_profile(db, user) -> VolunteerProfile | None:
    db.session.expire_all()
    return db.session.get(VolunteerProfile, user.id)


def test_a_volunteer_fills_in_the_profile_and_sees_it_public(app, db, taxonomy, volunteer_user):
    client = sign_in(app.test_client(), volunteer_user)

    response = client.post("/volunteers/me/edit", data=FORM, headers=EN)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/volunteers/{volunteer_user.id}"
    profile = saved_profile(db, volunteer_user)
    assert {held.skill.slug: held.level for held in profile.skills} == {"python": 4, "database-design": 3}
    assert (profile.hours_per_week, profile.city, profile.timezone, profile.remote) == (
        6, "成都", "Asia/Shanghai", True)
    assert profile.languages == ["zh", "en"] and profile.causes == ["health", "food"]
    assert profile.github_url == "https://github.com/fangwang"
    assert profile.portfolio_url == "https://fang.example.org"  # a scheme is added to a bare address
    assert profile.phone == "+86 138 0000 1234"
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "Your profile is saved." in page
    assert "Python" in page and "4 of 5 · Strong" in page
    assert "Database design &amp; cleanup" in page
    assert "Mandarin Chinese and English" in page
    assert "Health and medical aid" in page and "Food security" in page


def test_the_edit_page_shows_what_was_saved(app, db, taxonomy):
    volunteer = make_volunteer(skills={"react": 5}, hours_per_week=8, city="杭州", remote=False,
                               languages=["yue"], causes=["education"], bio="Front-end person.",
                               phone="+86 139 0000 0000")
    db.session.commit()

    page = text_of(sign_in(app.test_client(), volunteer).get("/volunteers/me/edit", headers=EN))

    assert 'id="skill-react" checked' in page
    assert '<option selected value="5">5 · Expert</option>' in page
    assert 'name="hours_per_week" type="number" value="8"' in page
    assert 'value="杭州"' in page
    assert '<input checked id="remote-1" name="remote" type="radio" value="onsite">' in page
    assert '<input checked id="languages-1" name="languages" type="checkbox" value="yue">' in page
    assert "Front-end person." in page
    assert 'value="+86 139 0000 0000"' in page
    assert volunteer.email in page  # the owner sees their private e-mail address here


def test_saving_again_replaces_the_skills_and_records_who_changed_what(app, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 4, "vue": 2})
    db.session.commit()
    client = sign_in(app.test_client(), volunteer)

    response = client.post("/volunteers/me/edit", headers=EN, data={
        **FORM, "skills": ["python", "seo"], "level_python": "5", "level_seo": "2"})

    assert response.status_code == 302
    profile = saved_profile(db, volunteer)
    assert {held.skill.slug: held.level for held in profile.skills} == {"python": 5, "seo": 2}
    [event] = db.session.scalars(sa.select(AuditEvent)
                                 .where(AuditEvent.action == "volunteer_profile.updated"))
    assert (event.actor_id, event.target_type, event.target_id) == (
        volunteer.id, "volunteer_profiles", volunteer.id)
    assert "skills" in event.detail["changed"] and "phone" in event.detail["changed"]
    assert "+86 138 0000 1234" not in str(event.detail)  # the private value stays out of the trail


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("hours_per_week", "0", "a whole number from 1 to 40"),
    ("hours_per_week", "41", "a whole number from 1 to 40"),
    ("hours_per_week", "six", "a whole number from 1 to 40"),
    ("timezone", "Mars/Olympus_Mons", "is not a time zone we know"),
    ("github_url", "javascript:alert(1)", "Enter a web address starting with http:// or https://"),
    ("portfolio_url", "ftp://files.example.org", "Enter a web address starting with http:// or https://"),
    ("bio", "x" * 2001, "Use at most 2000 characters."),
    ("city", "c" * 101, "Use at most 100 characters."),
    ("phone", "call me", "Enter a phone number with digits"),
])
def test_a_bad_value_is_named_and_what_was_typed_stays(app, db, taxonomy, volunteer_user, field, typed,
                                                        message):
    client = sign_in(app.test_client(), volunteer_user)

    response = client.post("/volunteers/me/edit", data={**FORM, field: typed}, headers=EN)

    page = text_of(response)
    assert response.status_code == 422
    assert message in page
    assert f'href="#{field}"' in page  # the summary at the top links to the field
    assert typed[:50].replace("&", "&amp;") in page
    other = "bio" if field != "bio" else "city"
    assert FORM[other] in page  # the other fields keep what was typed too
    assert saved_profile(db, volunteer_user) is None


def test_every_bad_field_is_named_at_once(app, db, taxonomy, volunteer_user):
    client = sign_in(app.test_client(), volunteer_user)

    response = client.post("/volunteers/me/edit", headers=EN, data={
        **FORM, "hours_per_week": "99", "timezone": "Nowhere", "level_python": "9",
        "languages": ["zh", "tlh"], "causes": ["space-travel"]})

    page = text_of(response)
    assert response.status_code == 422
    for anchor in ("#hours_per_week", "#timezone", "#skills", "#languages", "#causes"):
        assert f'href="{anchor}"' in page
    assert "Choose a level from 1 (learning) to 5 (expert) for Python." in page
    assert "“tlh” is not a language we know." in page
    assert "“space-travel” is not one of our cause areas." in page


def test_a_skill_outside_the_taxonomy_is_refused(app, db, taxonomy, volunteer_user):
    client = sign_in(app.test_client(), volunteer_user)

    response = client.post("/volunteers/me/edit", data={**FORM, "skills": ["python", "cobol-on-mars"]},
                           headers=EN)

    assert response.status_code == 422
    assert "“cobol-on-mars” is not in our skills list." in text_of(response)


def test_the_skill_picker_works_without_javascript(app, db, taxonomy, volunteer_user):
    page = text_of(sign_in(app.test_client(), volunteer_user).get("/volunteers/me/edit", headers=EN))

    assert '<details class="skill-group"' in page
    assert 'name="skills" value="wechat-mini-program"' in page
    assert 'name="level_wechat_mini_program"' in page
    assert "Data &amp; databases" in page  # category names in the reader's language
    assert 'data-suggest-url="/volunteers/skills/suggest" hidden' in page  # the type-ahead waits for JS
    assert '<script src="/static/js/skills.js" defer></script>' in page


def test_chinese_readers_see_skill_names_in_chinese_with_product_names_marked_english(app, db, taxonomy):
    reader = make_user("volunteer", locale="zh_CN")
    db.session.commit()

    page = text_of(sign_in(app.test_client(), reader).get("/volunteers/me/edit"))

    assert '<label for="skill-database-design">数据库设计与整理</label>' in page
    assert '<label for="skill-react"><span lang="en">React</span></label>' in page


@pytest.mark.parametrize("role", ["nonprofit", "coordinator"])
def test_only_volunteers_have_a_profile_to_edit(app, db, role):
    user = make_user(role)
    db.session.commit()
    client = sign_in(app.test_client(), user)

    assert client.get("/volunteers/me/edit", headers=EN).status_code == 403
    assert client.post("/volunteers/me/edit", data=FORM, headers=EN).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VolunteerProfile)) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/volunteers/me/edit", headers=EN)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")

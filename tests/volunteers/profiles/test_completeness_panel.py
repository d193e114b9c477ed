"""The dashboard panel: how complete a volunteer's profile is and what to add for recommendations."""

from __future__ import annotations

from app.volunteers.profiles.queries import completeness
from tests.factories import make_user, make_volunteer
from tests.helpers import EN, sign_in, text_of


def test_a_new_volunteer_is_asked_for_skills_and_hours(app, db, volunteer_user):
    page = text_of(sign_in(app.test_client(), volunteer_user).get("/dashboard", headers=EN))

    assert "Your profile" in page
    assert "Add your skills and hours to get recommendations." in page
    assert "your skills, with a level for each" in page
    assert "the hours a week you can give" in page
    assert 'href="/volunteers/me/edit"' in page
    assert '<p class="panel-figure">0%</p>' in page


def test_a_profile_with_skills_and_hours_no_longer_blocks_recommendations(app, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 4}, remote=True)
    db.session.commit()

    state = completeness(volunteer)
    page = text_of(sign_in(app.test_client(), volunteer).get("/dashboard", headers=EN))

    assert state.ready_for_recommendations
    assert set(state.missing) == {"languages", "causes", "bio"}
    assert state.percent == 50
    assert "Add your skills and hours to get recommendations." not in page
    assert "the languages you work in" in page and "a short bio" in page


def test_a_complete_profile_says_so_and_links_to_the_public_page(app, db, taxonomy):
    volunteer = make_volunteer(skills={"python": 4}, city="成都", languages=["zh"], causes=["food"],
                               bio="Hello.")
    db.session.commit()

    page = text_of(sign_in(app.test_client(), volunteer).get("/dashboard", headers=EN))

    assert completeness(volunteer).percent == 100
    assert "Your profile is complete" in page
    assert f'href="/volunteers/{volunteer.id}"' in page


def test_an_on_site_volunteer_needs_a_city(db, taxonomy):
    volunteer = make_volunteer(skills={"python": 4}, remote=False, city=None)

    assert "city" in completeness(volunteer).missing


def test_other_roles_see_no_profile_panel(app, db):
    staff = make_user("nonprofit")
    db.session.commit()

    page = text_of(sign_in(app.test_client(), staff).get("/dashboard", headers=EN))

    assert "Complete your profile" not in page and "Your profile is complete" not in page

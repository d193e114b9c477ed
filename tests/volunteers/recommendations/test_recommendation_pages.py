"""Recommendations on the volunteer's dashboard and on their own page, with the reasons in words."""

from __future__ import annotations

from tests.factories import make_request, make_user
from tests.helpers import EN, sign_in


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_dashboard_shows_the_three_best_projects_and_why(app, db, engineer, catalogue, school_org):
    make_request(school_org, title="Fourth fit", skills=["postgresql"], effort_hours=40)
    db.session.commit()
    body = text(sign_in(app.test_client(), engineer).get("/dashboard", headers=EN))
    panel = body.split('id="recommendations-heading"', 1)[1].split("</section>", 1)[0]
    assert panel.index("Student records") < panel.index("Fourth fit")
    assert "matches your Flask and PostgreSQL" in panel and "needs about 4 h/week, you have 6" in panel
    assert panel.count('class="recommendation"') == 3
    assert 'href="/recommendations"' in panel  # there are more than three
    assert "Secret draft" not in panel and "Pet gallery" not in panel


def test_the_recommendations_page_lists_them_all(app, db, engineer, catalogue):
    body = text(sign_in(app.test_client(), engineer).get("/recommendations", headers=EN))
    assert body.index("Student records") < body.index("Adoption site") < body.index("Library catalogue")
    assert "cause: Education" in body


def test_a_volunteer_without_a_profile_is_told_what_to_add(app, db):
    newcomer = make_user("volunteer")
    db.session.commit()
    browser = sign_in(app.test_client(), newcomer)
    assert "Tell us what you can do" in text(browser.get("/dashboard", headers=EN))
    assert "Tell us what you can do" in text(browser.get("/recommendations", headers=EN))


def test_a_profile_that_matches_nothing_yet_says_so(app, db, engineer):
    body = text(sign_in(app.test_client(), engineer).get("/recommendations", headers=EN))
    assert "No matching project right now" in body


def test_only_volunteers_have_recommendations(app, db, client):
    assert client.get("/recommendations").status_code == 302
    nonprofit = make_user("nonprofit")
    db.session.commit()
    assert sign_in(app.test_client(), nonprofit).get("/recommendations").status_code == 403
    assert "recommendations-heading" not in text(sign_in(app.test_client(), nonprofit).get("/dashboard"))

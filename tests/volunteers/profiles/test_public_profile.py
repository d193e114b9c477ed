"""The public profile: what anyone may read, what nobody else ever sees, and what a volunteer has given."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.volunteers.models import CheckIn, Review
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN, count_statements, sign_in, text_of

PHONE = "+86 138 0000 4321"


@pytest.fixture
def fang(db, taxonomy):
    """A volunteer with a full profile, private phone included."""
    volunteer = make_volunteer(name="Fang Wang", email="fang@example.org", skills={"python": 5, "seo": 2},
                               city="成都", languages=["zh", "yue"], causes=["food"], phone=PHONE,
                               bio="I build small tools for food banks.",
                               github_url="https://github.com/fangwang")
    db.session.commit()
    return volunteer


def delivered_project(volunteer, *, title: str, hours: float, rating: int | None = None, body: str = ""):
    """A delivered request the volunteer completed a seat on, with a check-in and maybe a review."""
    staff = make_user("nonprofit", name=f"Staff of {title}")
    help_request = make_request(status="delivered", title=title)
    make_claim(help_request, volunteer, status="completed", role="lead")
    db.session.add(CheckIn(request_id=help_request.id, author_id=volunteer.id, summary="Done.", hours=hours))
    if rating is not None:
        db.session.add(Review(request_id=help_request.id, author_id=staff.id, subject_user_id=volunteer.id,
                              rating=rating, body=body))
    db.session.flush()
    return help_request


def viewer_client(app, db, role: str | None, owner=None):
    client = app.test_client()
    if role == "owner":
        return sign_in(client, owner)
    if role is not None:
        user = make_user(role)
        db.session.commit()
        sign_in(client, user)
    return client


@pytest.mark.parametrize("role", [None, "nonprofit", "volunteer", "coordinator", "owner"])
def test_email_and_phone_never_appear_on_the_public_page(app, db, fang, role):
    client = viewer_client(app, db, role, owner=fang)

    page = text_of(client.get(f"/volunteers/{fang.id}", headers=EN))

    assert "Fang Wang" in page and "I build small tools for food banks." in page
    assert "fang@example.org" not in page
    assert PHONE not in page and "138 0000 4321" not in page


def test_the_public_page_shows_skills_place_languages_causes_and_links(client, db, fang):
    page = text_of(client.get(f"/volunteers/{fang.id}", headers=EN))

    assert "Python" in page and "5 of 5 · Expert" in page
    assert "SEO" in page and "2 of 5 · Some experience" in page
    assert page.index("Python") < page.index("SEO")  # strongest first
    assert "成都" in page and "Works remotely" in page
    assert "Mandarin Chinese and Cantonese" in page
    assert "Food security" in page
    assert 'href="https://github.com/fangwang" rel="nofollow noopener noreferrer ugc"' in page
    assert "Edit your profile" not in page


def test_the_owner_gets_a_link_to_edit(app, db, fang):
    page = text_of(sign_in(app.test_client(), fang).get(f"/volunteers/{fang.id}", headers=EN))

    assert 'href="/volunteers/me/edit"' in page and "Edit your profile" in page


def test_delivered_projects_hours_and_reviews_are_shown(client, db, fang):
    first = delivered_project(fang, title="Food bank map", hours=12.5, rating=5,
                              body="Kept going every month.")
    delivered_project(fang, title="Tree tagging mini-program", hours=8, rating=4)
    unfinished = make_request(status="in_progress", title="Half-built approvals")
    make_claim(unfinished, fang, status="accepted")
    db.session.add(CheckIn(request_id=unfinished.id, author_id=fang.id, summary="Started.", hours=3))
    db.session.commit()

    page = text_of(client.get(f"/volunteers/{fang.id}", headers=EN))

    assert "Food bank map" in page and "Tree tagging mini-program" in page
    assert "Half-built approvals" not in page  # not delivered (yet)
    assert f'href="/requests/{first.id}"' in page
    assert "<dt>Hours given</dt><dd>23.5</dd>" in page  # every check-in counts, delivered or not
    assert "<dt>Projects delivered</dt><dd>2</dd>" in page
    assert "2 reviews, 4.5 of 5 on average" in page
    assert "Kept going every month." in page
    assert "Staff of Food bank map on" in page


def test_a_claim_that_was_withdrawn_does_not_count_as_delivered(client, db, fang):
    help_request = make_request(status="delivered", title="Left before the end")
    make_claim(help_request, fang, status="withdrawn")
    db.session.commit()

    page = text_of(client.get(f"/volunteers/{fang.id}", headers=EN))

    assert "Left before the end" not in page
    assert "No delivered projects yet." in page


def test_a_volunteer_without_a_saved_profile_still_has_a_page(client, db, volunteer_user):
    response = client.get(f"/volunteers/{volunteer_user.id}", headers=EN)

    assert response.status_code == 200
    assert "has not written a bio yet" in text_of(response)
    assert "No skills listed yet." in text_of(response)


@pytest.mark.parametrize("role", ["nonprofit", "coordinator"])
def test_only_volunteers_have_profile_pages(client, db, role):
    user = make_user(role)
    db.session.commit()

    assert client.get(f"/volunteers/{user.id}", headers=EN).status_code == 404
    assert client.get("/volunteers/999999", headers=EN).status_code == 404


def test_a_blocked_volunteers_page_is_gone_except_for_coordinators(app, db, fang):
    fang.is_blocked = True
    db.session.commit()

    assert app.test_client().get(f"/volunteers/{fang.id}", headers=EN).status_code == 404
    assert viewer_client(app, db, "coordinator").get(f"/volunteers/{fang.id}", headers=EN).status_code == 200


def test_markup_in_bio_and_city_is_shown_as_text(client, db, taxonomy):
    volunteer = make_volunteer(bio='<script>alert("bio")</script>', city="<img src=x onerror=alert(1)>")
    db.session.commit()

    page = text_of(client.get(f"/volunteers/{volunteer.id}", headers=EN))

    assert '<script>alert("bio")</script>' not in page
    assert "&lt;script&gt;alert(&#34;bio&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_markup_typed_into_the_edit_form_comes_back_as_text(app, db, taxonomy, volunteer_user):
    client = sign_in(app.test_client(), volunteer_user)

    page = text_of(client.post("/volunteers/me/edit", headers=EN, data={
        "hours_per_week": "99", "bio": "</textarea><script>alert(1)</script>",
        "city": '"><script>x</script>'}))

    assert "<script>alert(1)</script>" not in page and "<script>x</script>" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_costs_the_same_queries_for_one_project_or_many(client, db, taxonomy):
    few = make_volunteer(skills={"python": 3})
    many = make_volunteer(skills={"python": 3, "seo": 4, "react": 2, "vue": 5})
    delivered_project(few, title="One", hours=2, rating=5)
    for number in range(6):
        delivered_project(many, title=f"Project {number}", hours=2, rating=4)
    db.session.commit()

    with count_statements() as for_few:
        client.get(f"/volunteers/{few.id}", headers=EN)
    with count_statements() as for_many:
        client.get(f"/volunteers/{many.id}", headers=EN)

    assert len(for_many) == len(for_few)
    assert len(for_few) <= 8

"""Open projects (/projects, now the search page without words): only open requests, newest first, paged."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.db import utcnow
from tests.factories import make_org, make_request, make_skill, make_user
from tests.helpers import EN, ZH, client_for, count_statements, text_of


def open_requests(db, count: int, *, start_days_ago: int = 60) -> list:
    """`count` open requests of different organisations, each with two skills, published a day apart."""
    made = []
    for number in range(count):
        organization = make_org(members=[make_user("nonprofit")], name=f"Org {number}")
        help_request = make_request(organization, status="open", title=f"Project {number}", team_size=3,
                                    skills=["website", f"skill-{number % 4}"])
        help_request.published_at = utcnow() - timedelta(days=start_days_ago - number)
        made.append(help_request)
    db.session.commit()
    return made


def titles(body: str) -> list[str]:
    return re.findall(r'<h2 class="project-title"><a href="/requests/\d+">([^<]+)</a>', body)


def test_only_open_requests_are_listed_newest_first(client, db):
    organization = make_org(members=[make_user("nonprofit")])
    for status in ("draft", "intake", "in_progress", "in_review", "delivered", "withdrawn"):
        make_request(organization, status=status, title=f"A {status} request")
    open_requests(db, 3)

    body = text_of(client.get("/projects", headers=EN, follow_redirects=True))

    assert titles(body) == ["Project 2", "Project 1", "Project 0"]
    assert "3 open projects" in body


def test_each_project_shows_its_organisation_badge_skills_seats_and_summary(client, db):
    make_skill("website", "Website building", "网站建设")
    organization = make_org(members=[make_user("nonprofit")], name="Green Roots Food Bank")
    help_request = make_request(organization, status="open", team_size=3, skills=["website"],
                                title="A map of surplus food", seats_taken=1)
    help_request.spec_versions[0].content = {**help_request.spec_versions[0].content,
                                             "summary": "A **map** of donors."}
    db.session.commit()

    english = text_of(client.get("/projects", headers=EN, follow_redirects=True))
    chinese = text_of(client.get("/projects", headers=ZH, follow_redirects=True))

    assert f'href="/requests/{help_request.id}">A map of surplus food</a>' in english
    assert f'href="/organizations/{organization.id}">Green Roots Food Bank</a>' in english
    assert "badge-verified" in english and "badge-open" in english
    assert "<li>Website building</li>" in english and "<li>网站建设</li>" in chinese
    assert "2 seats free" in english and "in a team of 3" in english
    assert "A <strong>map</strong> of donors." in english


def test_the_list_needs_the_same_few_queries_for_two_projects_as_for_twenty(client, db):
    open_requests(db, 2)
    with count_statements() as few:
        assert len(titles(text_of(client.get("/projects", headers=EN, follow_redirects=True)))) == 2
    open_requests(db, 18)
    with count_statements() as many:
        assert len(titles(text_of(client.get("/projects", headers=EN, follow_redirects=True)))) == 20

    assert len(many) == len(few), many


def test_projects_are_paged_twenty_at_a_time(client, db):
    open_requests(db, 23)

    first = text_of(client.get("/projects", headers=EN, follow_redirects=True))
    second = text_of(client.get("/projects?page=2", headers=EN, follow_redirects=True))
    beyond = client.get("/projects?page=9", headers=EN, follow_redirects=True)

    assert len(titles(first)) == 20 and titles(first)[0] == "Project 22"
    assert titles(second) == ["Project 2", "Project 1", "Project 0"]
    assert "Page 2 of 2" in second
    assert beyond.status_code == 200 and titles(text_of(beyond)) == []


def test_an_empty_list_says_what_will_appear_here(client):
    body = text_of(client.get("/projects", headers=EN, follow_redirects=True))

    assert "No open projects right now" in body


def test_every_visitor_finds_the_open_projects_in_the_header(app, client, db):
    volunteer = make_user("volunteer")
    db.session.commit()

    for browser in (client, client_for(app, volunteer)):
        body = text_of(browser.get("/", headers=EN))
        assert '<a href="/search">Open projects</a>' in body
    chinese = text_of(client.get("/projects", headers=ZH, follow_redirects=True))
    assert '<a href="/search" aria-current="page">开放的项目</a>' in chinese

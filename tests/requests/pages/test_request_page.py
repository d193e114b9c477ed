"""The request page: the published spec rendered cleanly, organisation, skills, seats, and who sees what."""

from __future__ import annotations

import re

import pytest

from app.requests.status import transition
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer
from tests.helpers import EN, ZH, client_for, text_of


def test_the_published_spec_is_on_the_page_section_by_section(client, published):
    body = text_of(client.get(f"/requests/{published.id}", headers=EN))

    assert "<h1>A map of surplus food</h1>" in body
    for heading in ("Summary", "Background", "Users and roles", "Data to keep", "User stories",
                    "Acceptance criteria", "Constraints", "Team and effort", "Open questions"):
        assert f">{heading}" in body, heading
    assert "A <strong>map</strong> of surplus food donors" in body  # the current version, not v1
    assert "An old summary." not in body
    assert "<li>Volunteer drivers</li>" in body
    assert "As staff I can see donors and recipients on a <strong>map</strong>" in body
    assert "Works on a phone over a slow connection" in body
    assert "Two stories, three entities and a <em>map integration</em>." in body
    assert "Who may see recipients' addresses?" in body
    assert "Spec version 2, edited by Chen Coordinator" in body


def test_the_page_shows_team_seats_effort_deadline_and_check_in_rhythm(client, published, db):
    from datetime import date

    published.deadline = date(2030, 3, 1)
    db.session.commit()
    body = text_of(client.get(f"/requests/{published.id}", headers=EN))

    facts = dict(re.findall(r"<div><dt>([^<]+)</dt><dd[^>]*>(.*?)</dd></div>", body, re.S))
    assert facts["Team"] == "3 engineers"
    assert facts["Seats taken"] == "1"
    assert facts["Seats free"] == "2"
    assert facts["Effort"] == "about 120 hours"
    assert facts["Deadline"] == "March 1, 2030"
    assert facts["Check-ins"] == "Monthly"
    assert "badge-open" in facts["Status"]
    assert facts["Team size"] == "3 engineers" and facts["Effort (hours)"] == "120 hours"
    assert '<span class="request-seats">2 seats free</span>' in body  # in the heading too, for phones


def test_skills_are_named_in_the_readers_language(client, published):
    english = text_of(client.get(f"/requests/{published.id}", headers=EN))
    chinese = text_of(client.get(f"/requests/{published.id}", headers=ZH))

    assert "<li>Maps &amp; routing</li>" in english and "<li>Website building</li>" in english
    assert "<li>地图与路线</li>" in chinese and "<li>网站建设</li>" in chinese
    assert "Maps &amp; routing" not in chinese


def test_the_organisation_card_links_to_its_profile_with_the_verified_badge(client, published, organization):
    body = text_of(client.get(f"/requests/{published.id}", headers=EN))

    assert f'href="/organizations/{organization.id}">Green Roots Food Bank</a>' in body
    assert "badge-verified" in body
    assert "Chengdu" in body


def test_headings_lists_and_links_in_the_spec_are_rendered_with_safe_links(client, published):
    body = text_of(client.get(f"/requests/{published.id}", headers=EN))

    assert "<h5>How it works today</h5>" in body  # pushed down: "#" becomes <h4>, under the section's <h3>
    assert "<li>red dots: donors</li>" in body
    assert '<a href="https://foodbank.example.org/about" rel="nofollow noopener">our site</a>' in body


def test_the_page_offers_print_and_a_markdown_download_with_a_print_stylesheet(client, published):
    body = text_of(client.get(f"/requests/{published.id}", headers=EN))

    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in body
    assert "data-print" in body and ">Print<" in body
    assert f'href="/requests/{published.id}/spec.md"' in body
    assert '<script src="/static/js/print.js" defer></script>' in body
    with client.get("/static/css/print.css") as stylesheet:
        css = stylesheet.get_data(as_text=True)
    assert ".site-header" in css and "display: none" in css  # no navigation on paper
    assert 'content: " (" attr(href) ")"' in css  # outside links print their address
    with client.get("/static/js/print.js") as script:
        assert "window.print()" in script.get_data(as_text=True)


def test_the_organisation_page_links_each_published_request_to_its_page(client, published, organization):
    body = text_of(client.get(f"/organizations/{organization.id}", headers=EN))

    assert f'<a class="org-request-title" href="/requests/{published.id}">A map of surplus food</a>' in body


# -- who sees the page ----------------------------------------------------------------------------

VISIBLE_TO_EVERYONE = ["open", "in_progress", "in_review", "delivered"]
HIDDEN_FROM_THE_PUBLIC = ["draft", "intake", "withdrawn"]


def _people(db, organization):
    """Who might open a request page: anonymous, another nonprofit, a volunteer, its staff, a coordinator."""
    outsider = make_user("nonprofit", name="Other Staff")
    make_org(members=[outsider])
    people = {"anonymous": None, "other nonprofit": outsider, "volunteer": make_user("volunteer"),
              "staff": organization.memberships[0].user, "coordinator": make_user("coordinator")}
    db.session.commit()
    return people


@pytest.mark.parametrize("status", VISIBLE_TO_EVERYONE + HIDDEN_FROM_THE_PUBLIC)
def test_who_may_open_a_request_page_depends_on_its_status(app, db, organization, status):
    help_request = make_request(organization, status=status, title=f"A {status} request")
    db.session.commit()
    for who, user in _people(db, organization).items():
        browser = client_for(app, user) if user else app.test_client()
        response = browser.get(f"/requests/{help_request.id}", headers=EN)
        may_see = status in VISIBLE_TO_EVERYONE or who in ("staff", "coordinator")
        assert response.status_code == (200 if may_see else 404), (who, status)
        if not may_see:
            assert f"A {status} request" not in text_of(response)  # a 404 never names the request


def test_staff_see_their_own_draft_with_a_way_to_continue_it(app, db, organization, staff):
    draft = make_request(organization, status="draft", title="Our half-written idea")
    db.session.commit()

    body = text_of(client_for(app, staff).get(f"/requests/{draft.id}", headers=EN))

    assert "This request is a draft." in body
    assert f'href="/requests/{draft.id}/intake/review"' in body
    assert "No spec yet" in body
    assert "We keep our records on paper." in body  # the nonprofit's own words stand in for the spec
    assert f"/requests/{draft.id}/spec.md" not in body


def test_a_coordinator_sees_a_request_in_intake_with_a_link_to_review_it(app, db, organization):
    waiting = make_request(organization, status="intake", title="Waiting for intake")
    coordinator = make_user("coordinator")
    db.session.commit()

    body = text_of(client_for(app, coordinator).get(f"/requests/{waiting.id}", headers=EN))

    assert "Until it is published" in body
    assert f'href="/requests/{waiting.id}/review"' in body


def test_a_missing_request_is_a_404(client):
    assert client.get("/requests/999999", headers=EN).status_code == 404


# -- the organisation's contact -----------------------------------------------------------------

def test_the_contact_is_hidden_from_anonymous_visitors_and_volunteers(app, client, db, published):
    volunteer = make_volunteer()
    db.session.commit()
    for browser in (client, client_for(app, volunteer)):
        body = text_of(browser.get(f"/requests/{published.id}", headers=EN))
        assert "+86 138 1234 5678" not in body
        assert "li.mei@foodbank.example.org" not in body
        assert "Li Mei" not in body
        assert "Visible after your claim is accepted." in body


def test_the_contact_is_hidden_in_chinese_with_the_same_promise(client, published):
    body = text_of(client.get(f"/requests/{published.id}", headers=ZH))

    assert "认领被接受后可见" in body
    assert "+86 138 1234 5678" not in body


@pytest.mark.parametrize("who", ["staff", "coordinator", "accepted volunteer"])
def test_the_contact_is_shown_to_staff_coordinators_and_the_accepted_team(
        app, db, published, staff, coordinator, accepted_claims_make_team_members, who):
    user = {"staff": staff, "coordinator": coordinator}.get(who)
    if user is None:
        user = make_volunteer()
        make_claim(published, user, status="accepted")
        db.session.commit()

    body = text_of(client_for(app, user).get(f"/requests/{published.id}", headers=EN))

    assert "+86 138 1234 5678" in body
    assert "li.mei@foodbank.example.org" in body
    assert "Visible after your claim is accepted." not in body


def test_a_volunteer_whose_claim_is_only_pending_does_not_see_the_contact(
        app, db, published, accepted_claims_make_team_members):
    volunteer = make_volunteer()
    make_claim(published, volunteer, status="pending")
    db.session.commit()

    body = text_of(client_for(app, volunteer).get(f"/requests/{published.id}", headers=EN))

    assert "+86 138 1234 5678" not in body


def test_a_request_page_follows_its_status_after_a_transition(app, client, db, organization, coordinator):
    help_request = make_request(organization, status="intake", title="Soon public")
    db.session.commit()
    assert client.get(f"/requests/{help_request.id}", headers=EN).status_code == 404

    transition(help_request, "open", by=coordinator)
    db.session.commit()

    assert client.get(f"/requests/{help_request.id}", headers=EN).status_code == 200


def test_other_features_add_panels_to_the_request_page_for_the_viewers_they_choose(app, client, db, published,
                                                                                   staff, monkeypatch):
    from app.requests.pages import views as pages

    monkeypatch.setattr(pages, "_REQUEST_PANELS", {})

    @pages.request_page_panel(order=10)
    def staff_only_panel(viewer, help_request):
        if viewer is None or viewer.id != staff.id:
            return None
        return "requests/organizations/_organization_request_link.html", {
            "help_request": help_request, "request_page_url": lambda _request: "/team-panel"}

    anonymous = text_of(client.get(f"/requests/{published.id}", headers=EN))
    own = text_of(client_for(app, staff).get(f"/requests/{published.id}", headers=EN))

    assert "/team-panel" not in anonymous
    assert '<a class="org-request-title" href="/team-panel">A map of surplus food</a>' in own

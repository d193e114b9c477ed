"""The review page: the nonprofit's answers beside the current spec, open questions first, files listed."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.models import Notification
from app.requests.models import Attachment
from app.requests.review import thread
from tests.factories import make_request, make_user
from tests.helpers import EN, client_for, text_of

XSS = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def test_the_review_page_shows_the_answers_beside_the_spec(app, db, coordinator, intake_request):
    db.session.add(Attachment(help_request=intake_request, original_name="paper-form.jpg",
                              content_type="image/jpeg", size_bytes=2048, storage_key="k-paper-form"))
    db.session.commit()

    page = text_of(client_for(app, coordinator).get(f"/requests/{intake_request.id}/review", headers=EN))

    answers, spec = page.index("The nonprofit’s answers"), page.index("Spec, version 1")
    assert answers < spec
    assert "We keep our records on paper." in page  # the answers...
    assert "<li>record a visit</li>" in page
    for text in ("Retirees run a food bank.\nThey keep every record on paper.",  # ...and every section
                 "<li>Volunteer drivers</li>", "<li>Pick-up</li>", "<li>As a volunteer driver I can get a",
                 "<li>Works on a phone</li>", "<li>No hosting budget</li>", "Maps &amp; routing",
                 "2 engineers", "120 hours", "Two stories, four entities and a map integration."):
        assert text in page
    questions = page.index('class="open-questions"')
    assert answers < questions < page.index("Summary</h3>")
    assert "How many volunteers will use it each day?" in page[questions:]
    assert "Drafted by Codebridge from the answers" in page
    assert "paper-form.jpg" in page and "2.0 kB" in page
    assert f'href="/requests/{intake_request.id}/spec/edit"' in page
    assert "Publish now" in page and "Send back to the nonprofit" in page and "Reject the request" in page


def test_every_free_text_field_is_shown_escaped(app, db, coordinator, organization, skills):
    help_request = make_request(organization, status="intake", title=f"Title {XSS}", problem=XSS,
                                current_process=XSS, users=XSS, data_kept=XSS, must_do=[XSS], rhythm=XSS,
                                constraints=XSS)
    help_request.spec_versions[0].content = {
        "summary": XSS, "background": XSS, "users_and_roles": [XSS], "data_entities": [XSS],
        "user_stories": [XSS], "acceptance_criteria": [XSS], "constraints": [XSS], "skills": [XSS],
        "team_size": 1, "effort_hours": 10, "effort_reasoning": XSS, "open_questions": [XSS]}
    db.session.commit()

    page = text_of(client_for(app, coordinator).get(f"/requests/{help_request.id}/review", headers=EN))

    assert "<script>" not in page
    assert page.count(ESCAPED) >= 19  # title twice, seven answers, ten spec sections


def test_the_review_page_is_for_coordinators(app, db, staff, intake_request):
    volunteer = make_user("volunteer")
    db.session.commit()

    assert client_for(app, staff[1]).get(f"/requests/{intake_request.id}/review").status_code == 403
    assert client_for(app, volunteer).get(f"/requests/{intake_request.id}/review").status_code == 403


def test_a_request_past_intake_shows_no_decisions(app, db, coordinator, organization, skills):
    help_request = make_request(organization, status="in_progress")
    db.session.commit()

    page = text_of(client_for(app, coordinator).get(f"/requests/{help_request.id}/review", headers=EN))

    assert "Publish now" not in page and "Reject the request" not in page
    assert f'href="/requests/{help_request.id}/spec/edit"' not in page


def test_opening_the_review_marks_the_coordinators_thread_notifications_read(app, db, in_request, coordinator,
                                                                             staff, intake_request):
    thread.post_message(intake_request, staff[1], "Any news?")
    client_for(app, coordinator).get(f"/requests/{intake_request.id}/review")

    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.read_at.is_(None))) == 0

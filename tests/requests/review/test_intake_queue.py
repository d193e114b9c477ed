"""The intake queue: coordinators only, requests in intake oldest first, with what to weigh first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.requests.review import queries, thread
from tests.factories import make_org, make_request, make_user
from tests.helpers import EN, client_for, count_statements, text_of


def test_the_queue_lists_only_requests_in_intake_oldest_first(app, db, coordinator, organization, skills):
    pending = make_org(verified=False, name="Mountain Clinic Fund", members=[make_user("nonprofit")])
    newer = make_request(organization, status="intake", title="Newer request")
    older = make_request(pending, status="intake", title="Older request")
    older.submitted_at = utcnow() - timedelta(days=9)
    newer.submitted_at = utcnow() - timedelta(days=2)
    for status in ("draft", "open", "withdrawn"):
        make_request(organization, status=status, title=f"A {status} request")
    db.session.commit()

    page = text_of(client_for(app, coordinator).get("/intake", headers=EN))

    assert "2 requests waiting" in page
    assert page.index("Older request") < page.index("Newer request")
    for status in ("draft", "open", "withdrawn"):
        assert f"A {status} request" not in page
    assert "Mountain Clinic Fund" in page and "Not verified yet" in page
    assert "9 days" in page and "2 days" in page
    assert f'href="/requests/{older.id}/review"' in page


def test_the_queue_counts_open_questions_and_the_coordinators_unread_messages(db, in_request, coordinator,
                                                                              staff, intake_request):
    other = make_user("coordinator")
    db.session.commit()
    thread.post_message(intake_request, staff[1], "We have 40 drivers.")
    thread.post_message(intake_request, staff[0], "Only staff see addresses.")

    [item] = queries.intake_queue(coordinator).items
    assert (item.open_question_count, item.unread_count) == (2, 2)
    thread.mark_thread_read(intake_request, coordinator)
    assert queries.intake_queue(coordinator).items[0].unread_count == 0
    assert queries.intake_queue(other).items[0].unread_count == 2


def test_the_queue_runs_the_same_queries_however_long_it_is(db, in_request, coordinator, organization,
                                                            skills):
    def queries_for_one_page() -> int:
        assert coordinator.id  # loaded before counting: the page needs only the viewer's id
        with count_statements() as statements:
            page = queries.intake_queue(coordinator)
            [(item.help_request.organization.name, item.open_question_count) for item in page.items]
        return len(statements)

    make_request(organization, status="intake")
    db.session.commit()
    db.session.expire_all()
    few = queries_for_one_page()
    for _ in range(6):
        make_request(make_org(members=[make_user("nonprofit")]), status="intake")
    db.session.commit()
    db.session.expire_all()

    assert queries_for_one_page() == few == 2  # one page of rows, one count


@pytest.mark.parametrize("role, status", [("nonprofit", 403), ("volunteer", 403)])
def test_only_coordinators_see_the_queue(app, db, role, status):
    user = make_user(role)
    db.session.commit()

    assert client_for(app, user).get("/intake").status_code == status
    anonymous = app.test_client().get("/intake")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_the_coordinator_dashboard_says_how_many_requests_wait(app, db, coordinator, organization, skills):
    empty = text_of(client_for(app, coordinator).get("/dashboard", headers=EN))
    for _ in range(3):
        make_request(organization, status="intake")
    db.session.commit()

    page = text_of(client_for(app, coordinator).get("/dashboard", headers=EN))

    assert "No request is waiting" in empty
    assert "Intake queue: 3 requests waiting" in page
    assert 'href="/intake"' in page
    assert "The oldest was submitted" in page


def test_the_intake_queue_is_in_the_coordinators_navigation(app, db, coordinator, staff):
    assert 'href="/intake"' in text_of(client_for(app, coordinator).get("/dashboard", headers=EN))
    assert 'href="/intake"' not in text_of(client_for(app, staff[1]).get("/dashboard", headers=EN))

"""Editing the spec: every save that changes something is a new version; nothing else is."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict, Invalid, NotAllowed
from app.core.models import AuditEvent
from app.requests.models import SpecVersion, TimelineEntry
from app.requests.review import services as review
from app.requests.signals import spec_updated
from tests.factories import make_claim, make_request, make_user, make_volunteer
from tests.helpers import EN, client_for, text_of
from tests.requests.review.samples import DRAFTED


def form_data(**changes) -> dict:
    """The spec editor's fields as a browser posts them (lists one per line, CRLF line ends)."""
    data = {name: "\r\n".join(value) if isinstance(value, list) else value
            for name, value in DRAFTED.items() if name != "skills"}
    data.update(skills=list(DRAFTED["skills"]), base_version="", note="")
    data.update(changes)
    return data


def test_coordinator_edits_the_spec_twice_and_gets_versions_one_two_three(app, db, coordinator,
                                                                           intake_request):
    browser = client_for(app, coordinator)
    url = f"/requests/{intake_request.id}/spec/edit"

    form = text_of(browser.get(url, headers=EN))
    assert "How many volunteers will use it each day?\nWho may see recipients&#39; addresses?" in form
    assert 'value="maps-routing" checked' in form and 'value="database-design">' in form

    first = browser.post(url, headers=EN, data=form_data(
        base_version="1", note="Split the map story",
        user_stories="As staff I can see donors and recipients on a map\r\n"
                     "As staff I can filter the map by district\r\n"
                     "As a volunteer driver I can get a route for the day's pick-ups",
        skills=["maps-routing", "website", "database-design"]))
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/requests/{intake_request.id}/review")
    assert "Saved as version 2." in text_of(browser.get(first.headers["Location"], headers=EN))

    second = browser.post(url, headers=EN, data=form_data(base_version="2", team_size="3", effort_hours="180",
                                                          skills=["maps-routing", "database-design"]))
    assert second.status_code == 302

    db.session.expire_all()
    versions = db.session.scalars(sa.select(SpecVersion).where(SpecVersion.request_id == intake_request.id)
                                  .order_by(SpecVersion.version)).all()
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.author_id for v in versions] == [None, coordinator.id, coordinator.id]
    assert versions[1].note == "Split the map story"
    assert "As staff I can filter the map by district" in versions[1].content["user_stories"]
    assert versions[2].content["team_size"] == 3
    assert intake_request.current_spec_version == 3
    assert (intake_request.team_size, intake_request.effort_hours) == (3, 180)
    assert [skill.slug for skill in intake_request.skills] == ["database-design", "maps-routing"]

    entries = db.session.scalars(sa.select(TimelineEntry).where(TimelineEntry.kind == "spec_updated")
                                 .order_by(TimelineEntry.id)).all()
    assert [(e.detail["version"], e.is_public) for e in entries] == [(2, True), (3, True)]
    events = db.session.scalars(sa.select(AuditEvent)
                                .where(AuditEvent.action == "request.spec_updated")).all()
    assert sorted(e.detail["version"] for e in events) == [2, 3]
    assert {e.actor_id for e in events} == {coordinator.id}


def test_saving_an_unchanged_spec_makes_no_version_and_says_so(app, db, coordinator, intake_request):
    browser = client_for(app, coordinator)

    response = browser.post(f"/requests/{intake_request.id}/spec/edit", headers=EN,
                            data=form_data(base_version="1", note="Just looking"), follow_redirects=True)

    assert "Nothing changed, so no new version was saved." in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(SpecVersion.id))) == 1


def test_a_save_sends_the_spec_updated_signal(db, in_request, coordinator, intake_request):
    received = []

    def remember(sender, help_request, version, by, **extra):
        received.append((help_request.id, version, by.id))

    with spec_updated.connected_to(remember):
        review.save_spec(intake_request, coordinator, changes={"summary": "A food map."})

    assert received == [(intake_request.id, 2, coordinator.id)]


def test_sections_left_out_keep_their_value(db, in_request, coordinator, intake_request):
    spec = review.save_spec(intake_request, coordinator, changes={"effort_hours": 150})

    assert spec.version == 2
    assert spec.content["effort_hours"] == 150
    assert spec.content["user_stories"] == DRAFTED["user_stories"]
    assert spec.content["open_questions"] == DRAFTED["open_questions"]


def test_unknown_skills_are_refused_naming_the_skills_field(app, db, coordinator, intake_request):
    response = client_for(app, coordinator).post(
        f"/requests/{intake_request.id}/spec/edit", headers=EN,
        data=form_data(base_version="1", skills=["maps-routing", "time-travel"]))

    assert response.status_code == 422
    assert "Not in the skills taxonomy: time-travel." in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(SpecVersion.id))) == 1


def test_the_team_cannot_shrink_below_the_seats_taken(db, in_request, coordinator, organization, skills):
    help_request = make_request(organization, status="open", team_size=3, skills=["website"])
    for _ in range(2):
        make_claim(help_request, make_volunteer(), status="accepted")
    db.session.commit()

    with pytest.raises(Invalid) as error:
        review.save_spec(help_request, coordinator, changes={"team_size": 1})

    assert "2 seats are already taken" in error.value.fields["team_size"]
    spec = review.save_spec(help_request, coordinator, changes={"team_size": 2})
    assert spec.version == 2 and help_request.team_size == 2


@pytest.mark.parametrize("status", ["draft", "in_progress", "in_review", "delivered", "withdrawn"])
def test_the_spec_is_editable_only_in_intake_and_open(app, db, coordinator, organization, skills, status):
    help_request = make_request(organization, status=status)
    db.session.commit()

    response = client_for(app, coordinator).get(f"/requests/{help_request.id}/spec/edit", headers=EN)

    assert response.status_code == 409
    assert "The spec can be edited only while the request is in intake or open." in text_of(response)


def test_only_coordinators_edit_specs(app, db, staff, intake_request, in_request):
    volunteer = make_user("volunteer")
    db.session.commit()

    assert client_for(app, staff[1]).get(f"/requests/{intake_request.id}/spec/edit").status_code == 403
    assert client_for(app, volunteer).get(f"/requests/{intake_request.id}/spec/edit").status_code == 403
    with pytest.raises(NotAllowed):
        review.save_spec(intake_request, staff[1], changes={"summary": "Mine now."})


def test_a_stale_editor_is_told_and_keeps_what_they_typed(app, db, in_request, coordinator, intake_request):
    other = make_user("coordinator", name="Another Coordinator")
    db.session.commit()
    review.save_spec(intake_request, other, changes={"summary": "Someone else's summary."})

    response = client_for(app, coordinator).post(
        f"/requests/{intake_request.id}/spec/edit", headers=EN,
        data=form_data(base_version="1", summary="My careful summary."))

    page = text_of(response)
    assert response.status_code == 409
    assert "Someone saved version 2 of this spec while you were editing." in page
    assert "My careful summary." in page
    assert 'name="base_version" type="hidden" value="2"' in page
    with pytest.raises(Conflict) as stale:
        review.save_spec(intake_request, coordinator, changes={"summary": "x"}, base_version=1)
    assert stale.value.code == "stale_version"
    assert db.session.scalars(sa.select(SpecVersion.version).order_by(SpecVersion.version)).all() == [1, 2]


def test_a_missing_summary_and_bad_numbers_are_named(app, db, coordinator, intake_request):
    response = client_for(app, coordinator).post(
        f"/requests/{intake_request.id}/spec/edit", headers=EN,
        data=form_data(base_version="1", summary="  ", team_size="0", effort_hours="lots"))

    page = text_of(response)
    assert response.status_code == 422
    assert "Write a summary: two or three sentences an engineer reads first." in page
    assert "Enter a whole number from 1 to 20." in page
    assert db.session.scalar(sa.select(sa.func.count(SpecVersion.id))) == 1

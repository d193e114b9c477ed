"""The index follows the database: only published requests are listed, and every change to a
listing (publish, spec edit, status change, seats, withdrawal) reaches it through an index job."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import OutboxJob
from app.requests.intake import services as intake
from app.requests.organizations import services as organizations
from app.requests.organizations import verification
from app.requests.review import services as review
from app.search import engine
from app.volunteers.claims import services as claims
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer

INDEX_JOB = "app.search.indexing.jobs.update_request_index"


@pytest.fixture(autouse=True)
def request_context(app):
    """Services build links for their e-mails, as they would while serving a request."""
    with app.test_request_context("/"):
        yield


def index_jobs(db) -> list[OutboxJob]:
    return list(db.session.scalars(sa.select(OutboxJob).where(OutboxJob.name == INDEX_JOB)))


def test_drafts_intake_and_withdrawn_requests_are_never_indexed(db):
    listed = {status: make_request(status=status, title=f"尘肺病救助 {status}").id
              for status in ("open", "in_progress", "in_review", "delivered")}
    for status in ("draft", "intake", "withdrawn"):
        make_request(status=status, title=f"尘肺病救助 {status}")
    db.session.commit()

    engine.rebuild()

    assert sorted(engine.search("尘肺病救助").ids) == sorted(listed.values())
    assert sorted(engine.search("").ids) == sorted(listed.values())


def test_indexing_a_request_that_is_not_listed_removes_it(db):
    request = make_request(status="open", title="Food bank routing")
    db.session.commit()
    engine.rebuild()
    request.status = "withdrawn"  # as if the change happened after the index job was queued
    db.session.commit()

    assert engine.index_documents([request.id]) == set()  # not listed, so taken out
    assert engine.search("food bank").ids == []


def test_publishing_through_review_puts_the_request_in_search(db):
    coordinator = make_user("coordinator")
    request = make_request(status="intake", title="食物银行配送地图")
    engine.rebuild()  # an index already exists: the job adds to it
    db.session.commit()

    review.publish_request(request, coordinator)

    assert engine.search("食物银行").ids == [request.id]
    assert engine.check().is_true


def test_publishing_when_there_is_no_index_yet_builds_it(db):
    coordinator = make_user("coordinator")
    request = make_request(status="intake", title="行道树标注小程序")
    db.session.commit()

    review.publish_request(request, coordinator)

    assert engine.status() == "ok"
    assert engine.search("行道树").ids == [request.id]


def test_withdrawing_takes_the_request_out_of_search(db):
    owner = make_user("nonprofit")
    request = make_request(org=make_org(members=[owner]), status="open", title="法律援助热线工单系统")
    db.session.commit()
    engine.rebuild()
    assert engine.search("法律援助").ids == [request.id]

    intake.withdraw_request(request, owner, "We found another way.")

    assert engine.search("法律援助").ids == []
    assert engine.check().is_true


def test_a_spec_edit_is_searchable_at_once(db):
    coordinator = make_user("coordinator")
    request = make_request(status="open", title="Visit log app")
    db.session.commit()
    engine.rebuild()

    review.save_spec(request, coordinator,
                     changes={"summary": "Families read the visit notes of 养老院 residents."})

    assert engine.search("养老院").ids == [request.id]


def test_the_last_seat_taken_moves_the_request_out_of_free_seats(db):
    owner = make_user("nonprofit")
    request = make_request(org=make_org(members=[owner]), status="open", title="Backups for case files")
    claim = make_claim(request, make_volunteer(), status="pending")
    db.session.commit()
    engine.rebuild()
    assert engine.search("backups", filters={"has_free_seats": True}).ids == [request.id]

    claims.accept_claim(claim, owner)

    assert engine.search("backups", filters={"has_free_seats": True}).ids == []
    assert engine.search("backups", filters={"status": "in_progress"}).ids == [request.id]
    assert engine.check().is_true


def test_an_organisation_edit_reaches_its_listings(db):
    owner = make_user("nonprofit")
    org = make_org(members=[owner], name="Sunrise Shelter", region="Chengdu", cause_areas=["community"])
    listed = make_request(org=org, status="open", title="Volunteer rota")
    make_request(org=org, status="draft", title="Volunteer rota draft")
    db.session.commit()
    engine.rebuild()

    organizations.update_organization(org, owner, name="晨光救助站", region="Shanghai",
                                      cause_areas=["animals"])

    assert engine.search("晨光救助站").ids == [listed.id]
    assert engine.search("", filters={"region": "Shanghai", "cause": "animals"}).ids == [listed.id]
    assert engine.search("", filters={"region": "Chengdu"}).ids == []
    assert [job.args for job in index_jobs(db)] == [[listed.id]]  # never the draft
    assert engine.check().is_true


def test_verification_decisions_move_listings_in_and_out_of_verified_only(db):
    coordinator = make_user("coordinator")
    owner = make_user("nonprofit")
    org = make_org(verified=False, members=[owner])
    request = make_request(org=org, status="open", title="Donation receipts")
    db.session.commit()
    engine.rebuild()
    assert engine.search("donation", filters={"verified": True}).ids == []

    verification.decide_verification(org, coordinator, "verified")
    assert engine.search("donation", filters={"verified": True}).ids == [request.id]

    organizations.update_organization(org, owner, name="Renamed Receipts Org")  # back to pending
    assert engine.search("donation", filters={"verified": True}).ids == []
    assert engine.check().is_true


def test_an_edit_that_no_listing_shows_queues_no_index_job(db):
    owner = make_user("nonprofit")
    org = make_org(members=[owner])
    make_request(org=org, status="open", title="Inventory sheet")
    db.session.commit()

    organizations.update_organization(org, owner, description="We run two shelters and a hotline.")

    assert index_jobs(db) == []


def test_moves_between_unlisted_states_queue_no_index_job(db):
    owner = make_user("nonprofit")
    request = make_request(org=make_org(members=[owner]), status="draft", title="Draft")
    db.session.commit()

    intake.withdraw_request(request, owner)

    assert index_jobs(db) == []


def test_one_change_queues_one_index_job(db):
    coordinator = make_user("coordinator")
    request = make_request(status="intake", title="Reading club")
    db.session.commit()

    review.publish_request(request, coordinator)  # a status change and the published signal

    jobs = index_jobs(db)
    assert [(job.args, job.queue, job.status) for job in jobs] == [([request.id], "index", "done")]

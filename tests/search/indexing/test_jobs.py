"""Index jobs take ids and re-read the database, so running one twice (or late) does no harm; an
index worker loads the dictionary once, before rq forks its work-horses."""

from __future__ import annotations

from app.search import engine
from app.search.engine import analysis as analyzer
from app.search.indexing import jobs
from tests.factories import make_request


def test_updating_twice_leaves_one_document(db):
    request = make_request(title="Food bank routes")
    db.session.commit()

    jobs.update_request_index(request.id)
    jobs.update_request_index(request.id)

    assert engine.search("food bank").ids == [request.id]
    assert engine.check().is_true


def test_a_late_job_writes_the_latest_state(db):
    request = make_request(title="Routes", users="Food bank drivers")
    db.session.commit()
    jobs.update_request_index(request.id)
    request.users = "Street tree volunteers"  # a second change; the first change's job runs only now
    db.session.commit()

    jobs.update_request_index(request.id)

    assert engine.search("drivers").ids == []
    assert engine.search("street tree").ids == [request.id]


def test_a_request_deleted_outright_can_be_removed(db):
    request = make_request(title="Food bank routes")
    db.session.commit()
    jobs.update_request_index(request.id)

    jobs.remove_request_from_index(request.id)

    assert engine.search("food bank").ids == []


def test_a_scheduled_rebuild_does_nothing_when_the_index_is_usable(db, index_dir):
    make_request(title="Food bank routes")
    db.session.commit()
    engine.rebuild()
    live = (index_dir / "CURRENT").read_text()

    jobs.rebuild_search_index()

    assert (index_dir / "CURRENT").read_text() == live


def test_an_index_worker_loads_the_dictionary_before_forking(app, monkeypatch):
    monkeypatch.setattr(analyzer, "_state", None)

    jobs.warm_up_index_worker(["default", "mail"])
    assert analyzer._state is None

    jobs.warm_up_index_worker(["index"])
    assert analyzer._state is not None
    assert jobs.warm_up_index_worker in app.extensions["worker_warm_ups"]

"""/healthz tells whether search can answer; a missing or corrupt index is rebuilt on first need
(never at start-up), and searches meanwhile answer empty instead of failing."""

from __future__ import annotations

import gc
import json
import os
import threading

import sqlalchemy as sa

from app import create_app
from app.core.models import OutboxJob
from app.search import engine
from app.search.engine import generations, schema
from app.search.indexing import health, rebuilds
from tests.factories import make_request

REBUILD_JOB = "app.search.indexing.jobs.rebuild_search_index"


def rebuild_jobs(db) -> list[OutboxJob]:
    return list(db.session.scalars(sa.select(OutboxJob).where(OutboxJob.name == REBUILD_JOB)))


def test_starting_the_app_never_touches_the_index(test_config, tmp_path):
    folder = tmp_path / "untouched"
    config = type("Config", (test_config,), {"SEARCH_INDEX_DIR": str(folder)})

    create_app(config)

    assert not folder.exists()


def test_no_index_and_nothing_to_list_is_healthy(client, db, index_dir):
    assert client.get("/healthz").get_json()["search"] == "ok"
    assert rebuild_jobs(db) == []


def test_a_missing_index_is_reported_and_a_rebuild_scheduled(db, monkeypatch):
    make_request(title="Food bank routes")
    db.session.commit()
    monkeypatch.setattr(rebuilds, "enqueue", lambda *args, **kwargs: None)  # as if a worker will run it

    assert health.search_health() == "missing"


def test_health_rebuilds_a_missing_index_in_embedded_mode(client, db):
    request = make_request(title="Food bank routes")
    db.session.commit()

    assert client.get("/healthz").get_json()["search"] == "ok"
    assert [job.status for job in rebuild_jobs(db)] == ["done"]
    assert engine.search("food bank").ids == [request.id]


def test_a_corrupt_index_is_reported_then_rebuilt(client, db, index_dir):
    request = make_request(title="Food bank routes")
    db.session.commit()
    broken = engine.rebuild().generation
    for table_of_contents in (index_dir / broken).glob("*.toc"):
        table_of_contents.write_bytes(b"not an index")
    assert engine.status() == "corrupt"

    assert client.get("/healthz").get_json()["search"] == "ok"
    assert (index_dir / "CURRENT").read_text() != broken
    assert engine.search("food bank").ids == [request.id]


def test_an_index_from_an_older_schema_counts_as_corrupt(db, index_dir, monkeypatch):
    make_request(title="Food bank routes")
    db.session.commit()
    engine.rebuild()
    monkeypatch.setattr(schema, "SCHEMA_NAMES", schema.SCHEMA_NAMES | {"a_new_field"})

    assert engine.status() == "corrupt"


def test_a_rebuild_in_progress_is_reported(db, index_dir):
    index_dir.mkdir(parents=True)
    (index_dir / generations.REBUILD_MARKER_FILE).write_text(json.dumps({"pid": os.getpid()}))

    assert engine.status() == "rebuilding"


def test_a_rebuild_marker_left_by_a_dead_process_is_ignored(db, index_dir):
    index_dir.mkdir(parents=True)
    (index_dir / generations.REBUILD_MARKER_FILE).write_text(json.dumps({"pid": 2 ** 22 + 12345}))

    assert engine.status() == "missing"


def test_a_search_without_an_index_gets_it_rebuilt_at_once_in_embedded_mode(db):
    request = make_request(title="Food bank routes")
    db.session.commit()

    assert engine.search("food bank").ids == [request.id]
    assert [job.status for job in rebuild_jobs(db)] == ["done"]


def test_a_search_without_an_index_answers_empty_while_a_worker_rebuilds_it(db, monkeypatch):
    make_request(title="Food bank routes")
    db.session.commit()
    monkeypatch.setattr("app.core.jobs.services.runner.dispatch", lambda ids: None)  # a worker will run it

    result = engine.search("food bank")

    assert (result.ids, result.total) == ([], 0)
    assert result.index_status == "missing"  # so the search service answers from the database
    assert [job.status for job in rebuild_jobs(db)] == ["pending"]


def test_only_one_rebuild_waits_at_a_time(db, monkeypatch):
    make_request(title="Food bank routes")
    db.session.commit()
    monkeypatch.setattr("app.core.jobs.services.runner.dispatch", lambda ids: None)  # a worker will run it

    assert health.schedule_rebuild() is True
    assert health.schedule_rebuild() is False
    assert len(rebuild_jobs(db)) == 1


def test_a_damaged_segment_counts_as_corrupt_and_search_still_answers(db, index_dir):
    request = make_request(title="Food bank routes")
    db.session.commit()
    damaged = engine.rebuild().generation
    assert engine.search("food bank").ids == [request.id]  # this thread now holds a searcher open
    for segment in (index_dir / damaged).glob("*.seg"):
        segment.write_bytes(b"garbage" * 10)

    assert engine.status() == "corrupt"
    assert engine.search("routes").ids == [request.id]  # rebuilt at once in embedded mode
    assert (index_dir / "CURRENT").read_text() != damaged


def test_a_thread_that_searched_and_ended_leaves_no_open_index_files(app, db, index_dir):
    # flask run serves each request in a new thread; each thread's searcher must close with it.
    make_request(title="Food bank routes")
    db.session.commit()
    engine.rebuild()
    found = []

    def search_in_a_request_thread():
        with app.app_context():
            found.append(engine.search("food").ids)

    for _ in range(3):
        thread = threading.Thread(target=search_in_a_request_thread)
        thread.start()
        thread.join()
        del thread
    gc.collect()  # an unclosed searcher's files would raise ResourceWarning here (an error in this suite)

    assert [len(ids) for ids in found] == [1, 1, 1]


def test_a_first_build_is_not_reported_as_damage_but_a_corrupt_index_is(db, index_dir, caplog):
    request = make_request(title="Food bank routes")
    db.session.commit()

    with caplog.at_level("INFO", logger="app.search.engine.writing"):
        engine.index_documents([request.id])  # a brand-new folder: the index is built first
    assert [r.levelname for r in caplog.records if "building it" in r.getMessage()] == ["INFO"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]

    caplog.clear()
    for table_of_contents in (index_dir / (index_dir / "CURRENT").read_text()).glob("*.toc"):
        table_of_contents.write_bytes(b"not an index")
    with caplog.at_level("INFO", logger="app.search.engine.writing"):
        engine.index_documents([request.id])
    assert [r.levelname for r in caplog.records if "unusable" in r.getMessage()] == ["WARNING"]
    assert engine.search("food bank").ids == [request.id]

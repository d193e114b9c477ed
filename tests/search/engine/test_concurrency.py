"""Several writers at once lose nothing and raise no lock error; a rebuild swaps the index in
atomically, so searches running meanwhile always see a whole index."""

from __future__ import annotations

import multiprocessing
import threading
import time

from flask import Flask

from app.search import engine
from app.search.engine import generations, searchers, store
from tests.factories import make_org, make_request
from tests.search.engine.writer_process import index_requests


def test_two_writer_processes_at_once_lose_no_document_and_hit_no_lock_error(app: Flask, db, index_dir):
    engine.rebuild()  # an empty index both processes write to
    org = make_org()
    ids = [make_request(org=org, title=f"食物银行配送 route {n}").id for n in range(40)]
    db.session.commit()
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "INSTANCE_PATH": app.instance_path, "SEARCH_INDEX_DIR": str(index_dir)}
    context = multiprocessing.get_context("spawn")
    start, errors = context.Event(), context.Queue()
    writers = [context.Process(target=index_requests, args=(settings, ids[half::2], start, errors))
               for half in (0, 1)]
    for writer in writers:
        writer.start()
    time.sleep(0.5)
    start.set()
    for writer in writers:
        writer.join(timeout=120)

    failures = [errors.get() for _ in range(errors.qsize())]
    assert failures == []
    assert [writer.exitcode for writer in writers] == [0, 0]
    assert sorted(engine.search("", per_page=100).ids) == sorted(ids)
    assert engine.check().is_true


def test_searches_during_a_rebuild_always_see_a_whole_index(app: Flask, db, index_dir):
    org = make_org()
    ids = [make_request(org=org, title=f"尘肺病救助 case {n}").id for n in range(30)]
    db.session.commit()
    engine.rebuild()
    seen: list[int] = []
    generations_searched: set[str] = set()
    failures: list[BaseException] = []
    done = threading.Event()

    def search_until_done() -> None:
        with app.app_context():
            try:
                while not done.is_set():
                    seen.append(engine.search("尘肺病").total)
                    seen.append(engine.search("").total)
                    generations_searched.add(searchers._searchers.key[1])
            except BaseException as error:  # the assertion below reports it
                failures.append(error)
            finally:
                searchers.forget_searchers()

    searcher = threading.Thread(target=search_until_done)
    searcher.start()
    generations = set()
    try:
        for _ in range(4):
            generations.add(engine.rebuild().generation)
    finally:
        done.set()
        searcher.join(timeout=60)

    assert failures == []
    assert len(generations) == 4
    assert len(generations_searched) >= 2  # the searches really ran across swaps
    assert seen and set(seen) == {len(ids)}
    assert (index_dir / "CURRENT").read_text() == store.open_index().storage.folder.rsplit("/", 1)[-1]


def test_a_change_made_while_a_rebuild_runs_is_not_lost(app: Flask, db, monkeypatch):
    org = make_org()
    first = make_request(org=org, title="Original title")
    db.session.commit()
    engine.rebuild()
    real_swap = generations.swap

    def change_then_swap(root, generation):
        # The rebuild has read the database; a change lands (and its job writes the old index).
        first.title = "Changed during the rebuild"
        db.session.commit()
        engine.index_documents([first.id])
        real_swap(root, generation)

    monkeypatch.setattr(generations, "swap", change_then_swap)
    summary = engine.rebuild()

    assert summary.repaired == 1
    assert engine.search("changed").ids == [first.id]
    assert engine.check().is_true


def test_old_generations_are_cleaned_away(db, index_dir, monkeypatch):
    monkeypatch.setattr(generations, "KEEP_OLD_GENERATIONS_FOR", 0.0)
    make_request(title="Anything")
    db.session.commit()
    built = [engine.rebuild().generation for _ in range(4)]

    remaining = sorted(path.name for path in index_dir.glob("gen-*"))
    assert remaining == sorted(built[-2:])  # the live one and the one before it

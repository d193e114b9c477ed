"""Writing the index (index jobs only): documents added, replaced or removed, and whole rebuilds.

Each rebuild writes a fresh generation and swaps it in atomically (`app.search.engine.generations`);
readers never see a half-written index. Every write goes through a blocking writer (never
AsyncWriter): a taken lock is waited for, not failed on.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex, create_in

from app.search.engine import analysis as analyzer
from app.search.engine import generations
from app.search.engine.checking import fresh_documents, reconcile
from app.search.engine.generations import IndexMissing
from app.search.engine.schema import index_fields, make_schema
from app.search.engine.store import IndexCorrupt, blocking_writer, open_index
from app.search.indexing import documents

log = logging.getLogger(__name__)

# What a rebuild's writer may hold in memory (per process) before it sorts postings on disk:
# spilling and merging those runs took a third of a 10,000-request rebuild; at 1 GB none spills
# (peak 0.6 GB per process at 10,000 requests).
REBUILD_POOL_MB = 1024


def _writable_index() -> FileIndex:
    """The live index, rebuilt from the database first when it is missing or corrupt."""
    try:
        return open_index(check_segments=True)
    except IndexMissing as error:
        # A first build (a new machine, a new SEARCH_INDEX_DIR) is routine, not damage.
        log.info("no search index yet (%s): building it from the database", error)
    except IndexCorrupt as error:
        log.warning("search index unusable (%s): rebuilding it from the database", error)
    rebuild(only_if_unusable=True)
    return open_index()


def index_documents(request_ids: Iterable[int]) -> set[int]:
    """Make the index say what the database says about these requests, in one commit; returns the ids
    now listed.

    Re-reads the rows under the writer lock, so the last writer always writes the latest state: a
    listed request is added or replaced, anything else (draft, intake, withdrawn, deleted) is
    removed. Rebuilds a missing or corrupt index first. Raises whoosh's LockError only if the lock
    stays taken for WRITER_TIMEOUT seconds (the job is then retried).
    """
    ids = {int(request_id) for request_id in request_ids}
    if not ids:
        return set()
    ix = _writable_index()
    try:
        with blocking_writer(ix) as writer:
            found = fresh_documents(ids)
            for request_id in ids:
                if request_id in found:
                    writer.update_document(**index_fields(found[request_id]))
                else:
                    writer.delete_by_term("id", str(request_id))
    finally:
        ix.close()
    return set(found)


def remove_documents(request_ids: Iterable[int]) -> None:
    """Take requests out of the index (nothing happens for those not there, or when there is no index)."""
    try:
        ix = open_index()
    except (IndexMissing, IndexCorrupt):
        return  # a rebuild reads the database, where the request is not listed
    try:
        with blocking_writer(ix) as writer:
            for request_id in request_ids:
                writer.delete_by_term("id", str(request_id))
    finally:
        ix.close()


@dataclass(frozen=True)
class RebuildSummary:
    """What a rebuild did: documents written, seconds taken, the new generation, repairs after the swap."""

    indexed: int
    seconds: float
    generation: str
    repaired: int = 0
    skipped: bool = False

    def line(self) -> str:
        """One line for the command line and the job log."""
        if self.skipped:
            return "Search index: already usable, nothing rebuilt."
        return (f"Search index rebuilt: {self.indexed} request(s) indexed in {self.seconds:.1f} s "
                f"({self.generation}); {self.repaired} changed meanwhile and were updated.")


def rebuild(*, on_start: Callable[[int], None] | None = None,
                  advance: Callable[[int], None] | None = None,
                  only_if_unusable: bool = False, processes: int = 1) -> RebuildSummary:
    """Build a fresh generation from the database, swap it in atomically, then catch up.

    Guarantees: readers never see a partial index (they keep the old one until the swap); changes
    made while the rebuild ran are applied after the swap (a reconcile pass compares stamps), so
    none is lost. One rebuild at a time: a second caller waits for the first. With
    `only_if_unusable`, returns a skipped summary when a usable index exists by the time the lock
    is held. `on_start(total)` and `advance(n)` report progress. With `processes` > 1 the
    documents are analysed in that many forked processes (the command line uses one per core;
    never from a web process, whose other threads a fork would not carry).
    """
    root = generations.index_root()
    with generations.rebuilding(root):
        if only_if_unusable:
            try:
                open_index(check_segments=True).close()
                return RebuildSummary(0, 0.0, "", skipped=True)
            except (IndexMissing, IndexCorrupt):
                pass
        return _rebuild(root, on_start, advance, processes)


def _rebuild(root: Path, on_start: Callable[[int], None] | None,
             advance: Callable[[int], None] | None, processes: int) -> RebuildSummary:
    started = time.monotonic()
    generation = generations.new_generation(root)
    ix = create_in(str(generation), make_schema())
    ids = documents.listed_request_ids()
    if on_start:
        on_start(len(ids))
    indexed = 0
    options: dict[str, Any] = {"limitmb": REBUILD_POOL_MB}
    if processes > 1:
        # Sub-processes analyse and write a segment each; forked after jieba is loaded here.
        analyzer.load()
        options.update(procs=processes, multisegment=True)
    with blocking_writer(ix, **options) as writer:
        for offset in range(0, len(ids), documents.BATCH_SIZE):
            batch = ids[offset:offset + documents.BATCH_SIZE]
            found = fresh_documents(batch)
            for request_id in batch:
                if request_id in found:
                    writer.add_document(**index_fields(found[request_id]))
                    indexed += 1
            if advance:
                advance(len(batch))
    previous = None
    with contextlib.suppress(IndexMissing):
        previous = generations.live_generation(root).name
    generations.swap(root, generation)
    repaired = reconcile(ix)  # changes committed while the new generation was being written
    ix.close()
    generations.remove_old_generations(root, keep={generation.name} | ({previous} if previous else set()))
    return RebuildSummary(indexed + repaired.added, time.monotonic() - started, generation.name,
                          repaired.count)

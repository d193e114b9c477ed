"""Checking the index against the database (ids and stamps), and writing what differs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh.index import FileIndex

from app.extensions import db
from app.search.engine.schema import index_fields
from app.search.engine.store import blocking_writer, open_index
from app.search.indexing import documents


def fresh_documents(request_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The documents of the listed requests among `request_ids`, read again from the database."""
    db.session.expire_all()  # re-read rows: the job may run long after the change was loaded
    return documents.load_documents(request_ids)


@dataclass(frozen=True)
class IndexCheck:
    """How the index differs from the database: ids missing from it, stale in it, extra in it."""

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)

    @property
    def added(self) -> int:
        return len(self.missing)

    @property
    def is_true(self) -> bool:
        """Whether the index says exactly what the database says."""
        return self.count == 0


def _indexed_stamps(ix: FileIndex) -> dict[int, str]:
    """{request id: stamp} of every live document, read from the columns (no stored text loaded)."""
    with ix.searcher() as searcher:
        stamps: dict[int, str] = {}
        for reader in leaf_readers(searcher.reader()):
            if not reader.has_column("id"):  # an empty index has no columns yet
                continue
            ids = reader.column_reader("id")
            stamp_values = reader.column_reader("stamp")
            for docnum in reader.all_doc_ids():
                stamps[int(ids[docnum])] = stamp_values[docnum]
        return stamps


def leaf_readers(reader: Any) -> list[Any]:
    return [leaf for leaf, _offset in reader.leaf_readers()]


def _compare(ix: FileIndex) -> tuple[IndexCheck, dict[int, dict[str, Any]]]:
    expected = fresh_documents(documents.listed_request_ids())
    indexed = _indexed_stamps(ix)
    differences = IndexCheck(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i in set(expected) & set(indexed) if expected[i]["stamp"] != indexed[i]),
        extra=sorted(set(indexed) - set(expected)))
    return differences, expected


def check(*, fix: bool = False) -> IndexCheck:
    """Compare the live index with the database (ids and stamps); with `fix`, write what differs too
    (under the writer lock), returning what was found. Raises IndexMissing or IndexCorrupt."""
    if fix:
        return reconcile()
    ix = open_index()
    try:
        return _compare(ix)[0]
    finally:
        ix.close()


def reconcile(ix: FileIndex | None = None) -> IndexCheck:
    """Write what differs between the index and the database (under the writer lock); returns the diff."""
    own = ix is None
    ix = ix or open_index()
    try:
        with blocking_writer(ix) as writer:
            differences, expected = _compare(ix)
            for request_id in differences.missing + differences.stale:
                writer.update_document(**index_fields(expected[request_id]))
            for request_id in differences.extra:
                writer.delete_by_term("id", str(request_id))
        return differences
    finally:
        if own:
            ix.close()

"""Opening the live index (or saying why it can't be), its status, and its blocking writer."""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from app.search.engine import generations, schema
from app.search.engine.generations import IndexMissing

WRITER_TIMEOUT = 10.0
WRITER_DELAY = 0.05


class IndexCorrupt(Exception):
    """The search index exists but cannot be opened."""


def open_generation(directory: Path, *, check_segments: bool = False) -> FileIndex:
    """The index in `directory`; with `check_segments`, each segment is opened too.

    Opening the table of contents alone says nothing of the segments: a damaged segment file
    then only shows when a searcher opens it. Raises IndexMissing or IndexCorrupt.
    """
    problem = None
    with warnings.catch_warnings():
        # whoosh leaves the table of contents open when it can't read it; it closes when the
        # error is freed, below, without a ResourceWarning.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            # Read segments with plain reads, not memory maps: a segment file damaged in place
            # under a map kills the reading process with SIGBUS instead of raising an error.
            ix = FileStorage(str(directory), supports_mmap=False).open_index()
        except FileNotFoundError:
            problem = "missing"
        except Exception as error:  # whoosh raises many kinds (EmptyIndexError, unpickling, struct)
            problem = f"{type(error).__name__}: {error}"
        if problem is not None:
            gc.collect()
    if problem == "missing":
        raise IndexMissing(str(directory))
    if problem is not None:
        raise IndexCorrupt(f"{directory}: {problem}")
    if set(ix.schema.names()) != schema.SCHEMA_NAMES:  # written by an older version of this module
        ix.close()
        raise IndexCorrupt(f"{directory}: its fields are not the current schema's")
    if check_segments:
        reader_or_corrupt(ix, directory).close()
    return ix


def reader_or_corrupt(ix: FileIndex, directory: Path) -> Any:
    """A reader over every segment; IndexCorrupt when a segment file can't be read."""
    problem = None
    with warnings.catch_warnings():
        # As in open_generation: whoosh leaves the segment's file open when it can't read it.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return ix.reader()
        except Exception as error:  # whoosh raises what the bytes make it: OSError, struct.error...
            problem = type(error).__name__
        ix.close()
        gc.collect()
    raise IndexCorrupt(f"{directory}: a segment can't be read ({problem})")


def open_index(*, check_segments: bool = False) -> FileIndex:
    """The live index. Raises IndexMissing when there is none and IndexCorrupt when it can't be opened
    (with `check_segments`, also when one of its segments can't be read)."""
    generation = generations.live_generation(generations.index_root())
    return open_generation(generation, check_segments=check_segments)


def status() -> str:
    """"ok", "missing", "rebuilding" (no usable index while a rebuild runs) or "corrupt"; never raises."""
    root = generations.index_root()
    try:
        open_generation(generations.live_generation(root), check_segments=True).close()
        return "ok"
    except IndexMissing:
        state = "missing"
    except IndexCorrupt:
        state = "corrupt"
    return "rebuilding" if generations.is_rebuilding(root) else state


@contextlib.contextmanager
def blocking_writer(ix: FileIndex, **options: Any) -> Iterator[Any]:
    """A blocking writer: waits up to WRITER_TIMEOUT for the lock; commits, or cancels on error."""
    writer = ix.writer(timeout=WRITER_TIMEOUT, delay=WRITER_DELAY, **options)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()

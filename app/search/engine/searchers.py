"""Each thread's searcher on the live generation, reused until the index changes."""

from __future__ import annotations

import contextlib
import threading
import weakref

from whoosh.searching import Searcher

from app.search.engine import generations
from app.search.engine.store import open_generation, reader_or_corrupt


class _SearcherCache(threading.local):
    key: tuple[str, str] | None = None
    searcher: Searcher | None = None
    # Closes the searcher when it is replaced, or when its thread is gone: a server that runs each
    # request in a new thread (flask run) would otherwise leave one open searcher per request.
    closer: weakref.finalize | None = None


def _close_quietly(searcher: Searcher) -> None:
    with contextlib.suppress(Exception):
        searcher.close()


_searchers = _SearcherCache()


def current_searcher() -> Searcher:
    """This thread's searcher on the live generation, refreshed when the index changed."""
    root = generations.index_root()
    generation = generations.live_generation(root)
    key = (str(root), generation.name)
    if _searchers.key == key and _searchers.searcher is not None:
        try:
            if _searchers.searcher.up_to_date():
                return _searchers.searcher
        except (OSError, ValueError):
            pass  # the generation was cleaned away under us: open the live one again
    # Changed: a new searcher, never Searcher.refresh(), which reuses the old segment readers and
    # so keeps showing documents deleted since (seen with whoosh3 3.54).
    forget_searchers()
    ix = open_generation(generation)
    opened = Searcher(reader_or_corrupt(ix, generation), fromindex=ix)
    _searchers.key, _searchers.searcher = key, opened
    _searchers.closer = weakref.finalize(threading.current_thread(), _close_quietly, opened)
    return opened


def forget_searchers() -> None:
    """Close this thread's cached searcher (tests switching index folders; shutdown)."""
    if _searchers.closer is not None:
        _searchers.closer()  # a finalizer runs once: closing here detaches it from the thread
    _searchers.key = _searchers.searcher = _searchers.closer = None

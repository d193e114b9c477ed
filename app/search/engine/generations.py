"""The index's folders on disk: one directory per generation, and a CURRENT file naming the live one.

A rebuild writes a new generation beside the live one and swaps CURRENT with one atomic rename,
so a reader opens either the old index or the new one, never a half-written one. Old generations
stay a while for readers that read CURRENT just before a swap. No whoosh here: only files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

POINTER_FILE = "CURRENT"
REBUILD_LOCK_FILE = "rebuild.lock"
REBUILD_MARKER_FILE = "REBUILDING"
GENERATION_PREFIX = "gen-"
# Generations other than the live one and the one before it are deleted once this old.
KEEP_OLD_GENERATIONS_FOR = 600.0


class IndexMissing(Exception):
    """There is no search index yet (or its directory vanished)."""


def index_root() -> Path:
    """SEARCH_INDEX_DIR: the folder holding the index generations (local disk, never NFS)."""
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def live_generation(root: Path) -> Path:
    """The directory CURRENT names. Raises IndexMissing when there is none."""
    try:
        name = (root / POINTER_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(str(root)) from None
    directory = root / name
    if not name.startswith(GENERATION_PREFIX) or "/" in name or not directory.is_dir():
        raise IndexMissing(str(directory))
    return directory


def new_generation(root: Path) -> Path:
    """A fresh, empty generation directory; names sort in the order they were made."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    directory = root / f"{GENERATION_PREFIX}{stamp}-{secrets.token_hex(3)}"
    directory.mkdir(parents=True)
    return directory


def swap(root: Path, generation: Path) -> None:
    """Point CURRENT at `generation` with one atomic rename (readers see the old or the new name)."""
    temporary = root / f"{POINTER_FILE}.{secrets.token_hex(4)}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(generation.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / POINTER_FILE)
    directory = os.open(root, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_old_generations(root: Path, keep: set[str]) -> None:
    """Delete generations other than `keep` (the live one and the one before it) once old enough."""
    old = [path for path in root.glob(f"{GENERATION_PREFIX}*") if path.is_dir() and path.name not in keep]
    now = time.time()
    for path in old:
        if now - path.stat().st_mtime > KEEP_OLD_GENERATIONS_FOR:
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(f"{POINTER_FILE}.*.tmp"):
        if now - path.stat().st_mtime > KEEP_OLD_GENERATIONS_FOR:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def rebuilding(root: Path) -> Iterator[None]:
    """Hold the rebuild lock (one rebuild at a time across processes) and show the rebuild marker."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / REBUILD_LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = root / REBUILD_MARKER_FILE
        try:
            marker.write_text(json.dumps({"pid": os.getpid(), "started_at": time.time()}),
                              encoding="utf-8")
            yield
        finally:
            marker.unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_rebuilding(root: Path) -> bool:
    """Whether a live process is rebuilding the index right now (a marker left by a dead one is not)."""
    marker = root / REBUILD_MARKER_FILE
    try:
        pid = int(json.loads(marker.read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True

"""Helpers shared by test folders: the English header and a barrier-released race in threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from app.extensions import db

EN = {"Accept-Language": "en"}
BARRIER_TIMEOUT = 60


def race(app: Flask, work: Callable[[int, Callable[[], object]], tuple], racers: list[int]) -> list[tuple]:
    """Run `work(racer, wait)` for each racer in its own thread and app context, released together.

    Each racer calls `wait()` at the moment it should collide with the others; the outcomes come
    back in the order the racers finished.
    """
    barrier = threading.Barrier(len(racers))
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def run(racer: int) -> None:
        with app.test_request_context(headers=EN):  # a fresh app context: its own session
            outcome = work(racer, lambda: barrier.wait(BARRIER_TIMEOUT))
        with lock:
            outcomes.append(outcome)

    db.session.remove()
    threads = [threading.Thread(target=run, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes

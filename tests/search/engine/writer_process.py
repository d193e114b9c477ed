"""A separate process that writes to the search index, as an index worker would (for concurrency tests)."""

from __future__ import annotations

import traceback
from typing import Any


def index_requests(settings: dict[str, Any], request_ids: list[int], start: Any, errors: Any) -> None:
    """Build an app like the test's, wait for the start signal, then index each request in its own commit."""
    try:
        from app import create_app
        from app.config import TestConfig

        app = create_app(type("WriterConfig", (TestConfig,), settings))
        from app.extensions import db
        from app.search import engine
        from app.search.engine import tokens

        with app.app_context():
            tokens.terms("预热 warm up")  # load jieba before the race starts
            start.wait(timeout=60)
            for request_id in request_ids:
                engine.index_documents([request_id])
            db.session.remove()
            db.engine.dispose()
    except BaseException:
        errors.put(traceback.format_exc())
        raise

"""Which functions may run as jobs, what runs when one fails for good, and the job running now."""

from __future__ import annotations

import contextvars
import importlib
from collections.abc import Callable
from typing import Any

# Only functions under these packages can be jobs: a row names code, so it must be our code.
JOB_NAME_PREFIXES: tuple[str, ...] = ("app.",)

current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_job_id",
                                                                             default=None)

FailureHandler = Callable[..., Any]
_FAILURE_HANDLERS: dict[str, FailureHandler] = {}


def resolve(name: str) -> Callable[..., Any]:
    """The job function behind a dotted name. Raises ValueError for anything outside the app."""
    if not name.startswith(JOB_NAME_PREFIXES):
        raise ValueError(f"job {name!r} is not an app function")
    module_name, _, function_name = name.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        raise ValueError(f"job {name!r} does not exist")
    return function


def on_final_failure(job_name: str) -> Callable[[FailureHandler], FailureHandler]:
    """Register `handler(*job_args, error=str)`, called once when job `job_name` has failed for good.

    Used to tell the product about it (an e-mail marked failed, say). Handlers own their commit.
    """

    def register(handler: FailureHandler) -> FailureHandler:
        _FAILURE_HANDLERS[job_name] = handler
        return handler

    return register


def final_failure_handler(job_name: str) -> FailureHandler | None:
    """The handler registered for job `job_name`'s final failure, if any (import the job first)."""
    return _FAILURE_HANDLERS.get(job_name)

"""The worker process: a forked work-horse opens its own database connection; logs carry job ids."""

from __future__ import annotations

import logging
import os

import sqlalchemy as sa

from app.core import jobs
from app.core.worker import JobIdFilter, make_fork_safe
from app.extensions import db as database


def dbapi_connection_in_use():
    return database.session.connection().connection.dbapi_connection


def test_a_forked_work_horse_never_reuses_the_parents_database_connection(app, db):
    make_fork_safe(app)
    db.session.execute(sa.text("SELECT 1"))
    parents = dbapi_connection_in_use()
    db.session.commit()  # back in the pool, where a careless child would pick it up

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running any parent cleanup
        try:
            db.session.execute(sa.text("SELECT 1"))
            verdict = b"shared" if dbapi_connection_in_use() is parents else b"own"
        except BaseException:  # anything else is reported as a failure
            verdict = b"error"
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    verdict = os.read(read_end, 16)
    os.close(read_end)

    assert verdict == b"own"
    assert os.waitstatus_to_exitcode(status) == 0
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1  # the parent's pool still works


def test_log_lines_written_by_a_job_carry_its_id():
    record = logging.LogRecord("app.core.mail", logging.INFO, __file__, 1, "sent", None, None)
    token = jobs.current_job_id.set("outbox-42")
    try:
        JobIdFilter().filter(record)
    finally:
        jobs.current_job_id.reset(token)
    assert record.job_id == "outbox-42"

    JobIdFilter().filter(record)
    assert record.job_id == "-"

"""Embedded mode (no REDIS_URL): jobs run in-process after commit, and never after a rollback.

Failures are recorded without breaking the caller; the drain and tick commands catch up.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.jobs import execution
from app.core.jobs import services as jobs
from app.core.models import OutboxJob
from tests.core.jobs import tasks
from tests.core.jobs.tasks import notes
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("test_jobs")


def outbox_rows(db) -> list[OutboxJob]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxJob).order_by(OutboxJob.id)))


def test_a_job_runs_only_once_the_caller_commits(db):
    jobs.enqueue("tests.core.jobs.tasks.note", "welcome")
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == 1
    assert notes() == []  # written but not committed: nothing ran

    db.session.commit()

    assert notes() == ["job.welcome"]
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.last_error) == ("done", 1, None)
    assert row.finished_at is not None


def test_a_rolled_back_transaction_takes_its_job_with_it(db):
    make_user("volunteer")
    jobs.enqueue("tests.core.jobs.tasks.note", "never")
    db.session.rollback()
    make_user("volunteer")
    db.session.commit()  # a later commit must not run the dropped job

    assert outbox_rows(db) == []
    assert notes() == []


def test_a_job_rolled_back_to_a_savepoint_never_runs(db):
    jobs.enqueue("tests.core.jobs.tasks.note", "kept")
    savepoint = db.session.begin_nested()
    jobs.enqueue("tests.core.jobs.tasks.note", "undone")
    savepoint.rollback()
    db.session.commit()

    assert notes() == ["job.kept"]
    assert [row.args for row in outbox_rows(db)] == [["kept"]]


def test_a_job_that_enqueues_a_job_runs_that_one_too(db):
    jobs.enqueue("tests.core.jobs.tasks.note_and_follow_up", "claim")
    db.session.commit()

    assert notes() == ["job.claim", "job.claim.follow-up"]
    assert [row.status for row in outbox_rows(db)] == ["done", "done"]


def test_a_failing_job_is_recorded_and_the_callers_change_stands(db):
    user = make_user("volunteer", name="Lin")
    jobs.enqueue("tests.core.jobs.tasks.explode", "reminder")
    db.session.commit()  # must not raise

    [row] = outbox_rows(db)
    assert row.status == "failed"
    assert row.last_error == "RuntimeError: reminder exploded"
    assert db.session.get(type(user), user.id).name == "Lin"


def test_a_failing_job_never_breaks_the_web_request(app, client, db, monkeypatch, sent_mail):
    from flask_mailman.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    user = make_user("volunteer", email="lin@example.org")
    db.session.commit()

    response = client.post("/forgot-password", data={"email": "lin@example.org"})

    assert response.status_code == 302  # the same answer as when mail works
    [row] = outbox_rows(db)
    assert row.name == "app.core.mail.deliver_email"
    assert row.status == "failed"
    assert "mail server down" in row.last_error
    assert sent_mail == []
    assert user.id is not None


def test_drain_runs_rows_left_pending(db, runner):
    db.session.add(OutboxJob(name="tests.core.jobs.tasks.note", args=["left"], queue="default"))
    db.session.add(OutboxJob(name="tests.core.jobs.tasks.note", args=["behind"], queue="default"))
    db.session.commit()  # written without enqueue(): nothing dispatched them
    assert notes() == []

    result = runner.invoke(args=["jobs", "drain"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("outbox: 2 pending job(s) found, 2 dispatched, "
                                     "0 left pending, 0 stale recovered")
    assert notes() == ["job.left", "job.behind"]
    assert runner.invoke(args=["jobs", "drain"]).output.startswith("outbox: 0 pending")
    assert notes() == ["job.left", "job.behind"]  # a second drain runs nothing again


def test_tick_drains_and_runs_periodic_duties_in_one_line(db, runner, monkeypatch):
    monkeypatch.setattr(jobs, "_PERIODIC", {})
    jobs.periodic("stalled_scan")(lambda: 3)

    def broken_duty():
        raise ValueError("bad data")

    jobs.periodic("digest")(broken_duty)
    db.session.add(OutboxJob(name="tests.core.jobs.tasks.note", args=["tick"], queue="default"))
    db.session.commit()

    result = runner.invoke(args=["jobs", "tick"])

    assert result.output.count("\n") == 1
    assert result.output.strip() == ("tick: outbox: 1 pending job(s) found, 1 dispatched, "
                                     "0 left pending, 0 stale recovered; digest: error: ValueError; "
                                     "stalled_scan: 3")
    assert result.exit_code == 1  # a duty failed: cron should notice
    assert notes() == ["job.tick"]


def test_a_delayed_job_waits_for_a_tick_after_its_time(db):
    job = jobs.enqueue("tests.core.jobs.tasks.note", "later", run_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert notes() == []
    assert jobs.tick()["outbox"].found == 0

    db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == job.id)
                       .values(run_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.tick()["outbox"].dispatched == 1
    assert notes() == ["job.later"]


def test_a_row_claimed_by_a_process_that_died_is_run_again(db):
    db.session.add(OutboxJob(name="tests.core.jobs.tasks.note", args=["orphan"], queue="default",
                             status="enqueued", attempts=1,
                             enqueued_at=utcnow() - jobs.STALE_AFTER - timedelta(minutes=1)))
    db.session.add(OutboxJob(name="tests.core.jobs.tasks.note", args=["busy"], queue="default",
                             status="enqueued", attempts=1, enqueued_at=utcnow()))
    db.session.commit()

    result = jobs.drain_outbox()

    assert (result.recovered, result.dispatched) == (1, 1)
    assert notes() == ["job.orphan"]  # the recently claimed one is left to its owner


def test_a_row_already_done_is_never_run_twice(db):
    job = jobs.enqueue("tests.core.jobs.tasks.note", "once")
    db.session.commit()

    assert execution.run_outbox_job(job.id) == "already-done"
    assert notes() == ["job.once"]


def test_retry_puts_failed_jobs_back_in_line(db, runner):
    jobs.enqueue("tests.core.jobs.tasks.flaky", "sync")
    db.session.commit()
    assert [row.status for row in outbox_rows(db)] == ["failed"]

    tasks.FLAKY["failing"] = False
    result = runner.invoke(args=["jobs", "retry", "--all-failed"])

    assert result.exit_code == 0, result.output
    assert "1 dispatched" in result.output
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.last_error) == ("done", 2, None)
    assert notes() == ["job.sync"]


def test_status_counts_jobs_per_state(db, runner):
    jobs.enqueue("tests.core.jobs.tasks.note", "a")
    jobs.enqueue("tests.core.jobs.tasks.explode", "b")
    db.session.commit()

    result = runner.invoke(args=["jobs", "status"])

    assert result.output.strip() == ("outbox (inline, no REDIS_URL): pending 0, enqueued 0, "
                                     "done 1, failed 1")


def test_the_worker_refuses_to_start_without_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])

    assert result.exit_code == 2
    assert "REDIS_URL is not set" in result.output


def test_only_app_functions_on_known_queues_can_be_jobs(db):
    with pytest.raises(ValueError, match="not an app function"):
        jobs.enqueue("os.system", "rm -rf /")
    with pytest.raises(ValueError, match="does not exist"):
        jobs.enqueue("app.core.mail.no_such_job")
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.enqueue("app.core.mail.deliver_email", 1, queue="urgent")
    db.session.commit()
    assert outbox_rows(db) == []


def test_a_broken_dispatch_never_undoes_the_commit_and_the_drainer_catches_up(db, monkeypatch):
    def broken_dispatch(outbox_ids):
        raise OSError("disk full")

    monkeypatch.setattr(jobs.runner, "dispatch", broken_dispatch)
    user = make_user("volunteer", name="Zhao")
    jobs.enqueue("tests.core.jobs.tasks.note", "late")
    db.session.commit()  # must not raise: the change and its outbox row are committed

    assert [row.status for row in outbox_rows(db)] == ["pending"]
    assert db.session.get(type(user), user.id).name == "Zhao"
    monkeypatch.delattr(jobs.runner, "dispatch")  # the runner's own dispatch again
    assert jobs.drain_outbox().dispatched == 1
    assert notes() == ["job.late"]

"""Job commands: `flask jobs drain|tick|retry|status` and `flask worker`."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app.core.jobs import services as jobs

jobs_cli = AppGroup("jobs", help="Background jobs: the outbox and the periodic duties.")


@jobs_cli.command("drain")
def drain_command() -> None:
    """Dispatch pending outbox jobs now: run them here without REDIS_URL, else enqueue them.

    Exits with status 1 when some could not be dispatched (Redis down), so cron notices.
    """
    result = jobs.drain_outbox()
    click.echo(result.summary())
    if result.left_pending:
        raise SystemExit(1)


@jobs_cli.command("tick")
def tick_command() -> None:
    """Drain the outbox and run every periodic duty once (cron this every minute without Redis).

    Exits with status 1 when jobs were left pending or a duty failed.
    """
    report = jobs.tick()
    click.echo(f"tick: {jobs.describe_tick(report)}")
    failed_duty = any(str(value).startswith("error:") for name, value in report.items()
                      if name != "outbox")
    if report["outbox"].left_pending or failed_duty:
        raise SystemExit(1)


@jobs_cli.command("retry")
@click.argument("outbox_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Retry every failed job.")
def retry_command(outbox_ids: tuple[int, ...], all_failed: bool) -> None:
    """Put failed outbox jobs (the given ids, or --all-failed) back in line and dispatch them."""
    if not outbox_ids and not all_failed:
        raise click.UsageError("Give outbox job ids, or --all-failed.")
    result = jobs.retry_failed(None if all_failed else outbox_ids)
    click.echo(f"retry: {result.summary()}")


@jobs_cli.command("status")
def status_command() -> None:
    """Count the outbox jobs in each state."""
    counts = jobs.outbox_counts()
    mode = "inline, no REDIS_URL" if jobs.runner.is_inline else "redis"
    click.echo(f"outbox ({mode}): " + ", ".join(f"{state} {n}" for state, n in counts.items()))


WORKER_HELP = """Run a job worker (rq, with its scheduler) for REDIS_URL, in the app's context.

\b
Serves the queues default, mail and index. Exactly ONE worker may serve the index queue (it
is the only writer of the search index), so in production run it as its own process and
start as many others as you need without it:
    flask --app app worker --queues index
    flask --app app worker --queues default,mail     (one or more)

The worker also drains the outbox and runs the periodic duties about every 10 s, so jobs
written while Redis was down are sent once it is back. Without REDIS_URL jobs run in-process
and there is nothing to serve: cron `flask --app app jobs tick` instead.
"""


@click.command("worker", help=WORKER_HELP)
@click.option("--queues", default=",".join(jobs.QUEUES), show_default=True,
              help="Comma-separated queues to serve, in priority order.")
@click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also run rq's scheduler (delayed jobs and retries with backoff).")
@with_appcontext
def worker_command(queues: str, burst: bool, with_scheduler: bool) -> None:
    names = [name.strip() for name in queues.split(",") if name.strip()]
    unknown = sorted(set(names) - set(jobs.QUEUES))
    if not names or unknown:
        raise click.BadParameter(f"choose among {', '.join(jobs.QUEUES)}", param_hint="--queues")
    if jobs.runner.is_inline:
        click.echo("REDIS_URL is not set: jobs run in-process after each commit. "
                   "Cron `flask --app app jobs tick` for delayed and periodic work.", err=True)
        raise SystemExit(2)
    # Imported here so that web processes, which register this command too, never load rq's worker.
    from redis.exceptions import RedisError

    from app.core.jobs.worker import run_worker

    try:
        run_worker(names, burst=burst, with_scheduler=with_scheduler)
    except RedisError as error:
        click.echo(f"Redis is unreachable ({error}): start it, or check REDIS_URL.", err=True)
        raise SystemExit(1) from None

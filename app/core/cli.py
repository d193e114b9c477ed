"""Core commands, registered on the app: users (app.core.accounts.cli), jobs and worker (app.core.jobs)."""

from __future__ import annotations

from flask import Flask

from app.core.accounts.cli import users_cli
from app.core.jobs.cli import jobs_cli, worker_command


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)

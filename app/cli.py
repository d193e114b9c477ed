"""Command-line entry points: `flask --app app users|skills|demo|jobs|worker|search ...`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

skills_cli = AppGroup("skills", help="Manage the skills taxonomy.")


@skills_cli.command("sync")
def sync_skills_command() -> None:
    """Insert or update the skills table from volunteers/skills.json."""
    from app.core.taxonomy import TaxonomyError, sync_skills

    try:
        inserted, updated = sync_skills()
    except TaxonomyError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(f"Skills: {inserted} new, {updated} updated.")


def register(app: Flask) -> None:
    from app.core import cli as core_cli

    core_cli.register(app)
    app.cli.add_command(skills_cli)

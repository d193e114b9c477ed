"""Command-line entry points: `flask --app app users|skills|demo|jobs|worker|search ...`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from tqdm import tqdm

from app.core import cli as core_cli
from app.core.taxonomy import TaxonomyError, sync_skills
from app.demo import DemoDataError, load_demo
from app.search.indexing.cli import search_cli

skills_cli = AppGroup("skills", help="Manage the skills taxonomy.")
demo_cli = AppGroup("demo", help="The demo data set.")


@skills_cli.command("sync")
def sync_skills_command() -> None:
    """Insert or update the skills table from volunteers/skills.json."""
    try:
        inserted, updated = sync_skills()
    except TaxonomyError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(f"Skills: {inserted} new, {updated} updated.")


@demo_cli.command("load")
def load_demo_command() -> None:
    """Load the demo organisations, requests, people and progress (safe to run again)."""
    bars: list[tqdm] = []

    def start(total: int) -> None:
        bars.append(tqdm(total=total, desc="Demo data", unit="record", file=sys.stderr, leave=False))

    try:
        summary = load_demo(advance=lambda: bars[0].update(), on_start=start)
    except (DemoDataError, TaxonomyError) as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    finally:
        for bar in bars:
            bar.close()
    click.echo(summary.line())
    click.echo(f"Demo accounts (password: {current_app.config['DEMO_PASSWORD']}):")
    accounts = summary.accounts
    for label, user in (("coordinator", accounts["coordinator"]), ("nonprofit staff", accounts["nonprofit"]),
                        ("volunteer", accounts["volunteer"])):
        click.echo(f"  {label:<16} {user.email}  ({user.name})")


def register(app: Flask) -> None:
    core_cli.register(app)
    app.cli.add_command(skills_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(search_cli)

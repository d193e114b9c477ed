"""`flask --app app search reindex|rebuild|check`: rebuild the index from the database, or compare them."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup

from app.search import engine

search_cli = AppGroup("search", help="The search index of published requests.")


def _reindex(processes: int) -> None:
    from tqdm import tqdm

    bars: list[tqdm] = []

    def start(total: int) -> None:
        bars.append(tqdm(total=total, desc="Indexing requests", unit="request", file=sys.stderr,
                         leave=False))

    try:
        summary = engine.rebuild(on_start=start, advance=lambda n: bars[0].update(n), processes=processes)
    finally:
        for bar in bars:
            bar.close()
    click.echo(summary.line())


_PROCESSES = click.option("--processes", type=click.IntRange(1, 16), default=min(os.cpu_count() or 1, 4),
                          show_default=True, help="Processes analysing documents (one per core).")


@search_cli.command("reindex")
@_PROCESSES
def reindex_command(processes: int) -> None:
    """Rebuild the index from the database into a fresh folder and swap it in atomically."""
    _reindex(processes)


@search_cli.command("rebuild")
@_PROCESSES
def rebuild_command(processes: int) -> None:
    """Same as reindex: recreate the index from the database."""
    _reindex(processes)


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="Write the differences found into the index.")
def check_command(fix: bool) -> None:
    """Report requests missing from, stale in or extra in the index; exit 1 if any.

    With --fix the differences are written too (the exit status still says they were found).
    """
    try:
        check = engine.check(fix=fix)
    except engine.IndexMissing:
        click.echo("Search index: missing. Run `flask --app app search reindex`.", err=True)
        raise SystemExit(1) from None
    except engine.IndexCorrupt as error:
        click.echo(f"Search index: corrupt ({error}). Run `flask --app app search reindex`.", err=True)
        raise SystemExit(1) from None
    for label, ids in (("missing from the index", check.missing), ("stale in the index", check.stale),
                       ("in the index but not listed", check.extra)):
        if ids:
            shown = ", ".join(str(i) for i in ids[:50]) + (" …" if len(ids) > 50 else "")
            click.echo(f"{len(ids)} request(s) {label}: {shown}")
    if check.is_true:
        click.echo("Search index: matches the database.")
        return
    click.echo(f"Search index: {check.count} difference(s) {'fixed' if fix else 'found'}.")
    raise SystemExit(1)

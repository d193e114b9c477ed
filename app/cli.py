"""Command-line entry points: `flask --app app users|demo|jobs|worker|search ...`."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.core import cli as core_cli

    core_cli.register(app)

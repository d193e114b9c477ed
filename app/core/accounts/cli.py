"""Account commands: `flask users create` (the only way to create a coordinator)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.accounts import services as accounts
from app.core.errors import Conflict, Invalid

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["coordinator", "nonprofit", "volunteer"]), required=True)
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
def create_user_command(email: str, password: str, name: str, role: str, locale: str) -> None:
    """Create an account (the only way to create a coordinator)."""
    try:
        user = accounts.create_user(email=email, password=password, name=name, role=role,
                                    locale=locale, allow_coordinator=True)
    except Invalid as error:
        for field, message in error.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(2) from None
    except Conflict as error:
        click.echo(error.message, err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")

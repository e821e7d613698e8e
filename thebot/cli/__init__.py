"""Command-line tools: `flask --app wsgi demo load`, `flask --app wsgi users create`,
`flask --app wsgi chat digest`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from thebot import demo
from thebot.models import Role
from thebot.services import accounts
from thebot.services.chat import digest
from thebot.services.errors import DomainError

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
chat_cli = AppGroup("chat", help="Chat.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no accounts yet.")
def demo_load(if_empty: bool) -> None:
    """Load the demo accounts, links and history (idempotent)."""
    loaded = demo.load(only_if_empty=if_empty)
    click.echo("Demo data loaded." if loaded else "The database has accounts; demo data skipped.")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default=None, help="Defaults to the username.")
@click.option("--email", default=None)
def users_create(
    role: str, username: str, password: str, full_name: str | None, email: str | None
) -> None:
    """Create an account of any role (with its profile)."""
    try:
        user = accounts.create_user(
            None,
            role=Role(role),
            username=username,
            password=password,
            full_name=full_name or username,
            email=email,
        )
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Created {user.role.value} {user.username} (id {user.id}).")


@chat_cli.command("digest")
def chat_digest() -> None:
    """Run one round of the chat digest now (what each serving process does periodically)."""
    done = digest.send_digests()
    click.echo(f"Chat digests sent: {len(done.mailed)}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(chat_cli)

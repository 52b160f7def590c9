"""The ``moderation`` command: a Flask command group over the same factory as the server.

Every command reads the same environment variables as the server (see ``moderation config``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app
from .config import SETTINGS, settings_markdown
from .detection.cli import COMMANDS as DETECTION_COMMANDS
from .extensions import db


def _create_app(*_args, **_kwargs):
    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
for _command in DETECTION_COMMANDS:  # score, eval, train: no database needed
    cli.add_command(_command)


@cli.command("config")
@click.option("--markdown", is_flag=True, help="Print the settings table for the README.")
@with_appcontext
def show_config(markdown: bool) -> None:
    """Show the effective configuration (secrets hidden)."""
    if markdown:
        click.echo(settings_markdown())
        return
    for setting in SETTINGS:
        value = current_app.config.get(setting.name)
        if setting.name == "SECRET_KEY" and value:
            value = "(set)"
        elif isinstance(value, str) and "@" in value and "://" in value:
            value = _hide_password(value)
        click.echo(f"{setting.name}={value if value is not None else ''}")


def _hide_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if at else url


@cli.group()
def sites() -> None:
    """Create and list sites (tenants)."""


@sites.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name of the site.")
@click.option("--origin", "origins", multiple=True,
              help="Browser origin allowed to post without a key (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def create_site_command(slug: str, name: str, origins: tuple[str, ...], as_json: bool) -> None:
    """Create a site and print its secret key (shown only this once)."""
    from .sites.services import create_site

    try:
        site, key = create_site(slug, name, list(origins))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"slug": site.slug, "name": site.name,
                               "allowed_origins": site.allowed_origins, "key": key},
                              ensure_ascii=False))
        return
    click.echo(f"Created site {site.slug!r} ({site.name}).")
    click.echo("Its secret key, shown only this once; keep it on the site's server:\n")
    click.echo(f"    {key}\n")
    click.echo("Send a comment:\n")
    click.echo(f"    curl -X POST http://127.0.0.1:8000/api/v1/sites/{site.slug}/comments \\\n"
               f"      -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n"
               "      -d '{\"thread\": {\"id\": \"1\"}, \"author\": {\"name\": \"Mona\", "
               "\"email\": \"mona@example.com\"}, \"body\": \"مقال رائع\"}'")


@sites.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_sites(as_json: bool) -> None:
    """List sites."""
    from sqlalchemy import select

    from .sites.models import Site

    rows = db.session.scalars(select(Site).order_by(Site.slug)).all()
    for site in rows:
        if as_json:
            click.echo(json.dumps({"slug": site.slug, "name": site.name,
                                   "allowed_origins": site.allowed_origins}, ensure_ascii=False))
        else:
            click.echo(f"{site.slug}\t{site.name}\t{' '.join(site.allowed_origins or [])}")


@cli.group()
def moderators() -> None:
    """Create moderator accounts and tokens."""


@moderators.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["moderator", "admin"]), default="moderator",
              show_default=True)
@click.option("--sites", default="", help="Comma-separated site slugs (moderators only).")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", is_flag=True, help="Also set a password (prompted) for web login.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def create_moderator_command(email: str, role: str, sites: str, display_name: str,
                             password: bool, as_json: bool) -> None:
    """Create a moderator and print an API token (shown only this once)."""
    from .review.accounts import create_moderator, issue_token, site_slugs

    secret = click.prompt("Password", hide_input=True, confirmation_prompt=True) \
        if password else None
    slugs = [s.strip() for s in sites.split(",") if s.strip()]
    try:
        moderator = create_moderator(email, display_name, role, slugs, secret)
        _, token = issue_token(moderator, "cli")
        db.session.commit()
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"id": moderator.id, "email": moderator.email,
                               "role": moderator.role, "sites": site_slugs(moderator.id),
                               "token": token}, ensure_ascii=False))
        return
    click.echo(f"Created {moderator.role} {moderator.email} (id {moderator.id}).")
    click.echo("API token, shown only this once:\n")
    click.echo(f"    {token}\n")
    click.echo("    curl -H 'Authorization: Bearer " + token + "' "
               "http://127.0.0.1:8000/api/v1/moderation/queue")


@moderators.command("token")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def new_token_command(email: str, as_json: bool) -> None:
    """Issue another API token for an existing moderator."""
    from sqlalchemy import select

    from .review.accounts import issue_token
    from .review.models import Moderator

    moderator = db.session.scalar(select(Moderator).where(Moderator.email == email.lower()))
    if moderator is None:
        raise click.ClickException(f"no moderator {email!r}")
    _, token = issue_token(moderator, "cli")
    db.session.commit()
    click.echo(json.dumps({"id": moderator.id, "token": token}) if as_json else token)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, help="HTTP threads.")
@click.option("--concurrency", default=2, show_default=True, help="Worker processes for checks.")
@with_appcontext
def serve(host: str, port: int, threads: int, concurrency: int) -> None:
    """Run everything in one command: migrations, the HTTP server, a worker and the sweeper."""
    from flask_migrate import upgrade

    app = current_app._get_current_object()
    upgrade()
    db.engine.dispose()  # the server's threads open their own connections

    instance = Path(app.config["INSTANCE_PATH"])
    env = {**os.environ, "INSTANCE_PATH": str(instance)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--beat",
         "--schedule", str(instance / "celerybeat-schedule"),
         "--queues", "checks,webhooks,maintenance", "--concurrency", str(concurrency),
         "--loglevel", "INFO"],
        env=env,
    )
    click.echo(f"\nModeration service on http://{host}:{port}  (database: "
               f"{_hide_password(app.config['DATABASE_URL'])}, broker: "
               f"{_hide_password(app.config['CELERY_BROKER_URL'])})")
    click.echo("Create a site in another terminal:\n\n"
               "    moderation sites create my-news --name \"My News\" "
               "--origin https://my-news.example\n")
    try:
        _run_http(app, host, port, threads)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def _run_http(app, host: str, port: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Embedded(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")

        def load(self):
            return app

    Embedded().run()


def main() -> None:
    cli.main(prog_name="moderation")


if __name__ == "__main__":
    main()

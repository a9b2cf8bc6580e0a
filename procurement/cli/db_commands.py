"""``procurement init`` and ``procurement db``: set up, upgrade, check, back up the database."""

from __future__ import annotations

from pathlib import Path

import click

from procurement.cli.context import AppContext, pass_app


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Create the database, or upgrade it to this version; safe to run again.

    Loads the 11 member cities. Exchange rates come with the program (ECB reference
    rates); add your own with `procurement rates import`.

    \b
    Example:
      procurement init
      procurement --database postgresql://officer@db.example.org/registry init
    """
    from sqlalchemy import func, select

    from procurement import migrate
    from procurement.models import City

    engine = app.engine()
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    with app.session() as session:
        cities = session.scalar(select(func.count()).select_from(City))
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    click.echo(f"Database {state}: {app.masked_url} (schema {after}, {cities} cities).")


@click.group()
def db() -> None:
    """Upgrade, inspect, check and back up the registry database.

    \b
    Example:
      procurement db current
      procurement db backup registry-2026-11-28.sqlite
    """


@db.command()
@click.argument("revision", default="head")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Upgrade the database schema to REVISION (default: the newest).

    \b
    Example:
      procurement db upgrade
    """
    from procurement import migrate

    migrate.upgrade(app.engine(), revision)
    click.echo(f"Database at schema {migrate.current_revision(app.engine())}.")


@db.command()
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def downgrade(app: AppContext, revision: str, yes: bool) -> None:
    """Downgrade the schema to REVISION ('base' removes every table: back up first).

    \b
    Example:
      procurement db downgrade 0001 --yes
    """
    from procurement import migrate

    if not yes:
        click.confirm(f"Downgrade {app.masked_url} to {revision}?", abort=True)
    migrate.downgrade(app.engine(), revision)
    click.echo(f"Database at schema {migrate.current_revision(app.engine()) or 'base'}.")


@db.command()
@pass_app
def current(app: AppContext) -> None:
    """Show the database's schema revision and the newest one this program knows.

    \b
    Example:
      procurement db current
    """
    from procurement import migrate

    rev = migrate.current_revision(app.engine())
    head = migrate.head_revision()
    note = "up to date" if rev == head else "run `procurement db upgrade`"
    click.echo(f"{app.masked_url}: schema {rev or 'none'} (newest {head}; {note})")


@db.command()
@pass_app
def check(app: AppContext) -> None:
    """Fail if the data model and the migrations disagree (schema drift).

    \b
    Example:
      procurement db check
    """
    from procurement import migrate

    migrate.check(app.engine())
    click.echo("No drift: the database schema matches the data model.")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup(app: AppContext, file: Path) -> None:
    """Copy the database to FILE while others keep working (SQLite).

    For PostgreSQL use the server's own tool: `pg_dump --format=custom -f FILE URL`.

    \b
    Example:
      procurement db backup registry-backup.sqlite
    """
    from procurement.backup import backup_sqlite

    size = backup_sqlite(engine=app.engine(), target=file)
    click.echo(f"Backup written: {file} ({size:,} bytes).")

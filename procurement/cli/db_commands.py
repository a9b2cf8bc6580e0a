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

    from procurement.storage import migrate
    from procurement.storage.models import City

    engine = app.engine(create=True)
    before = migrate.current_revision(engine)
    _refuse_unknown_revision(before)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    with app.session() as session:
        cities = session.scalar(select(func.count()).select_from(City))
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    click.echo(f"Database {state}: {app.masked_url} (schema {after}, {cities} cities).")


def _refuse_unknown_revision(revision: str | None) -> None:
    """A database at a schema revision this version does not know (made by a newer version,
    or a doctored backup) is neither upgraded nor downgraded: one line says why."""
    from procurement.core.errors import DatabaseError
    from procurement.storage import backup

    if revision is not None and revision not in backup.known_revisions():
        raise DatabaseError(f"the database is at {backup.unknown_revision_message(revision)}")


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
    from procurement.storage import migrate

    _refuse_unknown_revision(migrate.current_revision(app.engine()))
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
    from procurement.storage import migrate

    _refuse_unknown_revision(migrate.current_revision(app.engine()))
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
    from procurement.storage import migrate

    rev = migrate.current_revision(app.engine())
    head = migrate.head_revision()
    note = "up to date" if rev == head else "run `procurement db upgrade`"
    click.echo(f"{app.masked_url}: schema {rev or 'none'} (newest {head}; {note})")


@db.command()
@pass_app
def check(app: AppContext) -> None:
    """Fail if the data model and the migrations disagree (schema drift).

    Also fails when the database is at a schema revision this version does not know, or
    holds anything this version did not create: tables, columns, indexes, triggers,
    functions, views, rules, other schemas; on PostgreSQL also policies and privileges
    other than those `db grant` gives. The first few are named.

    \b
    Example:
      procurement db check
    """
    from procurement.storage import migrate

    migrate.check(app.engine())
    click.echo("No drift: the database schema matches the data model.")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup(app: AppContext, file: Path) -> None:
    """Copy the whole registry to FILE while others keep working.

    SQLite: a consistent snapshot through SQLite's online backup API. PostgreSQL: an
    archive made by `pg_dump --format=custom` (the PostgreSQL client tools must be
    installed). Restore it with `procurement db restore FILE`.

    \b
    Example:
      procurement db backup registry-2026-11-28.sqlite
      procurement --database postgresql://admin@db.example.org/registry db backup registry.dump
    """
    from procurement.storage.backup import backup as backup_registry

    size = backup_registry(engine=app.engine(), target=file)
    click.echo(f"Backup written: {file} ({size:,} bytes).")


@db.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a registry that already holds cases.")
@pass_app
def restore(app: AppContext, file: Path, force: bool) -> None:
    """Load the backup FILE into the database given by --database.

    Refuses to overwrite a registry that holds cases unless --force. The restore is all
    or nothing. Restore a SQLite backup into a SQLite database and a PostgreSQL archive
    (from `db backup` or `pg_dump --format=custom`) into PostgreSQL. A backup at a schema
    revision this version does not know, or holding anything this version did not create
    (a trigger, function, view, extra table or column; see `db check`), is refused and
    nothing is restored.

    \b
    Example:
      procurement --database sqlite:///restored.sqlite db restore registry-backup.sqlite
      procurement --database postgresql://admin@db.example.org/new_registry db restore reg.dump
    """
    from procurement.storage import migrate
    from procurement.storage.backup import restore as restore_registry

    done = restore_registry(engine=app.engine(create=True), source=file, force=force)
    head = migrate.head_revision()
    note = "" if done.revision == head else "; run `procurement db upgrade` to bring it up to date"
    click.echo(
        f"Restored {file} into {app.masked_url}: {done.cases} cases, "
        f"schema {done.revision or 'none'}{note}."
    )


@db.command()
@click.option("--role", required=True, metavar="NAME", help="Database role, e.g. hel_officers.")
@click.option("--city", metavar="CODE", help="The city whose cases the role may change.")
@click.option("--analyst", is_flag=True, help="Read-only access to the whole registry.")
@click.option(
    "--login",
    is_flag=True,
    help="Make NAME a login role with a password (default: a group role without login).",
)
@click.option(
    "--password-env",
    metavar="VAR",
    default="PROCUREMENT_ROLE_PASSWORD",
    show_default=True,
    help="Environment variable holding the password for --login; asked for when unset.",
)
@pass_app
def grant(
    app: AppContext,
    role: str,
    city: str | None,
    analyst: bool,
    login: bool,
    password_env: str,
) -> None:
    """Give a PostgreSQL role per-city write access (--city) or read-only access (--analyst).

    An officer's role may add and change only its own city's cases (with their PPP
    details, outcomes, KPIs, documents and audit events) and read every city's; it may
    add organisations but change one only while no other city's case uses it. An
    analyst's role may read everything and change nothing. Nobody but the registry's
    owner may alter or delete audit events; an officer's events record its login role
    and the server's time. Creates the role when missing (a group role
    without login unless --login; give people access with `GRANT hel_officers TO alice`).
    Run it as the registry's owner; running it again is harmless. PostgreSQL only: a
    SQLite registry is a single-user file protected by file-system permissions.

    \b
    Example:
      procurement db grant --city HEL --role hel_officers
      PROCUREMENT_ROLE_PASSWORD=... procurement db grant --city RIX --role rix_anna --login
      procurement db grant --analyst --role network_analysts
    """
    import os

    from procurement.core.errors import BadInput
    from procurement.storage import permissions

    if analyst == (city is not None):
        raise BadInput("give either --city CODE (an officer) or --analyst (read-only)")
    permissions.check_role_name(role)
    password = None
    if login:
        password = os.environ.get(password_env) or click.prompt(
            f"Password for {role}", hide_input=True, confirmation_prompt=True
        )
    engine = app.engine()
    if city is not None:
        done = permissions.grant_officer(
            engine=engine, city=city, role=role, login=login, password=password
        )
        what = f"may change {done.city} cases and read all cases"
    else:
        done = permissions.grant_analyst(engine=engine, role=role, login=login, password=password)
        what = "may read all cases and change nothing"
    made = "Created role" if done.created else "Role"
    click.echo(f"{made} {done.role}{' (login)' if login else ''}: {what}.")


@db.command()
@click.option("--role", required=True, metavar="NAME", help="Database role, e.g. hel_officers.")
@pass_app
def revoke(app: AppContext, role: str) -> None:
    """Take away a role's access to the registry (the role itself is kept).

    \b
    Example:
      procurement db revoke --role hel_officers
    """
    from procurement.storage import permissions

    permissions.revoke(engine=app.engine(), role=role)
    click.echo(f"Role {role} has no access to the registry any more.")

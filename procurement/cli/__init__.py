"""The ``procurement`` command line: a thin layer over the library.

Subcommands are imported only when used, so ``procurement --help`` starts fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from procurement.cli.context import AppContext
from procurement.core.errors import ProcurementError

# command name -> (module, attribute, one-line help shown in `procurement --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("procurement.cli.db_commands", "init", "Create or upgrade the database."),
    "db": ("procurement.cli.db_commands", "db", "Database upgrades, checks and backups."),
    "city": ("procurement.cli.city", "city", "List and add member cities."),
    "cpv": ("procurement.cli.cpv", "cpv", "Look up CPV 2008 codes."),
    "case": ("procurement.cli.case", "case", "Add, edit, find and remove cases."),
    "ppp": ("procurement.cli.ppp", "ppp", "Record the PPP details of a case."),
    "outcome": ("procurement.cli.outcome", "outcome", "Record the outcome of a delivered case."),
    "import": ("procurement.cli.transfer", "import_", "Load cases from CSV, XLSX, JSON or OCDS."),
    "export": ("procurement.cli.transfer", "export", "Write cases as CSV, XLSX, JSON or OCDS."),
    "template": ("procurement.cli.transfer", "template", "Write an empty entry spreadsheet."),
    "rates": ("procurement.cli.rates", "rates", "Add your own exchange rates."),
    "report": ("procurement.cli.report", "report", "Comparison reports for analysts."),
    "site": ("procurement.cli.site", "site", "Build the best-practice site to publish."),
    "demo": ("procurement.cli.demo", "demo", "Load the illustrative data set, write reports."),
}


class BadInputError(click.ClickException):
    exit_code = 2


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProcurementError as exc:
            if exc.exit_code == 2:
                raise BadInputError(str(exc)) from None
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise  # the reader of our output went away (`| head`): click ends quietly
        except KeyboardInterrupt:
            # Ctrl-C: the transaction was rolled back; 130 as shells report it
            click.echo("Interrupted: nothing was saved.", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:
            if os.environ.get("PROCUREMENT_DEBUG"):
                raise
            raise click.ClickException(describe_failure(exc, ctx)) from None


def describe_failure(exc: Exception, ctx: click.Context) -> str:
    """A one-line message for an unexpected failure (database errors made readable)."""
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

    from procurement.core.files import is_disk_full

    app = ctx.find_object(AppContext)
    where = f" in database '{app.masked_url}'" if app else ""
    if is_disk_full(exc):
        return "the disk is full: nothing was saved; free some space and run the command again"
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if isinstance(exc, OperationalError | ProgrammingError) and (
        "no such table" in first or "does not exist" in first
    ):
        return f"the registry is not set up{where}: run `procurement init` first"
    if isinstance(exc, OperationalError) and "readonly database" in first:
        return (
            f"the registry{where} is read-only here: nothing was saved (listings, "
            "shows, exports and reports still work)"
        )
    if isinstance(exc, OperationalError):
        return f"database failure{where}: {first}; try again, or check the server"
    if isinstance(exc, IntegrityError):
        return f"the database refused the change{where}: {first}"
    if isinstance(exc, DBAPIError):
        return f"database error{where}: {first}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or first}: {exc.filename or ''}".rstrip(": ")
    return f"unexpected failure ({type(exc).__name__}: {first}); rerun with PROCUREMENT_DEBUG=1"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database",
    envvar="PROCUREMENT_DATABASE_URL",
    metavar="URL",
    help="Database URL: sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB. "
    "Default: a SQLite file in your user data folder. [env: PROCUREMENT_DATABASE_URL]",
)
@click.option(
    "--user",
    envvar="PROCUREMENT_USER",
    metavar="NAME",
    help="Your name as recorded in the audit trail. Default: your login. [env: PROCUREMENT_USER]",
)
@click.option(
    "--lang",
    envvar="PROCUREMENT_LANG",
    metavar="CODE",
    help="Language of codelist labels in questions and case pages where the eForms code lists "
    "have one: en, da, de, et, fi, lt, lv, pl, sv (labels in any of them are accepted as "
    "input). Default: English. [env: PROCUREMENT_LANG]",
)
@click.version_option(package_name="procurement")
@click.pass_context
def cli(ctx: click.Context, database: str | None, user: str | None, lang: str | None) -> None:
    """Registry of innovative public procurement and PPP cases of the Baltic Metropolises.

    Procurement officers record cases, analysts compare outcomes across cities and PPP
    models, and cities share best-practice summaries.

    \b
    Start here:
      procurement init                 # create the database (once)
      procurement case add             # record a case, guided by questions
      procurement case list --city HEL
      procurement report compare --by city --output compare.html
    """
    from procurement.core import labels

    try:
        labels.use(lang)  # None: PROCUREMENT_LANG, else English
    except ProcurementError as exc:
        raise click.BadParameter(str(exc), param_hint="--lang") from None
    app = AppContext(database=database, user=user)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    try:
        cli.main(prog_name="procurement")
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        sys.exit(1)

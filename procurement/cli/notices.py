"""``procurement import`` of eForms notices from TED: the option and the dispatch.

:func:`notice_imports` decorates the ``import`` command: it adds ``--innovative-only`` and
sends an eForms notice (``.xml``), a TED bulk archive (``.zip``, ``.tar``, ``.tar.gz``...)
or a folder of them to :func:`procurement.exchange.eforms.import_notices`; anything else
goes on to the command as before. ``--city``, ``--city-map``, ``--strict``, ``--dry-run``,
``--verbose`` and ``--json`` mean for notices what they mean for OCDS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from procurement.core.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from procurement.cli.context import AppContext
    from procurement.exchange.summary import ImportSummary

F = TypeVar("F", bound=Callable[..., Any])
NOTICE_SUFFIXES = (
    ".xml",
    ".zip",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
)
OCDS_SUFFIXES = (".json", ".jsonl", ".ndjson")
FOLDER_SCAN = 10_000  # entries looked at to tell a folder of notices from one of OCDS files


def is_notice_input(path: Path) -> bool:
    """An eForms notice or TED archive by its name, or a folder holding such files and no
    OCDS (JSON) file."""
    if path.is_dir():
        found = False
        for count, entry in enumerate(path.rglob("*")):
            if count >= FOLDER_SCAN:
                break
            name = entry.name.lower()
            if name.endswith(OCDS_SUFFIXES):
                return False
            found = found or name.endswith(NOTICE_SUFFIXES)
        return found
    return path.name.lower().endswith(NOTICE_SUFFIXES)


def import_notice_paths(
    app: AppContext,
    paths: Sequence[Path],
    *,
    city: str | None,
    city_map: Path | None,
    innovative_only: bool,
    strict: bool,
    dry_run: bool,
    verbose: bool,
    as_json: bool,
) -> None:
    """Run the eForms import in one transaction (rolled back for a dry run) and print what
    it did."""
    from procurement.cli.output import dumps
    from procurement.exchange.eforms import import_notices

    def work(session: Session) -> ImportSummary:
        return import_notices(
            session=session,
            paths=paths,
            user=app.username,
            city=city,
            city_map=city_map,
            innovative_only=innovative_only,
            strict=strict,
            dry_run=dry_run,
        )

    summary = app.run_in_transaction(work, dry_run=dry_run)
    if as_json:
        click.echo(dumps(summary.as_dict()))
    else:
        lines = summary.lines(per_row=True if verbose else None)
        click.echo(lines[0])
        changed = [("created", summary.created), ("updated", summary.updated)]
        for action, references in changed:
            for reference in references if verbose or len(references) <= 50 else []:
                click.echo(f"  {reference} {action}")
        for line in lines[1:]:
            click.echo(line)
    if summary.nothing_read():
        raise BadInput(summary.refusal())


def notice_imports(command: F) -> F:
    """Give ``import`` the eForms notices: ``--innovative-only`` and the dispatch (place it
    right under ``@pass_app``)."""

    @functools.wraps(command)
    def dispatch(app: AppContext, *args: Any, innovative_only: bool = False, **kwargs: Any) -> Any:
        given = kwargs.get("file", kwargs.get("files"))  # one path, or several
        paths = [given] if isinstance(given, Path) else list(given or ())
        fmt = kwargs.get("fmt", "auto")
        if (
            paths
            and fmt == "auto"
            and all(isinstance(p, Path) and str(p) != "-" and is_notice_input(p) for p in paths)
        ):
            for name in ("allow_duplicates", "write_back"):
                if kwargs.get(name):
                    flag = "--" + name.replace("_", "-")
                    raise BadInput(
                        f"{flag} is for spreadsheets; eForms notices are matched to cases "
                        "by their procedure"
                    )
            import_notice_paths(
                app,
                paths,
                city=kwargs.get("city"),
                city_map=kwargs.get("city_map"),
                innovative_only=innovative_only,
                strict=bool(kwargs.get("strict")),
                dry_run=bool(kwargs.get("dry_run")),
                verbose=bool(kwargs.get("verbose")),
                as_json=bool(kwargs.get("as_json")),
            )
            return None
        if innovative_only:
            raise BadInput(
                "--innovative-only is for eForms notices (TED XML, zip or tar files, or a folder "
                "of them)"
            )
        return command(app, *args, **kwargs)

    if dispatch.__doc__ and "Example:" in dispatch.__doc__:
        dispatch.__doc__ = (
            dispatch.__doc__.rstrip()
            + "\n      procurement import notices/ --city HEL   # eForms notices from TED\n"
        )
    option = click.option(
        "--innovative-only",
        is_flag=True,
        help="eForms: import only procedures of innovation (BT-776, BT-06 innovative purchase, "
        "innovation partnership, competitive dialogue).",
    )
    return option(dispatch)  # type: ignore[return-value]


__all__ = ["import_notice_paths", "is_notice_input", "notice_imports"]

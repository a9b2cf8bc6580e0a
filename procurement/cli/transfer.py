"""``procurement import``, ``export`` and ``template``: cases in and out of the registry.

CSV, XLSX and JSON go through :mod:`procurement.exchange.tabular`; OCDS through
:mod:`procurement.exchange.ocds`.
Files are written whole or not at all (to ``FILE.partial``, renamed when complete).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from procurement.cli.context import AppContext, pass_app
from procurement.cli.filters import case_filter_options
from procurement.cli.notices import notice_imports
from procurement.cli.output import dumps, include_contacts_option
from procurement.core.errors import BadInput
from procurement.core.files import atomic_path, check_target

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from procurement.exchange.summary import ImportSummary

IMPORT_FORMATS = ("auto", "csv", "xlsx", "json", "ocds")
EXPORT_FORMATS = ("ocds", "csv", "xlsx", "json")
PROGRESS_THRESHOLD = 500  # rows; smaller files are done before a bar would help


def detect_format(path: Path) -> str:
    """csv / xlsx / json / ocds from the file name, and for JSON from its first bytes."""
    if path.is_dir():
        return "ocds"  # a folder of OCDS files, imported together
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".json", ".jsonl", ".ndjson") or suffix == "":
        from procurement.exchange.tabular import looks_like_case_json

        if looks_like_case_json(path):  # the registry's own JSON form: a list of cases
            return "json"
        from procurement.exchange.ocds.detect import looks_like_ocds

        return "ocds" if looks_like_ocds(path) else "json"
    raise BadInput(
        f"cannot tell the format of '{path.name}' from its name; "
        "give --format csv, xlsx, json or ocds"
    )


class ProgressBar:
    """A progress bar on standard error, shown only on a terminal and for more than
    ``threshold`` rows; called by the library as ``progress(done, total)``."""

    def __init__(self, label: str, threshold: int = PROGRESS_THRESHOLD) -> None:
        self.label = label
        self.threshold = threshold
        self._bar: Any = None
        self._shown = 0
        self._off = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._off:
            return
        if self._bar is None:
            if total <= self.threshold or not sys.stderr.isatty():
                self._off = True
                return
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done


@click.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=True, allow_dash=True, path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    default="auto",
    show_default=True,
    help="File format; auto looks at the name and the content.",
)
@click.option("--dry-run", is_flag=True, help="Only check the file; write nothing.")
@click.option(
    "--city", metavar="CODE", help="OCDS: the city the imported cases belong to, e.g. --city HEL."
)
@click.option(
    "--city-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="OCDS: a CSV of buyer_identifier,city to assign cities by buyer.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="OCDS: refuse the whole file if any release is bad (default: skip it).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="OCDS: write a data-quality summary of the releases read (additional fields, "
    "codelist values, empty, deprecated fields, formats) to FILE: .json or .html.",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Import rows without a reference even when they look like a case already in the "
    "registry or another row of the file (same ocid, or same buyer, title and date).",
)
@click.option(
    "--write-back",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="After the import, write a copy of the sheet with every row's reference filled in "
    "(same format as FILE; a new file, never the one imported).",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="List every row's reference and action (always done for up to 50 rows).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print what was stored as JSON for scripts: references created, updated, unchanged, "
    "skipped (with reasons) and each row's action.",
)
@pass_app
@notice_imports  # eForms notices (.xml, .zip, .tar, a folder of them)
def import_(
    app: AppContext,
    files: tuple[Path, ...],
    fmt: str,
    dry_run: bool,
    city: str | None,
    city_map: Path | None,
    strict: bool,
    allow_duplicates: bool,
    write_back: Path | None,
    verbose: bool,
    as_json: bool,
    report: Path | None = None,
) -> None:
    """Load cases from CSV, XLSX, JSON or OCDS files (or a folder of OCDS files).

    Several files are imported in the order given, each as its own import: a file that is
    refused stops the command, the files before it stay imported. eForms notices given
    together are one import.

    Every row is checked first. Spreadsheets and JSON are all or nothing: if any row is
    wrong, every problem is listed (row, column, what is wrong) and nothing is added.
    A row without a reference that looks like a case already there (same ocid, or same
    buyer, title and tender or award date, in the same city) is refused as a probable
    duplicate: give its reference to update the case, or use --allow-duplicates.

    \b
    Example:
      procurement template cases.xlsx        # an empty sheet with help
      procurement import cases.xlsx --dry-run
      procurement import cases.xlsx --write-back cases-with-references.xlsx
      procurement import portal-releases.jsonl --city RIX
      procurement import downloads/ --city RIX    # every OCDS file of the folder
      procurement import tender.json award.json --city RIX
      curl -s https://portal.example/releases.json | procurement import - --city RIX
    """
    if len(files) > 1:
        if any(str(f) == "-" for f in files):
            raise BadInput(
                "standard input (-) cannot be imported with other files; import it alone"
            )
        for flag, value in (
            ("--write-back", write_back),
            ("--report", report),
            ("--json", as_json),
        ):
            if value:
                raise BadInput(f"{flag} works with one file at a time; give one file")
        for one in files:
            _import_file(app, one, fmt, city, city_map, strict, dry_run, allow_duplicates,
                         None, verbose, False, None)  # fmt: skip
        return
    [file] = files
    if str(file) == "-":
        if write_back is not None:
            raise BadInput("--write-back needs the sheet as a file, not standard input")
        with tempfile.TemporaryDirectory(prefix="procurement-stdin-") as folder:
            copy = _standard_input_copy(Path(folder), fmt)
            _import_file(app, copy, fmt, city, city_map, strict, dry_run, allow_duplicates,
                         write_back, verbose, as_json, report)  # fmt: skip
        return
    _import_file(app, file, fmt, city, city_map, strict, dry_run, allow_duplicates,
                 write_back, verbose, as_json, report)  # fmt: skip


def _standard_input_copy(folder: Path, fmt: str) -> Path:
    """What arrives on standard input, copied to a file (at most the import's 64 MB) named
    ``stdin`` with the suffix of its format (given, or seen in its first bytes)."""
    from procurement.exchange.tabular.readers import LIMITS

    data = sys.stdin.buffer.read(LIMITS.file_bytes + 1)
    if len(data) > LIMITS.file_bytes:
        raise BadInput(
            f"standard input: an import accepts at most {LIMITS.file_bytes // 2**20} MB; "
            "split the file"
        )
    if fmt == "auto":
        start = data.lstrip()[:1]
        fmt = "xlsx" if data[:2] == b"PK" else "json" if start in (b"{", b"[") else "csv"
    suffix = {"csv": ".csv", "xlsx": ".xlsx"}.get(fmt, ".json")
    path = folder / f"stdin{suffix}"
    path.write_bytes(data)
    return path


def _import_file(
    app: AppContext,
    file: Path,
    fmt: str,
    city: str | None,
    city_map: Path | None,
    strict: bool,
    dry_run: bool,
    allow_duplicates: bool,
    write_back: Path | None,
    verbose: bool,
    as_json: bool,
    report: Path | None = None,
) -> None:
    kind = detect_format(file) if fmt == "auto" else fmt
    _check_import_options(file, kind, dry_run, allow_duplicates, write_back)
    if report is not None:
        if kind != "ocds":
            raise BadInput(f"--report is for OCDS files, not {kind}")
        if report.exists():
            raise BadInput(f"--report {report} exists; choose a new file name")
    work = _import_work(
        app, file, kind, city, city_map, strict, dry_run, allow_duplicates, report=report
    )
    summary = app.run_in_transaction(work, dry_run=dry_run)
    if as_json:
        click.echo(dumps(summary.as_dict()))
    else:
        for line in summary.lines(per_row=True if verbose else None):
            click.echo(line)
    if summary.nothing_read():
        raise BadInput(summary.refusal())
    if write_back is not None:
        _write_back_references(file, kind, write_back, summary, as_json)


def _check_import_options(
    file: Path, kind: str, dry_run: bool, allow_duplicates: bool, write_back: Path | None
) -> None:
    """Refuse option combinations that cannot work, before anything is imported."""
    if file.is_dir() and kind != "ocds":
        raise BadInput(f"{file} is a folder: only OCDS files are imported a folder at a time")
    if write_back is not None:
        if dry_run:
            raise BadInput("--write-back needs a real import: leave out --dry-run")
        if kind not in ("csv", "xlsx"):
            raise BadInput(f"--write-back works for CSV and XLSX sheets, not {kind}")
        if write_back.suffix.lower() != file.suffix.lower():
            raise BadInput(
                f"--write-back {write_back.name}: give a {file.suffix or kind} file, "
                f"the same format as {file.name}"
            )
        if write_back.exists():
            same = write_back.resolve() == file.resolve()
            what = "is the file being imported" if same else "exists"
            raise BadInput(f"--write-back {write_back} {what}; choose a new file name")
    if kind == "ocds" and allow_duplicates:
        raise BadInput(
            "--allow-duplicates is for spreadsheets and the JSON form; "
            "OCDS releases are matched to cases by their ocid"
        )


def _import_work(
    app: AppContext,
    file: Path,
    kind: str,
    city: str | None,
    city_map: Path | None,
    strict: bool,
    dry_run: bool,
    allow_duplicates: bool,
    *,
    report: Path | None = None,
) -> Callable[[Session], ImportSummary]:
    """The import of ``file`` in one session: OCDS releases, or a sheet or the JSON form."""
    if kind == "ocds":
        from procurement.exchange.ocds.importer import import_ocds

        def work(session: Session) -> ImportSummary:
            return import_ocds(
                session=session,
                path=file,
                user=app.username,
                city=city,
                city_map=city_map,
                strict=strict,
                dry_run=dry_run,
                report=report,
            )
    else:
        from procurement.exchange.tabular import import_cases

        def work(session: Session) -> ImportSummary:
            with ProgressBar("Checking" if dry_run else "Importing") as bar:
                return import_cases(
                    session=session,
                    path=file,
                    fmt=kind,
                    user=app.username,
                    dry_run=dry_run,
                    progress=bar,
                    allow_duplicates=allow_duplicates,
                )

    return work


def _write_back_references(
    file: Path, kind: str, write_back: Path, summary: ImportSummary, as_json: bool
) -> None:
    """Write a copy of the imported sheet with every row's reference filled in."""
    from procurement.core.errors import ProcurementError
    from procurement.exchange.tabular.readers import write_back as write_copy

    references = {row: reference for row, reference, _ in summary.rows if reference}
    try:
        with atomic_path(write_back) as partial:
            write_copy(path=file, fmt=kind, target=partial, references=references)
    except OSError as exc:
        raise ProcurementError(
            f"the cases were imported, but {write_back} could not be written "
            f"({exc.strerror or exc}); export them with `procurement export`"
        ) from None
    click.echo(f"Wrote {write_back}: {file.name} with the references of the registry.", err=as_json)


@click.command()
@case_filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="ocds",
    show_default=True,
    help="ocds: OCDS 1.1 release package; csv/xlsx/json: the "
    "registry's own columns, ready to import again.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (required for xlsx); - or none: standard output.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@include_contacts_option
@click.option("--best-practice", is_flag=True, help="Only cases flagged as best practice.")
@click.option(
    "--releases",
    is_flag=True,
    help="OCDS: every change as its own release instead of one compiled release.",
)
@click.option(
    "--records",
    is_flag=True,
    help="OCDS: a record package: per case its releases (as --releases), the compiled and "
    "the versioned release.",
)
@click.option(
    "--json-lines",
    is_flag=True,
    help="OCDS: one release (or record) per line, without the package: for big exports.",
)
@click.option("--validate", is_flag=True, help="OCDS: check the package against the schema.")
@pass_app
def export(
    app: AppContext,
    flt: object,
    fmt: str,
    output: Path | None,
    force: bool,
    include_contacts: bool,
    best_practice: bool,
    releases: bool,
    validate: bool,
    records: bool = False,
    json_lines: bool = False,
) -> None:
    """Write cases as an OCDS release package, CSV, XLSX or JSON.

    Contact names and e-mails stay out unless --include-contacts is given.

    \b
    Example:
      procurement export --format csv --city HEL -o helsinki.csv
      procurement export --best-practice --format ocds -o best-practice.json
    """
    from procurement.cases.query import CaseFilter

    assert isinstance(flt, CaseFilter)
    if best_practice:
        flt = dataclasses.replace(flt, best_practice=True)
    if output is not None and str(output) == "-":
        output = None  # standard output, as `-` means for every file option
    if fmt == "xlsx" and output is None:
        raise BadInput("XLSX needs a file: add --output cases.xlsx")
    if output is not None:
        check_target(output, force=force, protected=app.registry_files())
    with app.read_session() as session:
        if fmt == "ocds":
            from procurement.exchange.ocds.exporter import export_ocds

            def write_ocds(target: Path | None) -> int:
                return export_ocds(
                    session=session,
                    flt=flt,
                    target=target,
                    include_contacts=include_contacts,
                    releases=releases,
                    validate=validate,
                    echo=lambda chunk: click.echo(chunk, nl=False),
                    records=records,
                    json_lines=json_lines,
                )

            count = _write(output, write_ocds)
        else:
            from procurement.exchange.tabular import export_cases

            def write_table(target: Path | None) -> int:
                with ProgressBar("Exporting") as bar:
                    return export_cases(
                        session=session,
                        flt=flt,
                        fmt=fmt,
                        target=target,
                        include_contacts=include_contacts,
                        progress=bar,
                    )

            count = _write(output, write_table)
    if output is not None:
        click.echo(f"Wrote {count} case{'s' if count != 1 else ''} to {output}.", err=True)


def _write(output: Path | None, writer: object) -> int:
    """Call ``writer(path)`` on a temporary file renamed into place, or ``writer(None)`` for
    standard output."""
    assert callable(writer)
    if output is None:
        result = writer(None)
        sys.stdout.flush()
        return int(result)
    with atomic_path(output) as partial:
        return int(writer(partial))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_app
def template(app: AppContext, file: Path, force: bool) -> None:
    """Write an empty entry sheet (FILE ending in .xlsx or .csv) with the registry's columns.

    The XLSX sheet has drop-down lists for codelists and a Help sheet explaining every
    column. Fill it in, then load it with `procurement import FILE`.

    \b
    Example:
      procurement template cases.xlsx
    """
    from procurement.cases.cities import list_cities
    from procurement.exchange.tabular import write_template

    suffix = file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BadInput(f"'{file.name}': the template file name must end in .xlsx or .csv")
    check_target(file, force=force, protected=app.registry_files())
    cities: list[tuple[str, str]] = []
    if suffix == ".xlsx":  # the registry's cities fill the city drop-down list
        with app.read_session() as session:
            cities = [(c.code, c.name) for c in list_cities(session=session)]
    with atomic_path(file) as partial:
        write_template(path=partial, fmt=suffix[1:], cities=cities)
    click.echo(f"Wrote {file}: fill in one case per row, then `procurement import {file}`.")

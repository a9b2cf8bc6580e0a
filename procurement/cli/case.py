"""``procurement case``: add, edit, show, list, trace and remove cases."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

from procurement.cases.fields import FIELD_BY_NAME, FIELDS, PERSONAL_FIELDS, Field
from procurement.cli.context import AppContext, pass_app
from procurement.cli.fieldopts import (
    COMPLETION_LIMIT,
    Completer,
    collect,
    field_options,
    interactive,
    read_registry,
    values_of,
)
from procurement.cli.filters import case_filter_options
from procurement.cli.output import dumps, emit, format_option, include_contacts_option, is_terminal
from procurement.cli.output import text as cell
from procurement.core.errors import BadInput, ProcurementError, ValidationError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from procurement.cases.query import CaseFilter
    from procurement.cli.prompts import Organisations
    from procurement.storage.models import Case

GROUP_TITLES = {"case": "Case", "ppp": "PPP details", "outcome": "Outcome"}
LIST_COLUMNS = ["reference", "city", "year", "status", "procedure", "title", "value", "ppp_model"]
TABLE_LIMIT = 50
F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def case() -> None:
    """Add, edit, find and remove procurement cases.

    \b
    Example:
      procurement case add                      # guided questions on a terminal
      procurement case list --city HEL --status awarded
      procurement case show HEL-2025-001
    """


def _cities(app: AppContext) -> dict[str, str]:
    from procurement.cases.cities import list_cities

    with app.read_session() as session:
        return {
            c.code: c.name if not c.local_name or c.local_name == c.name else f"{c.local_name}"
            for c in list_cities(session=session)
        }


def _organisations(app: AppContext) -> Organisations:
    from procurement.cases.query import organisation_names
    from procurement.cli.prompts import Organisations

    with app.read_session() as session:
        return Organisations(organisation_names(session=session))


def _complete_reference(*, include_removed: bool) -> Completer:
    """Shell completion of case references from the registry (``HEL-2`` gives HEL-2025-001,
    ...), at most :data:`COMPLETION_LIMIT`; nothing at all when the registry cannot be read."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from sqlalchemy import select

        from procurement.storage.schema import cases

        prefix = incomplete.strip().upper()

        def read(connection: Connection) -> list[CompletionItem]:
            query = select(cases.c.reference, cases.c.title).where(
                cases.c.reference.startswith(prefix, autoescape=True)
            )
            if not include_removed:
                query = query.where(cases.c.removed_at.is_(None))
            rows = connection.execute(query.order_by(cases.c.reference).limit(COMPLETION_LIMIT))
            return [CompletionItem(reference, help=title) for reference, title in rows]

        return read_registry(ctx, read)

    return complete


def complete_assignment(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """``--set`` completion: field names followed by ``=``, then the codes a codelist field
    takes (``status=aw`` gives ``status=awarded``)."""
    if "=" in incomplete:
        name, typed = incomplete.split("=", 1)
        field = FIELD_BY_NAME.get(name.replace("-", "_").lower())
        if field is None:
            return []
        low = typed.lower()
        return [
            CompletionItem(f"{name}={code}", help=label)
            for code, label in values_of(field)
            if code.lower().startswith(low)
        ]
    low = incomplete.lower().replace("-", "_")
    return [CompletionItem(f"{f.name}=", help=f.help) for f in FIELDS if f.name.startswith(low)]


def _keep(text: str, reference: str, suffix: str) -> Path:
    import tempfile
    from pathlib import Path

    """Save typed work to a file the officer can come back to."""
    fd, name = tempfile.mkstemp(prefix=f"procurement-{reference}-", suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


DRAFT_KEPT = "Draft kept; run `procurement case add --resume` to continue."
# The exit status of a program stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def _json_option(what: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=f"text: one sentence; json: {what} (for scripts).",
    )


def _offer_draft(
    app: AppContext, raw: dict[str, Any], *, resume: bool, discard: bool, prompted: bool
) -> dict[str, Any]:
    """``raw`` on top of the kept draft when the officer takes it up (``--resume``, or
    ``y`` when offered on a terminal); the draft is deleted when they decline."""
    from procurement.cli import drafts

    if not (resume or discard or prompted):
        return raw
    draft = drafts.load(app.url, app.username)
    if draft is None:
        if resume:
            click.echo("No draft to resume; starting a new case.", err=True)
        return raw
    if discard:
        drafts.discard(app.url, app.username)
        click.echo("Draft discarded.", err=True)
        return raw
    count = drafts.count(draft.answers)
    noun = "answer" if count == 1 else "answers"
    if resume or click.confirm(
        f"A draft from {draft.when} with {count} {noun} exists: resume it?", default=True
    ):
        click.echo(f"Resuming the draft from {draft.when}.", err=True)
        return {**draft.answers, **raw}  # flags and --from win over the draft
    drafts.discard(app.url, app.username)
    click.echo("Draft discarded; starting a new case.", err=True)
    return raw


def _keep_draft(app: AppContext, answers: Mapping[str, Any]) -> str:
    """Keep the answers typed so far as the draft; what to tell the officer ("" when there
    is nothing to keep: an older draft stays as it is)."""
    from procurement.cli import drafts

    if not drafts.count(answers):
        return ""
    try:
        drafts.save(app.url, app.username, answers)
    except OSError as exc:
        return f"Your answers could not be kept as a draft ({exc.strerror or exc})."
    return DRAFT_KEPT


@contextmanager
def _draft_on_leaving(app: AppContext, answers: dict[str, Any]) -> Iterator[None]:
    """Keep ``answers`` (filled in place by the questions) as a draft when the officer leaves
    without storing: Ctrl-C (exit status 130), end of input (1) or a failure (its own)."""
    try:
        yield
    except click.exceptions.Exit:
        raise
    except (KeyboardInterrupt, click.exceptions.Abort, EOFError) as exc:
        # click turns Ctrl-C and end of input at a prompt into Abort (the cause kept as context)
        ctrl_c = isinstance(exc, KeyboardInterrupt) or isinstance(
            exc.__context__, KeyboardInterrupt
        )
        told = _keep_draft(app, answers)
        click.echo("")  # end the line of the question left unanswered
        click.echo(f"Nothing stored. {told}".rstrip(), err=True)
        raise click.exceptions.Exit(INTERRUPTED if ctrl_c else 1) from None
    except ProcurementError as exc:
        told = _keep_draft(app, answers)
        if not told:
            raise
        failure = BadInput if exc.exit_code == 2 else ProcurementError
        raise failure(f"{exc}; nothing stored. {told}") from None
    except Exception:
        told = _keep_draft(app, answers)
        if told:
            sys.stdout.flush()
            click.echo(f"Nothing stored. {told}", err=True)
        raise


@case.command()
@field_options(FIELDS)
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Read the case from a YAML or JSON file with the field names as keys "
    "(the form of `case show --format json`); `-` reads it from standard input (no "
    "questions are asked then). Flags override the file's values.",
)
@click.option(
    "--no-input",
    is_flag=True,
    help="Never ask questions: fail listing every missing or invalid field "
    "(the default when input is not a terminal).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Take up the draft kept when a guided `case add` was left unfinished, without "
    "asking (flags and --from win over its answers).",
)
@click.option(
    "--discard-draft",
    is_flag=True,
    help="Delete that draft without asking, and start a new case.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the assigned reference.")
@_json_option("the case as stored, as `case show --format json --include-contacts` gives it")
@pass_app
def add(
    app: AppContext,
    /,
    from_file: str | None,
    no_input: bool,
    resume: bool,
    discard_draft: bool,
    quiet: bool,
    fmt: str,
    **params: Any,
) -> None:
    """Record a new case; prints the reference assigned to it (e.g. HEL-2025-001).

    On a terminal, questions guide you through every required field that is missing
    (numbered menus for codelists, CPV search by words); nothing is stored until you
    confirm the summary. Answer n there to change a field. Leave with Ctrl-C and your
    answers are kept as a draft that the next `case add` offers to resume. With
    --no-input, or in a script, missing or invalid fields are all listed in one error
    and nothing is stored.

    \b
    Example:
      procurement case add
      procurement case add --resume            # take up an unfinished guided entry
      procurement case add --no-input --city HEL --buyer "City of Helsinki" \\
        --title "Electric buses" --category goods --sector transport \\
        --procedure competitive-dialogue --status planned \\
        --innovation-approach market-dialogue --estimated-value 1200000 --currency EUR
      procurement case add --from case.yaml --status awarded --format json
    """
    from procurement.cases.store.create import add_new_case

    if resume and discard_draft:
        raise BadInput("--resume and --discard-draft exclude each other; give one of them")
    raw: dict[str, Any] = {}
    if from_file:
        from pathlib import Path

        from procurement.cli.editor import read_case_file  # YAML: loaded only for --from

        raw = read_case_file(Path(from_file))
    raw.update(collect(FIELDS, params))
    # for a new case an empty value is no value (a file from `case show --format json` has many)
    raw = {k: v for k, v in raw.items() if v not in (None, "", [], {})}
    # a case read from standard input leaves no input to answer questions with
    prompted = interactive(no_input or from_file == "-")
    raw = _offer_draft(app, raw, resume=resume, discard=discard_draft, prompted=prompted)

    def store(data: Mapping[str, Any]) -> str:
        def work(connection: Connection) -> str:
            return add_new_case(db=connection, data=data, user=app.username)

        return app.run_in_connection(work)

    if prompted:
        from procurement.cli.prompts import complete_case

        answers = dict(raw)
        with _draft_on_leaving(app, answers):
            complete_case(answers, cities=_cities(app), organisations=_organisations(app))
            reference = store(answers)
    else:
        reference = store(raw)
    if prompted or resume:
        from procurement.cli import drafts

        drafts.discard(app.url, app.username)
    if fmt == "json":
        from procurement.cases.formats import case_record
        from procurement.cases.query import get_case

        with app.read_session() as session:
            record = case_record(
                get_case(session=session, reference=reference), include_contacts=True
            )
        click.echo(dumps(record))
        return
    click.echo(reference if quiet else f"Added case {reference}.")


def _report_changes(
    reference: str, changes: Mapping[str, Any], what: str = "", fmt: str = "text"
) -> None:
    if fmt == "json":
        click.echo(dumps({"reference": reference, "changes": dict(changes)}))
    elif changes:
        click.echo(f"Updated {what}{reference}: {', '.join(changes)}.")
    else:
        click.echo(f"No change to {reference}: the values given are the ones stored.")


@case.command()
@click.argument("reference", shell_complete=_complete_reference(include_removed=False))
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Set one field (repeatable), e.g. --set status=awarded. An empty VALUE clears it.",
    shell_complete=complete_assignment,
)
@_json_option('{"reference": ..., "changes": {FIELD: {"old": ..., "new": ...}}}')
@pass_app
def edit(app: AppContext, reference: str, assignments: tuple[str, ...], fmt: str) -> None:
    """Change a case, with --set FIELD=VALUE or in your editor ($EDITOR).

    Without --set the case opens as a commented YAML document. When you save, it is
    checked; if something is wrong the editor opens again with the problems listed at
    the top and your text kept. Close the editor without saving (or empty the file) to
    leave the case unchanged.

    \b
    Example:
      procurement case edit HEL-2025-001 --set status=awarded --set awarded_on=2025-06-30
      procurement case edit HEL-2025-001 --set innovation_approaches="market-dialogue;ppi"
      EDITOR=nano procurement case edit HEL-2025-001
      procurement case edit HEL-2025-001 --set status=awarded --format json
    """
    from procurement.cases.store.update import update_case
    from procurement.cli.editor import parse_assignments

    if assignments:
        data = parse_assignments(assignments)

        def work(session: Session) -> tuple[str, dict[str, Any]]:
            found, changes = update_case(
                session=session, reference=reference, data=data, user=app.username
            )
            return found.reference, changes

        ref, changes = app.run_in_transaction(work)
        _report_changes(ref, changes, fmt=fmt)
        return
    if not interactive():
        raise BadInput(
            "no terminal to open an editor in; give the changes with --set, e.g. "
            f"`procurement case edit {reference} --set status=awarded`"
        )
    _edit_in_editor(app, reference, fmt)


def _run_editor(text: str, reference: str) -> str | None:
    """Open ``text`` in the editor; the saved text, or None when it was closed unsaved."""
    path = _keep(text, reference, ".yaml")
    stamp = path.stat().st_mtime - 2
    os.utime(path, (stamp, stamp))
    stamp = path.stat().st_mtime
    try:
        click.edit(filename=str(path), extension=".yaml")
    except click.ClickException as exc:
        raise ProcurementError(
            f"{exc.format_message()}; your text is kept in {path} "
            "(set $EDITOR to an editor that works here)"
        ) from None
    try:
        if path.stat().st_mtime == stamp:
            return None
        return path.read_text(encoding="utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    finally:
        path.unlink(missing_ok=True)


def _edit_in_editor(app: AppContext, reference: str, fmt: str = "text") -> None:
    from procurement.cases.query import get_case
    from procurement.cases.store.update import update_case
    from procurement.cases.values import case_values
    from procurement.cli.editor import (
        case_document,
        changed_keys,
        is_empty,
        parse_document,
        with_errors,
    )

    with app.read_session() as session:
        found = get_case(session=session, reference=reference)
        ref = found.reference
        document = case_document(case_values(found), reference=ref)
    baseline = parse_document(document)
    text = document
    while True:
        edited = _run_editor(text, ref)
        if edited is None or is_empty(edited) or (text != document and edited == text):
            if text != document:
                kept = _keep(text, ref, ".yaml")
                click.echo(
                    f"Edit abandoned; {ref} is unchanged. Your text is kept in {kept}.",
                    err=fmt == "json",
                )
                raise click.exceptions.Exit(1)
            _no_change(ref, fmt)
            return
        try:
            data = changed_keys(baseline, parse_document(edited))
            if not data:
                _no_change(ref, fmt)
                return
            changes = app.run_in_transaction(
                lambda session, data=data: update_case(  # type: ignore[misc]
                    session=session, reference=ref, data=data, user=app.username
                )[1]
            )
        except ValidationError as exc:
            text = with_errors(edited, [str(e) for e in exc.errors])
            click.echo(f"Not saved: {exc}. Reopening the editor.", err=True)
            continue
        except BadInput as exc:
            text = with_errors(edited, [str(exc)])
            click.echo(f"Not saved: {exc}. Reopening the editor.", err=True)
            continue
        _report_changes(ref, changes, fmt=fmt)
        return


def _no_change(reference: str, fmt: str) -> None:
    if fmt == "json":
        _report_changes(reference, {}, fmt=fmt)
    else:
        click.echo(f"No change to {reference}.")


def _display(field: Field, value: Any, values: Mapping[str, Any]) -> str:
    """A value as a person reads it: codes with labels, amounts with currency."""
    from procurement.cases.formats import cell_text

    if value in (None, [], {}, ""):
        return ""
    if field.codelist is not None and field.kind == "code":
        try:
            return f"{field.codelist.parse(value).label} ({value})"
        except ValueError:
            return str(value)
    if field.codelist is not None and field.kind == "codes":
        return "\n".join(f"{field.codelist.parse(v).label} ({v})" for v in value)
    if field.kind == "money":
        return f"{value:,.2f} {values.get('currency') or ''}".rstrip()
    if field.kind == "cpv":
        from procurement.core.cpv import label

        return f"{value} {label(str(value)) or ''}".rstrip()
    if field.kind == "percent":
        return f"{cell_text(field.name, value)} %"
    if field.kind == "risks":
        return "\n".join(f"{k}: {v}" for k, v in value.items())
    if field.kind == "kpis":
        lines = []
        for k in value:
            line = f"{k['name']}: {cell_text('x', k['achieved']) or '?'} {k['unit'] or ''}".rstrip()
            extra = [
                f"{what} {cell_text('x', k[what])}"
                for what in ("baseline", "target")
                if k[what] is not None
            ]
            lines.append(line + (f" ({', '.join(extra)})" if extra else ""))
        return "\n".join(lines)
    if field.kind == "documents":
        return "\n".join(f"{d['title']} <{d['url']}>" if d["title"] else d["url"] for d in value)
    return cell_text(field.name, value)


def _sections(found: Case, include_contacts: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    from procurement.cases.values import case_values

    values = case_values(found)
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for group, title in GROUP_TITLES.items():
        rows = [
            (f.label, _display(f, values[f.name], values))
            for f in FIELDS
            if f.group == group and (include_contacts or f.name not in PERSONAL_FIELDS)
        ]
        rows = [(label, shown) for label, shown in rows if shown]
        if rows:
            sections.append((title, rows))
    return sections


def _show_text(found: Case, include_contacts: bool) -> None:
    heading = f"{found.reference}  {found.title}"
    removed = " (removed)" if found.removed_at is not None else ""
    sections = _sections(found, include_contacts)
    footer = f"ocid {found.ocid}; origin {found.origin}; updated {found.updated_at:%Y-%m-%d %H:%M}"
    if is_terminal():
        from rich.console import Console, Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        parts: list[Any] = []
        for title, rows in sections:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for label, shown in rows:
                grid.add_row(label, Text(shown))
            parts.extend([Text(title, style="underline"), grid, Text("")])
        parts.append(Text(footer, style="dim"))
        Console().print(Panel(Group(*parts), title=Text(heading + removed), title_align="left"))
        return
    click.echo(heading + removed)
    width = max((len(label) for _, rows in sections for label, _ in rows), default=0)
    for title, rows in sections:
        click.echo("")
        click.echo(title)
        for label, shown in rows:
            first, *more = shown.split("\n")
            click.echo(f"  {label.ljust(width)}  {first}")
            for line in more:
                click.echo(f"  {' ' * width}  {line}")
    click.echo("")
    click.echo(footer)


@case.command()
@click.argument("reference", shell_complete=_complete_reference(include_removed=True))
@format_option("text", "json", "ocds", default="text")
@include_contacts_option
@pass_app
def show(app: AppContext, reference: str, fmt: str, include_contacts: bool) -> None:
    """Show one case: every recorded field, its PPP details and outcome.

    \b
    Example:
      procurement case show HEL-2025-001 --include-contacts
      procurement case show HEL-2025-001 --format json > case.json
      procurement case show HEL-2025-001 --format ocds
    """
    from procurement.cases.formats import case_record
    from procurement.cases.query import get_case

    with app.read_session() as session:
        found = get_case(session=session, reference=reference, include_removed=True)
        if fmt == "json":
            click.echo(dumps(case_record(found, include_contacts=include_contacts)))
        elif fmt == "ocds":
            from procurement.exchange.ocds.exporter import compiled_release

            click.echo(dumps(compiled_release(found, include_contacts=include_contacts)))
        else:
            _show_text(found, include_contacts=include_contacts)


def _list_row(found: Case) -> dict[str, Any]:
    value = found.awarded_value if found.awarded_value is not None else found.estimated_value
    return {
        "reference": found.reference,
        "city": found.city_code,
        "year": found.year,
        "status": found.status,
        "procedure": found.procedure,
        "title": found.title,
        "value": f"{value:,.0f} {found.currency or ''}".rstrip() if value is not None else "",
        "ppp_model": found.ppp.ppp_model if found.ppp else "",
    }


@case.command("list")
@case_filter_options
@click.option("--include-removed", is_flag=True, help="List removed cases too.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"Show at most N cases; 0 for all. Default: {TABLE_LIMIT} in a table, "
    "all in csv and json.",
)
@format_option()
@include_contacts_option
@pass_app
def list_(
    app: AppContext,
    flt: CaseFilter,
    include_removed: bool,
    limit: int | None,
    fmt: str,
    include_contacts: bool,
) -> None:
    """List cases, filtered; json and csv carry every field of each case (the contact
    person only with --include-contacts), in the columns an import reads.

    \b
    Example:
      procurement case list --city HEL --status awarded
      procurement case list --ppp --year 2024 --format csv > ppp-2024.csv
      procurement case list --search "electric bus" --format json
    """
    import dataclasses

    from procurement.cases.formats import write_cases_csv, write_cases_json
    from procurement.cases.query import count_cases, list_cases

    if include_removed:
        flt = dataclasses.replace(flt, include_removed=True)
    if limit is None:
        limit = TABLE_LIMIT if fmt == "table" else 0
    with app.read_session() as session:
        found = list_cases(session=session, flt=flt, limit=limit or None)
        total = count_cases(session=session, flt=flt) if limit and len(found) == limit else None
        if fmt in ("json", "csv"):
            buffer = io.StringIO()
            write = write_cases_json if fmt == "json" else write_cases_csv
            write(buffer, found, include_contacts=include_contacts)
            click.echo(buffer.getvalue(), nl=False)
        else:
            if not found:
                click.echo("No case matches; try fewer filters.", err=True)
                return
            emit([_list_row(c) for c in found], fmt, LIST_COLUMNS)
    if total is not None and total > len(found):
        click.echo(f"Showing {len(found)} of {total} cases; use --limit 0 to see all.", err=True)


UNREADABLE = "unreadable event"


def _readable_changes(raw: str | None) -> dict[str, Any] | None:
    """An audit event's changes as ``{field: {"old": ..., "new": ...}}``, or None when the
    stored text is not that (an event written by hand or by another program)."""
    import json

    try:
        changes = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(changes, dict) or not all(isinstance(c, dict) for c in changes.values()):
        return None
    return changes


def _change_text(action: str, changes: Mapping[str, Any] | None) -> str:
    if changes is None:
        return UNREADABLE
    if action in ("create", "import"):
        return f"{len(changes)} fields set"

    from procurement.cases.formats import cell_text

    def short(name: str, value: Any) -> str:
        if value is None:
            return "–"
        shown = cell_text(name, value) if name in FIELD_BY_NAME else cell(value)
        shown = shown.replace("\n", "; ")
        return shown if len(shown) <= 40 else shown[:39] + "…"

    return "; ".join(
        f"{name}: {short(name, change.get('old'))} → {short(name, change.get('new'))}"
        for name, change in changes.items()
    )


@case.command()
@click.argument("reference", shell_complete=_complete_reference(include_removed=True))
@format_option("table", "json")
@pass_app
def history(app: AppContext, reference: str, fmt: str) -> None:
    """The audit trail of a case, newest first: who changed what, when.

    \b
    Example:
      procurement case history HEL-2025-001
      procurement case history HEL-2025-001 --format json
    """
    from sqlalchemy import Text, cast, select

    from procurement.cases.query import get_case
    from procurement.cases.values import jsonable
    from procurement.storage.models import AuditEvent

    with app.read_session() as session:
        found = get_case(session=session, reference=reference, include_removed=True)
        # changes read as text and parsed here: one malformed event (written by hand or by
        # another program) is shown as unreadable instead of breaking the whole history
        trail = session.execute(
            select(
                AuditEvent.at, AuditEvent.user, AuditEvent.action, cast(AuditEvent.changes, Text)
            )
            .where(AuditEvent.case_id == found.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        ).all()
    events: list[dict[str, Any]] = []
    for at, user, action, raw in trail:
        changes = _readable_changes(raw)
        event = {"at": jsonable(at), "user": user, "action": action, "changes": changes}
        if changes is None:
            event["unreadable"] = True
        events.append(event)
    if fmt == "json":
        emit(events, fmt)
        return
    rows = [
        {
            "at": str(e["at"])[:19].replace("T", " "),
            "user": e["user"],
            "action": e["action"],
            "changes": _change_text(e["action"], e["changes"]),
        }
        for e in events
    ]
    emit(rows, fmt, ["at", "user", "action", "changes"])


@case.command()
@click.argument("reference", shell_complete=_complete_reference(include_removed=True))
@click.option("--undo", is_flag=True, help="Restore a removed case.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def remove(app: AppContext, reference: str, undo: bool, yes: bool) -> None:
    """Remove a case from lists and reports (it can be restored with --undo).

    The case stays in the database with its audit trail, and its reference is never
    given to another case.

    \b
    Example:
      procurement case remove HEL-2025-001
      procurement case remove HEL-2025-001 --undo
    """
    from procurement.cases.query import get_case
    from procurement.cases.store.update import remove_case

    if not undo and not yes and interactive():
        with app.read_session() as session:
            found = get_case(session=session, reference=reference)
            ref, title = found.reference, found.title
        if not click.confirm(f"Remove {ref} ({title})? It can be restored with --undo."):
            click.echo("Nothing removed.")
            return
    ref_text = app.run_in_transaction(
        lambda session: (
            remove_case(
                session=session, reference=reference, user=app.username, undo=undo
            ).reference
        )
    )
    if undo:
        click.echo(f"Restored case {ref_text}.")
    else:
        click.echo(
            f"Removed case {ref_text}. Restore it with `procurement case remove {ref_text} --undo`."
        )

"""Where a report's scans over all cases run: in the registry's database, or, for a registry in
a SQLite file, in DuckDB reading that file.

The indicators are defined once, as SQLAlchemy expressions (:mod:`~procurement.analysis.queries`,
:mod:`~procurement.analysis.money`). The statements built from them run either on the session's
own connection (PostgreSQL, or SQLite) or, for a SQLite file, in DuckDB: DuckDB attaches the file
read-only through its SQLite scanner (the PyPI packages ``duckdb`` and
``duckdb-extension-sqlite-scanner``; nothing is downloaded) and runs the same statement, compiled
for PostgreSQL, whose SQL DuckDB speaks, on every processor core. On a large registry that is
several times faster than SQLite's single-threaded scan; the figures are the same.

The figures must describe one state of the registry: the one the session reads. Every change
to a case writes an audit event in the same transaction, so the newest audit event marks the
state: a statement's rows from DuckDB are used only when DuckDB, once they are read, sees the
same newest event as the session; otherwise (a change was committed in between) the report's
statements run again in the session, and every later one too. One DuckDB connection serves a
session's reports (opening it takes a fifth of a second).

``PROCUREMENT_REPORT_ENGINE=database`` runs every report in the database itself (DuckDB is
then never loaded); the default, ``auto``, uses DuckDB for SQLite files when it is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select
from sqlalchemy.orm import Session

from procurement.storage.engine import STAMP

ENGINE_VARIABLE = "PROCUREMENT_REPORT_ENGINE"
ENGINES = ("auto", "database", "duckdb")
_KEPT = "procurement.report_scans"  # the session's Scans, in ``session.info``
T = TypeVar("T")


class Changed(Exception):
    """The registry changed while DuckDB read it, or DuckDB could not read it: run the
    statements in the session."""


def _choice() -> str:
    value = os.environ.get(ENGINE_VARIABLE, "auto").strip().lower() or "auto"
    if value not in ENGINES:
        from procurement.core.errors import BadInput

        raise BadInput(f"{ENGINE_VARIABLE}={value!r}: use one of {', '.join(ENGINES)}")
    return value


def _scanner(version: str) -> Path | None:
    """The SQLite scanner extension built for this DuckDB version, from its PyPI package."""
    try:
        import duckdb_extension_sqlite_scanner  # type: ignore[import-untyped]
    except ImportError:
        return None
    folder = Path(duckdb_extension_sqlite_scanner.__file__).parent / "extensions"
    found = folder / f"v{version}" / "sqlite_scanner.duckdb_extension"
    return found if found.is_file() else None


class Scans:
    """Runs a report's statements: ``rows(statement)`` gives plain tuples; ``dialect`` is the
    SQL the statements are built for (``sqlite``, ``postgresql`` or ``duckdb``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.native = session.get_bind().dialect.name
        self.dialect = self.native
        self._duck: Any = None
        self._forced = False  # PROCUREMENT_REPORT_ENGINE=duckdb: DuckDB's errors are shown

    # ------------------------------------------------------------------ choosing the engine

    @classmethod
    def for_session(cls, session: Session) -> Scans:
        """The session's scans: opened at its first report, then kept with the session."""
        kept = session.info.get(_KEPT)
        if isinstance(kept, Scans):
            return kept
        scans = cls._opened(session)
        session.info[_KEPT] = scans
        return scans

    @classmethod
    def _opened(cls, session: Session) -> Scans:
        scans = cls(session)
        choice = _choice()
        if choice == "database" or scans.native != "sqlite":
            return scans
        bind = session.get_bind()
        database = bind.url.database if isinstance(bind, Engine) else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return scans
        scans._forced = choice == "duckdb"
        try:
            scans._open_duckdb(database)
        except Exception as exc:  # any failure: the database does the work
            if choice == "duckdb":
                from procurement.core.errors import BadInput

                raise BadInput(
                    f"{ENGINE_VARIABLE}=duckdb but DuckDB cannot read the registry ({exc}); "
                    "install the packages duckdb and duckdb-extension-sqlite-scanner of the "
                    "same version, or unset the variable"
                ) from None
            scans._duck = None
        return scans

    def _open_duckdb(self, database: str) -> None:
        import duckdb

        scanner = _scanner(duckdb.__version__)
        if scanner is None:
            raise RuntimeError(f"no SQLite scanner for DuckDB {duckdb.__version__}")
        duck = duckdb.connect(
            config={
                "autoinstall_known_extensions": "false",
                "autoload_known_extensions": "false",
                "allow_unsigned_extensions": "false",
                # give memory back after each statement rather than keep it for the next
                # (a report's charts are drawn after its statements: peak memory counts)
                "allocator_flush_threshold": "8MB",
                "allocator_background_threads": "true",
            }
        )
        try:
            duck.execute(f"LOAD '{_quoted(str(scanner))}'")
            duck.execute(f"ATTACH '{_quoted(database)}' AS registry (TYPE sqlite, READ_ONLY)")
            duck.execute("USE registry")
            self._duck = duck
            self._check(self._session_stamp())
        except Exception:
            duck.close()
            raise
        self.dialect = "duckdb"

    @property
    def in_duckdb(self) -> bool:
        return self._duck is not None

    def _session_stamp(self) -> Any:
        return self.session.connection().exec_driver_sql(STAMP).scalar()

    def _check(self, stamp: Any) -> None:
        if self._duck.execute(STAMP).fetchone()[0] != stamp:
            raise Changed

    # ------------------------------------------------------------------------- the reading

    def rows(self, statement: Select[Any]) -> Iterator[Sequence[Any]]:
        """The statement's rows as tuples. In DuckDB, a list aggregate comes as a NumPy array
        and a NULL as None."""
        if self._duck is None:
            yield from self.session.connection().execute(statement)
            return
        from sqlalchemy.dialects import postgresql

        compiled = statement.compile(
            dialect=postgresql.dialect(paramstyle="numeric_dollar"),  # type: ignore[no-untyped-call]
            compile_kwargs={"render_postcompile": True},
        )
        positions = compiled.positiontup or []
        params = [compiled.params[name] for name in positions]
        import duckdb

        stamp = self._session_stamp()
        try:
            cursor = self._duck.execute(str(compiled), params)
            dates = [str(d[1]) == "DATE" for d in cursor.description]
            columns = cursor.fetchnumpy()
        except duckdb.Error:
            if self._forced:
                raise
            raise Changed from None  # (out of memory, say): the database does the work
        self._check(stamp)
        plain = []
        for name, is_date in zip(list(columns), dates, strict=True):
            plain.append(_plain(columns.pop(name), is_date))  # one copy of a column at a time
        yield from zip(*plain, strict=True)

    def fall_back(self) -> None:
        """Run the statements in the session from now on (DuckDB saw another state)."""
        self.close()
        self.dialect = self.native

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _plain(values: Any, is_date: bool) -> list[Any]:
    """A column from DuckDB's ``fetchnumpy`` as Python values (None for NULL; a DATE as a
    ``datetime.date``); a column of lists keeps each list as a NumPy array of float64 without
    its NULLs."""
    import numpy as np

    if is_date:
        days: list[Any] = values.astype("datetime64[D]").tolist()
        return days
    if values.dtype == object:
        out: list[Any] = []
        for value in values:
            if value is None or value is np.ma.masked:
                out.append(None)
            elif isinstance(value, np.ma.MaskedArray):
                kept = value.data if not np.ma.is_masked(value) else value.compressed()
                out.append(np.asarray(kept, dtype=np.float64))
            elif isinstance(value, np.ndarray):
                out.append(np.asarray(value, dtype=np.float64))
            else:
                out.append(value)
        return out
    listed: list[Any] = values.tolist()  # masked values become None
    return listed


def in_engine(session: Session, work: Callable[[Scans], T]) -> T:
    """``work(scans)`` with the session's :class:`Scans`; done again in the database when
    DuckDB saw another state of the registry than the session, or could not read it."""
    scans = Scans.for_session(session)
    try:
        return work(scans)
    except Changed:
        scans.fall_back()
        return work(scans)


def scanned(session: Session, statement: Select[Any]) -> list[Sequence[Any]]:
    """All the rows of one statement over the cases, read where the session's reports are
    read (:class:`Scans`), from the session's state of the registry."""
    return in_engine(session, lambda scans: list(scans.rows(statement)))

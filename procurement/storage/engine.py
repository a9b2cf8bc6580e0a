"""Choosing and opening the database: an embedded SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from procurement.core.errors import BadInput, DatabaseError

# JSON column values: kept in a module of their own (no SQLAlchemy), named here as before
from procurement.storage.json_columns import JSONText as JSONText
from procurement.storage.json_columns import json_serializer as json_serializer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ENV_DATABASE = "PROCUREMENT_DATABASE_URL"
ENV_USER = "PROCUREMENT_USER"
ENV_BUSY_TIMEOUT = "PROCUREMENT_SQLITE_BUSY_TIMEOUT_MS"
SQLITE_BUSY_TIMEOUT_MS = 30_000
ENV_LOCK_TIMEOUT = "PROCUREMENT_LOCK_TIMEOUT"
ENV_STATEMENT_TIMEOUT = "PROCUREMENT_STATEMENT_TIMEOUT"
LOCK_TIMEOUT_S = 5.0  # PostgreSQL: longest wait for a lock another session holds
STATEMENT_TIMEOUT_S = 600.0  # PostgreSQL: longest run of one statement

T = TypeVar("T")


def sqlite_busy_timeout_ms() -> int:
    """How long a SQLite writer waits for another's lock (env override for tests and slow disks)."""
    value = os.environ.get(ENV_BUSY_TIMEOUT, "").strip()
    if not value:
        return SQLITE_BUSY_TIMEOUT_MS
    if not value.isdigit():
        raise BadInput(f"{ENV_BUSY_TIMEOUT}={value!r}: give a whole number of milliseconds")
    return int(value)


def _seconds_ms(variable: str, default: float) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return round(default * 1000)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise BadInput(f"{variable}={value!r}: give a number of seconds, e.g. 5 (0: no limit)")
    return round(seconds * 1000)


def lock_timeout_ms() -> int:
    """PostgreSQL: how long a statement waits for a lock another session holds (a table an
    officer locked from psql, a row being changed) before the command ends with "busy"."""
    return _seconds_ms(ENV_LOCK_TIMEOUT, LOCK_TIMEOUT_S)


def statement_timeout_ms() -> int:
    """PostgreSQL: how long one statement may run before the server stops it."""
    return _seconds_ms(ENV_STATEMENT_TIMEOUT, STATEMENT_TIMEOUT_S)


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("procurement", appauthor=False) / "registry.sqlite"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def mask(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def parse_url(url: str) -> URL:
    """Parse a database URL, accepting a bare file path for SQLite."""
    text = url.strip()
    if "://" not in text:
        if not text:
            raise BadInput("empty database URL: give sqlite:///PATH or postgresql://USER@HOST/DB")
        text = f"sqlite:///{text}"
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise BadInput(
            f"malformed database URL '{mask(url)}': use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.get_driver_name() in ("", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise BadInput(
            f"unsupported database '{backend}' in '{mask(url)}': use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms()}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds ASCII only; searches must find "Санкт" and "RĪGA" too.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


READ_ONLY = "procurement_read_only"


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN so that concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" when upgrading a read lock.
    # Read-only work (listings, reports) begins deferred: with WAL it never waits for,
    # nor blocks, a writer.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The engine for work that only reads (lists, reports, exports): one consistent view.

    SQLite begins such transactions deferred (with WAL they neither wait for nor block a
    writer, and see one snapshot); PostgreSQL runs them REPEATABLE READ, READ ONLY, so every
    statement of a report sees the same data.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(
            **{READ_ONLY: True}, isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str, *, create_dir: bool = True) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and create_dir:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if database and _on_read_only_file_system(Path(database).expanduser()):
            # a registry on a read-only medium (a mounted archive, a DVD): it can be read,
            # never changed; SQLite's journal files cannot be created there either
            parsed = parsed.set(
                database=f"file:{Path(database).expanduser()}?mode=ro&immutable=1",
                query={"uri": "true"},
            )
        engine = create_engine(
            parsed,
            connect_args={"timeout": sqlite_busy_timeout_ms() / 1000},
            json_serializer=json_serializer,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Every connection waits at most lock_timeout for a lock (then SQLSTATE 55P03: "busy,
    # try again") and runs a statement at most statement_timeout: a session holding a lock
    # (e.g. LOCK TABLE from psql) cannot stall other officers' commands for ever.
    timeouts = f"-c lock_timeout={lock_timeout_ms()} -c statement_timeout={statement_timeout_ms()}"
    given = parsed.query.get("options")  # the URL's own ?options=... come last and win
    if given:
        timeouts += " " + (given if isinstance(given, str) else " ".join(given))
    return create_engine(
        parsed,
        pool_pre_ping=True,
        json_serializer=json_serializer,
        connect_args={
            "connect_timeout": 10,
            "application_name": "procurement",
            "options": timeouts,
        },
    )


def _on_read_only_file_system(database: Path) -> bool:
    """Whether the registry file exists on a file system mounted read-only."""
    if not database.is_file():
        return False
    try:
        return bool(os.statvfs(database).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_connection(engine: Engine, url: str) -> None:
    """Connect once, turning a failure into a one-line message naming the URL."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open database '{mask(url)}': {reason}") from None


def dialect_name(db: Session | Connection) -> str:
    """``sqlite`` or ``postgresql``: the database behind an ORM session or a Core connection."""
    if isinstance(db, Connection):
        return db.dialect.name
    return db.get_bind().dialect.name


def core_connection(db: Session | Connection) -> Connection:
    """The Core connection of an ORM session's transaction, or ``db`` itself."""
    return db if isinstance(db, Connection) else db.connection()


def insert_ignoring_duplicates(db: Session | Connection, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table`` in the database's dialect: a row
    another writer created a moment ago is skipped by the database, with no savepoint (on
    PostgreSQL more than 64 subtransactions in one transaction slow every later query)."""
    if dialect_name(db) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def run_in_transaction(
    *, engine: Engine, fn: Callable[[Session], T], attempts: int | None = None
) -> T:
    """Run ``fn(session)`` as one transaction, committed when it returns.

    When the database is busy (SQLite "database is locked", PostgreSQL serialization
    failure or deadlock) the transaction is rolled back and ``fn`` runs again from the
    start with a fresh session, a bounded number of times (exponential backoff with
    jitter); then :class:`~procurement.core.errors.DatabaseError` says so in one line. ``fn``
    must therefore only touch the database: print its result after this returns.
    """
    from sqlalchemy.orm import Session

    from procurement.storage import retry

    def once() -> T:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return fn(session)

    return retry.retrying(once, attempts=attempts or retry.ATTEMPTS)


def run_in_connection(
    *, engine: Engine, fn: Callable[[Connection], T], attempts: int | None = None
) -> T:
    """:func:`run_in_transaction` for work done with SQLAlchemy Core (``fn(connection)``),
    which needs no ORM: writing new cases (``procurement case add``) starts faster."""
    from procurement.storage import retry

    def once() -> T:
        with engine.begin() as connection:
            return fn(connection)

    return retry.retrying(once, attempts=attempts or retry.ATTEMPTS)


def configured_user() -> str:
    import getpass

    return os.environ.get(ENV_USER) or getpass.getuser()


class ParallelReader:
    """Rows of a statement read on a second connection (see :func:`read_alongside`)."""

    def __init__(self, session: Session, statement: Any) -> None:
        import queue
        import threading

        self._main = session.connection()
        self._statement = statement
        self._chunks: queue.Queue[Sequence[Any] | BaseException | None] = queue.Queue(maxsize=8)
        self._stop = threading.Event()
        engine = session.get_bind()
        if not isinstance(engine, Engine):
            self._chunks.put(None)  # no engine to open a second connection from
            return
        self._dialect = self._main.dialect.name
        if self._dialect == "postgresql":
            self._mark = self._main.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        else:
            self._mark = self._main.exec_driver_sql(STAMP).scalar()
        self._engine = engine
        self._thread = threading.Thread(target=self._read, name="read-alongside", daemon=True)
        self._thread.start()

    def _put(self, item: Sequence[Any] | BaseException | None) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            with self._engine.connect() as connection:
                if self._dialect == "postgresql":
                    connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{self._mark}'")
                elif connection.exec_driver_sql(STAMP).scalar() != self._mark:
                    self._put(None)  # a change was committed in between
                    return
                result = connection.execute(self._statement)
                while chunk := result.fetchmany(1000):
                    if not self._put(chunk):
                        return
                self._put([])
        except BaseException as exc:  # handed to the reader of the rows
            self._put(exc)

    def rows(self) -> Iterator[Any]:
        """The rows, as they come (in the session's transaction: read them before it ends)."""
        while True:
            chunk = self._chunks.get()
            if chunk is None:
                self._join()
                yield from self._main.execute(self._statement)
                return
            if isinstance(chunk, BaseException):
                self._join()
                raise chunk
            if not chunk:
                # the last rows are here: the reader is giving its connection back; wait for
                # that, so that no caller disposes of the engine under it
                self._join()
                return
            yield from chunk

    def _join(self) -> None:
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(timeout=60)

    def close(self) -> None:
        """Stop reading and wait until the second connection is given back (a reader left
        running would hold it open after the command has ended)."""
        self._stop.set()
        self._join()


def read_alongside(session: Session, statement: Any) -> ParallelReader:
    """Start reading ``statement``'s rows on a second connection while ``session`` goes on
    with other queries (a report's two scans over all cases, on two processor cores); read
    them with ``.rows()`` within the session's transaction, and ``.close()`` when done.

    The second connection reads exactly the session's data: on PostgreSQL it takes the
    session's snapshot (``pg_export_snapshot``); on SQLite its read transaction must see the
    same newest audit event as the session (every change to a case writes one), or the
    statement is run in the session instead, after the session's own queries. Rows wait in a
    bounded queue (the database has done the sorting and grouping by the time the first one
    comes), so memory does not grow with their number.
    """
    return ParallelReader(session, statement)


# The newest audit event: every change to a case writes one in the same transaction.
STAMP = "SELECT max(id) FROM audit_events"

"""State shared by the commands through ``ctx.obj``: the database URL, the user, the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class AppContext:
    database: str | None
    user: str | None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        from procurement.storage.engine import default_database_url

        return self.database or default_database_url()

    @property
    def masked_url(self) -> str:
        from procurement.storage.engine import mask

        return mask(self.url)

    def registry_files(self) -> list[Path]:
        """The files of an embedded registry (the database and its journal files), which no
        output may overwrite; none for a database server."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if not url.drivername.startswith("sqlite") or not url.database:
            return []
        database = Path(url.database)
        return [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]

    @property
    def username(self) -> str:
        from procurement.storage.engine import configured_user

        return self.user or configured_user()

    def engine(self, *, create: bool = False) -> Engine:
        """The registry's engine. Only ``create`` (``init``, ``db restore``) may make a new
        SQLite file: any other command on a registry that does not exist says so and leaves
        no empty file (or folder) behind."""
        if self._engine is None:
            from procurement.core.errors import DatabaseError
            from procurement.storage.engine import check_connection, make_engine

            files = self.registry_files()
            if files and not create and not files[0].exists():
                raise DatabaseError(
                    f"there is no registry at {files[0]}: create it with `procurement init`, "
                    "or give the right one with --database"
                )
            engine = make_engine(self.url, create_dir=create)
            check_connection(engine, self.url)
            self._engine = engine
        return self._engine

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction for commands that only read (lists, shows, reports, exports).

        It sees one consistent state of the registry (every statement of a report the same
        data). On SQLite it does not take the write lock, so it neither waits for nor blocks
        officers who are writing.
        """
        from procurement.storage.engine import read_only

        with self._transaction(read_only(self.engine())) as session:
            yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        A block cannot be run again, so a busy database is reported (one line, nothing
        saved) rather than retried: commands that write use :meth:`run_in_transaction`.
        A change refused by the database's permissions becomes
        :class:`~procurement.core.errors.PermissionDenied`.
        """
        with self._transaction(self.engine()) as session:
            yield session

    @contextmanager
    def _transaction(self, engine: Engine) -> Iterator[Session]:
        from sqlalchemy.orm import Session

        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield session
        except Exception as exc:
            failure = self._translate(exc)
            if failure is None:
                raise
            raise failure from None

    def run_in_transaction(
        self, fn: Callable[[Session], T], *, attempts: int | None = None, dry_run: bool = False
    ) -> T:
        """Run ``fn(session)`` as one transaction; when the database is busy (another
        officer writing) run it again from the start, a bounded number of times. With
        ``dry_run`` it runs once and everything it did is rolled back (``--dry-run``).

        ``fn`` must only work on the database; print its result after this returns::

            def work(session: Session) -> Case:
                return add_case(session=session, data=data, user=app.username)

            case = app.run_in_transaction(work)
            click.echo(f"Added {case.reference}.")
        """
        if dry_run:
            with self.session() as session:
                result = fn(session)
                session.rollback()
            return result
        from procurement.storage.engine import run_in_transaction

        engine = self.engine()
        return self._translated(lambda: run_in_transaction(engine=engine, fn=fn, attempts=attempts))

    def run_in_connection(self, fn: Callable[[Connection], T], *, attempts: int | None = None) -> T:
        """:meth:`run_in_transaction` for work written with SQLAlchemy Core (``fn(connection)``):
        no ORM is loaded, so the command starts faster (``case add``)."""
        from procurement.storage.engine import run_in_connection

        engine = self.engine()
        return self._translated(lambda: run_in_connection(engine=engine, fn=fn, attempts=attempts))

    def _translated(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except Exception as exc:
            failure = self._translate(exc)
            if failure is None:
                raise
            raise failure from None

    def _translate(self, exc: Exception) -> Exception | None:
        """A one-line domain error for a busy database or a refused change, else None."""
        from procurement.core.errors import DatabaseError, ProcurementError
        from procurement.storage import permissions, retry

        if isinstance(exc, ProcurementError) or self._engine is None:
            return None
        if retry.is_retryable(exc):
            return DatabaseError(retry.busy_message())
        return permissions.translate(exc, self._engine)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


pass_app = click.make_pass_decorator(AppContext)

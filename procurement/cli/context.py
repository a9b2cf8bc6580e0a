"""State shared by the commands through ``ctx.obj``: the database URL, the user, the engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


@dataclass
class AppContext:
    database: str | None
    user: str | None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        from procurement.db import default_database_url

        return self.database or default_database_url()

    @property
    def masked_url(self) -> str:
        from procurement.db import mask

        return mask(self.url)

    @property
    def username(self) -> str:
        from procurement.db import configured_user

        return self.user or configured_user()

    def engine(self) -> Engine:
        if self._engine is None:
            from procurement.db import check_connection, make_engine

            engine = make_engine(self.url)
            check_connection(engine, self.url)
            self._engine = engine
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        from sqlalchemy.orm import Session

        with Session(self.engine(), expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


pass_app = click.make_pass_decorator(AppContext)

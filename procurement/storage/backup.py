"""Backups and restores of the whole registry.

SQLite: the online backup API copies a consistent snapshot while others keep writing, and
restores by copying the other way. PostgreSQL: the server's own ``pg_dump --format=custom``;
a restore runs the archive's SQL (``pg_restore --file=-``) in one transaction of our own
(the PostgreSQL client tools must be installed). Both are all or nothing: a backup is written
to a temporary file beside it and renamed when complete, a restore is one transaction.

A restore trusts nothing in the backup's schema: a backup at a schema revision this version
does not know, or holding anything this version did not create (:func:`foreign_objects`:
triggers, functions, views, extra tables or columns, ...), is refused and nothing is restored.
``procurement db check`` reports the same objects in a live registry.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, inspect, text

from procurement.core.errors import BadInput, DatabaseError
from procurement.core.files import atomic_path


@dataclass(frozen=True)
class RestoreResult:
    cases: int
    revision: str | None


def backup_sqlite(*, engine: Engine, target: Path) -> int:
    """Copy the SQLite database behind ``engine`` to ``target``; returns its size in bytes."""
    if engine.dialect.name != "sqlite":
        raise BadInput("backup of a PostgreSQL registry: use `pg_dump --format=custom -f FILE URL`")
    _refuse_existing(target)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        # a random temporary name beside the target, never through a planted link; owner-only
        # (a backup holds contact data); a full disk leaves nothing behind
        with atomic_path(target, private=True) as partial:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest)
            finally:
                dest.close()
    finally:
        raw.close()
    return target.stat().st_size


def backup(*, engine: Engine, target: Path) -> int:
    """Back up the registry to ``target`` (SQLite file or pg_dump archive); returns its size."""
    if engine.dialect.name == "sqlite":
        return backup_sqlite(engine=engine, target=target)
    _refuse_existing(target)
    from procurement.storage.engine import lock_timeout_ms

    wait = [f"--lock-wait-timeout={lock_timeout_ms()}"] if lock_timeout_ms() else []
    with atomic_path(target, private=True) as partial:
        _pg_tool(engine, "pg_dump", "--format=custom", "--no-owner", *wait, f"--file={partial}")
    return target.stat().st_size


def restore(*, engine: Engine, source: Path, force: bool = False) -> RestoreResult:
    """Replace the registry behind ``engine`` by the backup ``source``.

    Refuses to overwrite a registry that holds cases unless ``force``, and a backup whose
    schema revision this version does not know or whose schema holds anything this version
    did not create (:func:`foreign_objects`); then nothing is restored.
    """
    if not source.is_file():
        raise BadInput(f"{source}: no such backup file")
    held = registry_cases(engine)
    if held and not force:
        raise BadInput(
            f"the target registry holds {held} case{'s' if held != 1 else ''}; restoring would "
            "replace them: give --force, or restore into a new database with --database"
        )
    if engine.dialect.name == "sqlite":
        _restore_sqlite(engine, source)
    else:
        _restore_postgresql(engine, source, clean=_has_tables(engine))
    engine.dispose()
    from procurement.storage import migrate

    return RestoreResult(
        cases=registry_cases(engine) or 0, revision=migrate.current_revision(engine)
    )


def registry_cases(engine: Engine) -> int | None:
    """Number of cases (removed ones too) in the registry, None when it has no tables."""
    if not inspect(engine).has_table("cases"):
        return None
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise BadInput(f"{target} exists already; choose a new file name")


def _restore_sqlite(engine: Engine, source: Path) -> None:
    try:
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BadInput(f"{source} cannot be opened as a SQLite backup: {exc}") from None
    try:
        try:
            check = backup_file.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in backup_file.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{source} is not a registry backup ({exc})") from None
        if check is None or check[0] != "ok":
            raise BadInput(f"{source} is damaged (integrity check: {check}); use another backup")
        if not {"alembic_version", "cases"} <= tables:
            raise BadInput(f"{source} is not a registry backup (no registry tables in it)")
        _refuse_foreign_sqlite(source)
        engine.dispose()
        raw = engine.raw_connection()
        try:
            dest = raw.driver_connection
            assert isinstance(dest, sqlite3.Connection)
            backup_file.backup(dest)
        finally:
            raw.close()
    finally:
        backup_file.close()


def _restore_postgresql(engine: Engine, source: Path, *, clean: bool) -> None:
    """Run the archive's SQL in one transaction, check the result, then commit.

    ``pg_restore --single-transaction`` would commit before the restored schema could be
    checked, so pg_restore only writes the SQL (``--file=-``) and this runs it: statements
    as they come, table data with COPY, the checks of :func:`_refuse_foreign` last.
    """
    listing = _pg_tool(engine, "pg_restore", "--list", str(source), with_database=False)
    if re.search(r" TABLE \S+ cases ", listing) is None:
        raise BadInput(f"{source} is not a registry backup made by `procurement db backup`")
    options = ["--no-owner", "--file=-"]
    if clean:
        options += ["--clean", "--if-exists"]
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            [_tool_path("pg_restore"), *options, str(source)],
            stdout=subprocess.PIPE,
            stderr=errors,
        ) as tool,
        engine.connect() as conn,
    ):
        assert tool.stdout is not None
        try:
            with conn.begin():
                path = conn.exec_driver_sql("SHOW search_path").scalar_one()
                try:
                    _run_script(conn, tool.stdout)
                except DatabaseError as exc:
                    raise DatabaseError(f"{source} could not be restored: {exc}") from None
                if tool.wait() != 0:
                    errors.seek(0)
                    lines = [x for x in errors.read().decode(errors="replace").splitlines() if x]
                    reason = lines[0] if lines else f"exit status {tool.returncode}"
                    raise DatabaseError(f"pg_restore failed: {reason}; nothing was changed")
                # the archive's SQL empties search_path; the checks name the registry's schema
                conn.execute(
                    text("SELECT pg_catalog.set_config('search_path', :p, false)"), {"p": path}
                )
                _refuse_foreign(conn, source)
        finally:
            if tool.poll() is None:
                tool.kill()
            conn.invalidate()  # the archive's session settings must not go back to the pool


def _run_script(conn: Connection, lines: Iterable[bytes]) -> None:
    """Run the plain SQL that ``pg_restore --file=-`` writes, in ``conn``'s transaction."""
    import psycopg

    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = driver.cursor()
    pending: list[bytes] = []

    def flush() -> None:
        sql = b"".join(pending).strip()
        pending.clear()
        if sql:  # many statements at once: no parameters, so PostgreSQL's simple protocol
            cursor.execute(sql)

    stream = iter(lines)
    try:
        for line in stream:
            if line.startswith(b"\\"):
                if line.startswith((b"\\restrict ", b"\\unrestrict ")):  # psql's own guard
                    continue
                raise DatabaseError(f"unexpected psql command {line[:40]!r}")
            if line.startswith(b"COPY ") and line.rstrip().endswith(b" FROM stdin;"):
                flush()
                _copy(cursor, line.rstrip()[:-1].decode(), stream)
                continue
            pending.append(line)
        flush()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()
        raise DatabaseError(f"{first[0] if first else type(exc).__name__}") from None


def _copy(cursor: Any, statement: str, stream: Iterator[bytes]) -> None:
    """Feed the rows of one COPY ... FROM stdin block (up to its ``\\.`` line)."""
    chunk: list[bytes] = []
    size = 0
    with cursor.copy(statement) as copy:
        for data in stream:
            if data in (b"\\.\n", b"\\.\r\n", b"\\."):
                break
            chunk.append(data)
            size += len(data)
            if size > 1 << 20:
                copy.write(b"".join(chunk))
                chunk, size = [], 0
        else:
            raise DatabaseError("the archive ends in the middle of a table's data")
        if chunk:
            copy.write(b"".join(chunk))


def _tool_path(tool: str) -> str:
    program = shutil.which(tool)
    if program is None:
        raise DatabaseError(
            f"{tool} is not installed: install the PostgreSQL client tools "
            "(e.g. `apt install postgresql-client`) to back up or restore a PostgreSQL registry"
        )
    return program


def _pg_tool(engine: Engine, tool: str, *args: str, with_database: bool = True) -> str:
    """Run a PostgreSQL client tool against the engine's database; returns its output."""
    program = _tool_path(tool)
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [program, *args]
    if with_database:
        command.append(f"--dbname={dsn}")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {done.returncode}"
        if tool == "pg_restore" and "--list" in args:
            raise BadInput(f"{args[-1]} is not a registry backup ({reason})")
        raise DatabaseError(f"{tool} failed: {reason}; nothing was changed")
    return done.stdout


# What a registry holds on purpose -------------------------------------------------------------


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    from alembic.script import ScriptDirectory

    from procurement.storage import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    return {s.revision for s in script.walk_revisions()}


def unknown_revision_message(revision: str) -> str:
    from procurement.storage import migrate

    return (
        f"schema {revision}, which this version of procurement does not know (its newest is "
        f"{migrate.head_revision()}): use the version of procurement that made it"
    )


def _refuse_foreign(conn: Connection, source: Path) -> None:
    """BadInput unless the (restored, not yet committed) registry on ``conn`` is at a known
    revision and holds nothing this version did not create."""
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision is not None and revision not in known_revisions():
        raise BadInput(f"{source} is at {unknown_revision_message(revision)}; nothing was restored")
    found = foreign_objects(conn)
    if found:
        raise BadInput(f"{source} holds {_objects_text(found)}; nothing was restored")


def _refuse_foreign_sqlite(source: Path) -> None:
    uri = source.resolve().as_uri() + "?mode=ro"
    checker = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=_null_pool()
    )
    try:
        with checker.connect() as conn:
            _refuse_foreign(conn, source)
    finally:
        checker.dispose()


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _objects_text(found: list[str], shown: int = 3) -> str:
    more = f" and {len(found) - shown} more" if len(found) > shown else ""
    return f"{', '.join(found[:shown])}{more}, which this version of procurement did not create"


def foreign_objects_message(found: list[str]) -> str:
    """One line for ``db check``: what the registry holds that procurement did not create."""
    return (
        f"schema drift: the database holds {_objects_text(found)} (added by hand, or by a "
        "restored backup); remove it, or restore a backup made by `procurement db backup`"
    )


def foreign_objects(conn: Connection) -> list[str]:
    """What the database on ``conn`` holds that this version of procurement did not create,
    one description each (``trigger rewrite_title on cases``), in the registry's schema.

    Compared with the data model (:mod:`procurement.storage.schema`): tables, columns,
    indexes, unique and foreign-key constraints the model lacks (as ``alembic check`` sees
    them). Besides, what the model cannot describe: on SQLite every trigger and view; on
    PostgreSQL other schemas, views, sequences not owned by a column, types, functions,
    triggers, rules, CHECK constraints, operators, extensions, event triggers, publications,
    row-level security turned off, policies and privileges, except the guards of migration
    0006 and ``db grant`` (:data:`procurement.storage.permissions.GUARDS`, compared to their
    exact source) and the policies and privileges ``db grant`` gives.
    """
    found = _model_extras(conn)
    if conn.dialect.name == "sqlite":
        for kind, name, table in conn.exec_driver_sql(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('trigger', 'view')"
            " ORDER BY type, name"
        ):
            found.append(f"trigger {name} on {table}" if kind == "trigger" else f"view {name}")
        return found
    return found + _PgCatalog(conn).extras()


def _model_extras(conn: Connection) -> list[str]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from procurement.storage.schema import metadata

    found: list[str] = []
    for diff in compare_metadata(MigrationContext.configure(conn), metadata):
        if not isinstance(diff, tuple) or not str(diff[0]).startswith("remove_"):
            continue
        kind, item = diff[0], diff[1]
        if kind == "remove_table":
            found.append(f"table {item.name}")
        elif kind == "remove_column":
            found.append(f"column {diff[2]}.{diff[3].name}")
        elif kind == "remove_index":
            found.append(f"index {item.name} on {item.table.name}")
        else:  # remove_constraint, remove_fk
            found.append(f"constraint {item.name} on {item.table.name}")
    return found


# PostgreSQL: user schemas, and objects that do not belong to an extension
_USER_NS = (
    "SELECT oid, nspname FROM pg_catalog.pg_namespace"
    " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
)


def _not_extension(catalog: str, alias: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
        f"'pg_catalog.{catalog}'::pg_catalog.regclass AND d.objid = {alias}.oid"
        " AND d.deptype = 'e')"
    )


class _PgCatalog:
    """The checks of :func:`foreign_objects` that read PostgreSQL's catalogs."""

    def __init__(self, conn: Connection) -> None:
        from sqlalchemy import CheckConstraint

        from procurement.storage.schema import metadata

        self.conn = conn
        self.schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar_one())
        self.tables = set(metadata.tables) | {"alembic_version"}
        preparer = conn.dialect.identifier_preparer
        self.checks = {
            (table.name, str(preparer.format_constraint(c)).strip('"'))
            for table in metadata.tables.values()
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        }

    def rows(self, sql: str, **params: Any) -> list[Any]:
        return list(self.conn.execute(text(sql.replace("{NS}", _USER_NS)), params))

    def extras(self) -> list[str]:
        found: list[str] = []
        for check in (
            self._schemas,
            self._relations,
            self._types,
            self._triggers,
            self._functions,
            self._constraints,
            self._others,
            self._policies,
            self._privileges,
        ):
            found += check()
        return found

    def _schemas(self) -> list[str]:
        return [
            f"schema {name}"
            for (name,) in self.rows(
                "SELECT nspname FROM ({NS}) n WHERE nspname NOT IN (:s, 'public') ORDER BY 1",
                s=self.schema,
            )
        ]

    def _relations(self) -> list[str]:
        found = []
        for ns, name, kind, owned in self.rows(
            "SELECT n.nspname, c.relname, c.relkind, EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
            "   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid"
            "   AND d.refclassid = d.classid AND d.deptype IN ('a', 'i'))"
            " FROM pg_catalog.pg_class c JOIN ({NS}) n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c', 'S') AND "
            + _not_extension("pg_class", "c")
            + " ORDER BY 1, 2"
        ):
            where = "" if ns == self.schema else f"{ns}."
            if kind in ("r", "p"):
                if ns != self.schema:  # the registry's own schema: compared with the model
                    found.append(f"table {where}{name}")
            elif kind == "S":
                if not owned or ns != self.schema:
                    found.append(f"sequence {where}{name}")
            else:
                what = {"v": "view", "m": "view", "f": "foreign table", "c": "type"}[kind]
                found.append(f"{what} {where}{name}")
        return found

    def _types(self) -> list[str]:
        return [
            f"type {ns}.{name}"
            for ns, name in self.rows(
                "SELECT n.nspname, t.typname FROM pg_catalog.pg_type t"
                " JOIN ({NS}) n ON n.oid = t.typnamespace"
                " WHERE t.typrelid = 0 AND t.typcategory <> 'A' AND "
                + _not_extension("pg_type", "t")
                + " ORDER BY 1, 2"
            )
        ]

    def _functions(self) -> list[str]:
        import hashlib

        from procurement.storage.permissions import GUARDS

        found = []
        for ns, name, signature, kind, language, definer, config, args, digest, trig in self.rows(
            "SELECT n.nspname, p.proname, p.oid::pg_catalog.regprocedure::text, p.prokind,"
            " l.lanname, p.prosecdef, p.proconfig, p.pronargs, pg_catalog.md5(p.prosrc),"
            " p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype"
            " FROM pg_catalog.pg_proc p JOIN ({NS}) n ON n.oid = p.pronamespace"
            " JOIN pg_catalog.pg_language l ON l.oid = p.prolang WHERE "
            + _not_extension("pg_proc", "p")
            + " ORDER BY 1, 2"
        ):
            guard = GUARDS.get(name)
            if (
                guard is not None
                and ns == self.schema
                and (kind, language, definer, args, trig) == ("f", "plpgsql", False, 0, True)
                and tuple(config or ()) == guard.config
                and digest == hashlib.md5(guard.body.encode()).hexdigest()
            ):
                continue
            found.append(f"function {signature}")
        return found

    def _triggers(self) -> list[str]:
        from procurement.storage.permissions import GUARDS

        found = []
        for ns, table, name, tgtype, enabled, plain, function, fns in self.rows(
            "SELECT n.nspname, c.relname, t.tgname, t.tgtype, t.tgenabled,"
            " t.tgnargs = 0 AND t.tgqual IS NULL AND t.tgconstraint = 0"
            "   AND pg_catalog.cardinality(t.tgattr::pg_catalog.int2[]) = 0,"
            " p.proname, pn.nspname"
            " FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
            " JOIN ({NS}) n ON n.oid = c.relnamespace"
            " JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid"
            " JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace"
            " WHERE NOT t.tgisinternal ORDER BY 1, 2, 3"
        ):
            guard = GUARDS.get(name)
            where = "" if ns == self.schema else f"{ns}."
            if (
                guard is None
                or (ns, table, function, fns) != (self.schema, guard.table, name, self.schema)
                or tgtype != guard.tgtype
                or not plain
            ):
                found.append(f"trigger {name} on {where}{table}")
            elif enabled != "O":
                found.append(f"trigger {name} on {table} turned off")
        return found

    def _constraints(self) -> list[str]:
        return [
            f"constraint {name} on {table}"
            for ns, table, name, kind in self.rows(
                "SELECT n.nspname, c.relname, k.conname, k.contype"
                " FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
                " JOIN ({NS}) n ON n.oid = c.relnamespace"
                " WHERE k.contype IN ('c', 'x', 't') ORDER BY 1, 2, 3"
            )
            if not (kind == "c" and ns == self.schema and (table, name) in self.checks)
        ]

    def _others(self) -> list[str]:
        return [
            f"{kind} {name}"
            for kind, name in self.rows(
                "SELECT 'rule', r.rulename || ' on ' || c.relname FROM pg_catalog.pg_rewrite r"
                " JOIN pg_catalog.pg_class c ON c.oid = r.ev_class"
                " JOIN ({NS}) n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN'"
                " UNION ALL SELECT 'operator', n.nspname || '.' || o.oprname"
                " FROM pg_catalog.pg_operator o JOIN ({NS}) n ON n.oid = o.oprnamespace WHERE "
                + _not_extension("pg_operator", "o")
                + " UNION ALL SELECT 'extension', extname FROM pg_catalog.pg_extension"
                " WHERE extname <> 'plpgsql'"
                " UNION ALL SELECT 'event trigger', evtname FROM pg_catalog.pg_event_trigger"
                " UNION ALL SELECT 'publication', pubname FROM pg_catalog.pg_publication"
                " UNION ALL SELECT 'default privileges', pg_catalog.pg_get_userbyid(defaclrole)"
                " FROM pg_catalog.pg_default_acl ORDER BY 1, 2"
            )
        ]

    def _policies(self) -> list[str]:
        from procurement.storage.permissions import OFFICER_POLICY, READ_POLICY, RLS_TABLES

        found = []
        rows = self.rows(
            "SELECT n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive,"
            " p.polroles::pg_catalog.oid[], pg_catalog.pg_get_expr(p.polqual, p.polrelid),"
            " pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), c.relrowsecurity,"
            " (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = p.polroles[1])"
            " FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
            " JOIN ({NS}) n ON n.oid = c.relnamespace ORDER BY 1, 2, 3"
        )
        for ns, table, name, cmd, permissive, roles, qual, check, secured, role in rows:
            officer = OFFICER_POLICY.match(name)
            known = ns == self.schema and table in RLS_TABLES and permissive
            if known and name == READ_POLICY:
                known = (cmd, list(roles), qual, check) == ("r", [0], "true", None)
            elif known and officer is not None:
                known = cmd == "*" and len(roles) == 1 and role == officer.group(2)
                known = known and self._same_as_granted(table, officer.group(1), role, qual, check)
            else:
                known = False
            if not known:
                found.append(f"policy '{name}' on {table}")
            elif not secured:
                found.append(f"policy '{name}' on {table} with row-level security turned off")
        return found

    def _same_as_granted(
        self, table: str, city: str, role: str, qual: str | None, check: str | None
    ) -> bool:
        """True when the policy's conditions are what ``db grant`` writes: a twin policy is
        made with them (in a savepoint, undone) and the server's readings compared."""
        from sqlalchemy.exc import DBAPIError

        from procurement.storage.permissions import RLS_TABLES

        condition = RLS_TABLES[table].format(table=table, city=city)
        quote = self.conn.dialect.identifier_preparer.quote
        savepoint = self.conn.begin_nested()
        try:
            self.conn.exec_driver_sql(
                f"CREATE POLICY procurement_twin ON {quote(self.schema)}.{quote(table)} "
                f"FOR ALL TO {quote(role)} USING ({condition}) WITH CHECK ({condition})"
            )
            twin = self.conn.execute(
                text(
                    "SELECT pg_catalog.pg_get_expr(p.polqual, p.polrelid),"
                    " pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)"
                    " FROM pg_catalog.pg_policy p WHERE p.polname = 'procurement_twin'"
                    " AND p.polrelid = CAST(:t AS pg_catalog.regclass)"
                ),
                {"t": f"{quote(self.schema)}.{quote(table)}"},
            ).one()
        except DBAPIError:  # not the tables' owner: the conditions cannot be compared
            return True
        finally:
            savepoint.rollback()
        return tuple(twin) == (qual, check)

    def _privileges(self) -> list[str]:
        from procurement.storage.permissions import OFFICER_PRIVILEGES

        officers = {
            role
            for (role,) in self.rows(
                "SELECT DISTINCT r.rolname FROM pg_catalog.pg_policy p"
                " JOIN pg_catalog.pg_roles r ON r.oid = ANY (p.polroles)"
                " WHERE p.polrelid = pg_catalog.to_regclass(:cases) AND p.polname LIKE 'officer %'",
                cases=f'"{self.schema}".cases',
            )
        }
        found = []
        for ns, name, kind, grantee, privilege, grantable in self.rows(
            "SELECT n.nspname, c.relname, c.relkind,"
            " CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)"
            " END, a.privilege_type, a.is_grantable"
            " FROM pg_catalog.pg_class c JOIN ({NS}) n ON n.oid = c.relnamespace,"
            " LATERAL pg_catalog.aclexplode(c.relacl) a"
            " WHERE c.relacl IS NOT NULL AND a.grantee <> c.relowner ORDER BY 1, 2, 4, 5"
        ):
            if ns == self.schema and grantee != "PUBLIC" and not grantable:
                if kind in ("r", "p") and name in self.tables:
                    allowed = {"SELECT"}
                    if grantee in officers:
                        allowed |= {p.strip() for p in OFFICER_PRIVILEGES.get(name, "").split(",")}
                    if privilege in allowed:
                        continue
                if kind == "S" and grantee in officers and privilege == "USAGE":
                    continue
            found.append(f"privilege {privilege} on {name} for {grantee}")
        found += [
            f"privileges on column {table}.{column}"
            for table, column in self.rows(
                "SELECT c.relname, a.attname FROM pg_catalog.pg_attribute a"
                " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
                " JOIN ({NS}) n ON n.oid = c.relnamespace"
                " WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped"
                " ORDER BY 1, 2"
            )
        ]
        found += [
            f"privilege CREATE on schema {self.schema} for {grantee}"
            for (grantee,) in self.rows(
                "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
                " ELSE pg_catalog.pg_get_userbyid(a.grantee) END"
                " FROM pg_catalog.pg_namespace n, LATERAL pg_catalog.aclexplode(n.nspacl) a"
                " WHERE n.nspname = :s AND a.privilege_type = 'CREATE'"
                " AND a.grantee <> n.nspowner AND NOT pg_catalog.pg_has_role(a.grantee,"
                "   (SELECT c.relowner FROM pg_catalog.pg_class c"
                "     WHERE c.oid = pg_catalog.to_regclass(:cases)), 'MEMBER')",
                s=self.schema,
                cases=f'"{self.schema}".cases',
            )
        ]
        return found

"""Per-city permissions on a shared PostgreSQL registry: roles, grants, row-level security.

``grant_officer`` lets a database role insert and change only its own city's cases and
everything hanging off them (PPP details, risk rows, outcomes, KPIs, documents, innovation
approaches, reference counters, audit events), while it may read the whole network's
registry and add organisations. It may change an organisation only while no case of another
city uses it (filling in a missing country excepted): a trigger, ``GUARDS``. ``grant_analyst``
gives read-only access. Audit events can be added but never changed or deleted by these
roles: they get INSERT and SELECT only, and the trigger of migration 0006 sets each event's
user (the login role) and time (the server's) and refuses changes and deletions.

The policies are created by ``procurement db grant`` (idempotently), not by a migration,
because roles belong to one installation. Row-level security does not restrict the
registry's owner (the role that ran ``procurement init``) nor superusers. Policies, grants
and the guards are what ``procurement db check`` and ``db restore`` expect besides the data
model (:func:`procurement.storage.backup.foreign_objects`): anything else is reported.

A SQLite registry is a single-user file: only file-system permissions protect it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from procurement.core.errors import BadInput, DatabaseError, PermissionDenied, ProcurementError

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
CITY_CODE = re.compile(r"^[A-Z]{3}$")
POLICY_PREFIX = "officer"
READ_POLICY = "read: everyone"
INSUFFICIENT_PRIVILEGE = "42501"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out (engine.lock_timeout_ms)
QUERY_CANCELED = "57014"  # statement_timeout ran out, or an administrator cancelled it
OFFICER_POLICY = re.compile(r"^officer ([A-Z]{3}) ([a-z_][a-z0-9_]{0,47})$")

# Tables an officer may write, and the condition a row must meet for city {city}.
_OF_CASE = "EXISTS (SELECT 1 FROM cases c WHERE c.id = {table}.case_id AND c.city_code = '{city}')"
RLS_TABLES: dict[str, str] = {
    "cases": "cases.city_code = '{city}'",
    "reference_sequences": "reference_sequences.city_code = '{city}'",
    "audit_events": "audit_events.city_code = '{city}' AND " + _OF_CASE,
    "case_approaches": _OF_CASE,
    "ppp_details": _OF_CASE,
    "risk_allocations": _OF_CASE,
    "outcomes": _OF_CASE,
    "kpis": _OF_CASE,
    "documents": _OF_CASE,
    "source_records": "source_records.city_code = '{city}'",
}
# Table privileges of an officer (SELECT on every table comes on top).
OFFICER_PRIVILEGES: dict[str, str] = {
    "cases": "INSERT, UPDATE",  # no DELETE: cases are removed softly
    "reference_sequences": "INSERT, UPDATE",
    "audit_events": "INSERT",  # never UPDATE or DELETE: the audit trail is append-only
    "case_approaches": "INSERT, UPDATE, DELETE",
    "ppp_details": "INSERT, UPDATE, DELETE",
    "risk_allocations": "INSERT, UPDATE, DELETE",
    "outcomes": "INSERT, UPDATE, DELETE",
    "kpis": "INSERT, UPDATE, DELETE",
    "documents": "INSERT, UPDATE, DELETE",
    "organisations": "INSERT, UPDATE",  # shared by all cities: buyers and suppliers
    "source_records": "INSERT",  # the release store keeps what was received, as received
}


@dataclass(frozen=True)
class Guard:
    """A trigger function of the registry and the trigger (same name) that runs it."""

    name: str
    table: str
    events: str  # as CREATE TRIGGER says them
    tgtype: int  # pg_trigger.tgtype: 1 row, 2 before, 4 insert, 8 delete, 16 update
    body: str  # the PL/pgSQL source, compared exactly by `db check`
    config: tuple[str, ...] = ()  # the function's SET options (pg_proc.proconfig)

    def create(self, conn: Connection) -> None:
        """Create or replace the function and the trigger in the registry's schema."""
        schema = conn.dialect.identifier_preparer.quote_schema(_schema(conn))
        settings = "".join(f" SET {c.replace('=', ' = ', 1)}" for c in self.config)
        conn.exec_driver_sql(  # the driver reads %% as % (the body uses format())
            f"CREATE OR REPLACE FUNCTION {schema}.{self.name}() RETURNS trigger "
            f"LANGUAGE plpgsql{settings} AS $procurement${self.body}$procurement$".replace(
                "%", "%%"
            )
        )
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.name} ON {schema}.{self.table}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {self.name} BEFORE {self.events} ON {schema}.{self.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.{self.name}()"
        )


# Created by migration 0006 on every PostgreSQL registry (the migration keeps its own frozen
# copy of this text; `db check` after `init` shows they agree). Officers' events get the
# login role and the server's time; the owner's program keeps its --user name and time.
AUDIT_GUARD = Guard(
    name="procurement_audit_guard",
    table="audit_events",
    events="INSERT OR UPDATE OR DELETE",
    tgtype=1 | 2 | 4 | 8 | 16,
    body="""
BEGIN
    -- The registry's owner (a member of the table's owner, or a superuser) is trusted:
    -- the user name given with --user and the program's time are kept.
    IF pg_catalog.pg_has_role(current_user,
            (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
    ELSIF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'permission denied: audit events cannot be changed or deleted'
            USING ERRCODE = '42501';
    ELSE
        NEW."user" := session_user;
        NEW.at := pg_catalog.now();
    END IF;
    IF TG_OP = 'INSERT' AND pg_catalog.json_typeof(NEW.changes) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'an audit event''s changes must be a JSON object'
            USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END
""",
)

# Created by `db grant --city`: organisations are shared by all cities, so a role that is not
# the owner may change one only while no case of another city uses it. Filling in a missing
# country (what recording a case with a supplier's country does) is always allowed.
ORGANISATION_GUARD = Guard(
    name="procurement_organisation_guard",
    table="organisations",
    events="UPDATE",
    tgtype=1 | 2 | 16,
    config=("search_path=pg_catalog",),
    body="""
DECLARE
    mine text[];
    elsewhere boolean;
BEGIN
    IF pg_has_role(current_user,
            (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF NEW.id = OLD.id AND NEW.name = OLD.name AND NEW.name_key = OLD.name_key
            AND NEW.identifier IS NOT DISTINCT FROM OLD.identifier
            AND (OLD.country IS NULL OR NEW.country IS NOT DISTINCT FROM OLD.country) THEN
        RETURN NEW;
    END IF;
    -- the cities whose cases the role may change: its policies on cases (`db grant`)
    SELECT array_agg(split_part(p.polname, ' ', 2)) INTO mine
      FROM pg_policy p
     WHERE p.polrelid = to_regclass(quote_ident(TG_TABLE_SCHEMA) || '.cases')
       AND p.polname LIKE 'officer %'
       AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)
                    WHERE r.oid <> 0 AND pg_has_role(current_user, r.oid, 'MEMBER'));
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.cases c WHERE (c.buyer_id = $1 '
                   'OR c.winner_id = $1) AND NOT (c.city_code = ANY ($2)))', TG_TABLE_SCHEMA)
        INTO elsewhere USING OLD.id, coalesce(mine, '{}');
    IF elsewhere THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'permission denied: organisation '
            || quote_literal(OLD.name) || ' is used by cases of other cities; only the '
            || 'registry''s owner may change it';
    END IF;
    RETURN NEW;
END
""",
)
GUARDS: dict[str, Guard] = {g.name: g for g in (AUDIT_GUARD, ORGANISATION_GUARD)}


@dataclass(frozen=True)
class GrantResult:
    role: str
    created: bool
    city: str | None  # None for an analyst
    login: bool


def check_role_name(role: str) -> str:
    if not ROLE_NAME.match(role):
        raise BadInput(
            f"role name '{role}' is not allowed: use lower-case letters, digits and _ "
            "(at most 48 characters), e.g. hel_officers"
        )
    return role


def _require_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise BadInput(
            "per-city permissions need a shared PostgreSQL registry; a SQLite registry is a "
            "single-user file protected by file-system permissions only"
        )


def policy_name(city: str, role: str) -> str:
    return f"{POLICY_PREFIX} {city} {role}"


def _exec(conn: Connection, template: str, *args: str) -> None:
    """Run DDL built by PostgreSQL's own format(): %I quotes identifiers, %L literals."""
    params = {f"a{i}": a for i, a in enumerate(args)}
    placeholders = ", ".join(f"CAST(:a{i} AS text)" for i in range(len(args)))
    statement = conn.execute(
        text(f"SELECT format(CAST(:tpl AS text), {placeholders})"), {"tpl": template, **params}
    ).scalar_one()
    conn.exec_driver_sql(statement)


def _ensure_role(conn: Connection, role: str, login: bool, password: str | None) -> bool:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        if login:
            if not password:
                raise BadInput("a login role needs a password: set --password-env or type it")
            _exec(conn, "CREATE ROLE %I LOGIN PASSWORD %L", role, password)
        else:
            _exec(conn, "CREATE ROLE %I NOLOGIN", role)
        return True
    if login:
        if password:
            _exec(conn, "ALTER ROLE %I LOGIN PASSWORD %L", role, password)
        else:
            _exec(conn, "ALTER ROLE %I LOGIN", role)
    return False


def _enable_rls(conn: Connection) -> None:
    """Turn on row-level security with a read-everything policy (idempotent)."""
    for table in RLS_TABLES:
        _exec(conn, "ALTER TABLE %I ENABLE ROW LEVEL SECURITY", table)
        _exec(conn, "DROP POLICY IF EXISTS %I ON %I", READ_POLICY, table)
        _exec(conn, "CREATE POLICY %I ON %I FOR SELECT TO PUBLIC USING (true)", READ_POLICY, table)


def _grant_read(conn: Connection, role: str) -> None:
    _exec(conn, "GRANT USAGE ON SCHEMA %I TO %I", _schema(conn), role)
    _exec(conn, "GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I", _schema(conn), role)


def _schema(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def _run(engine: Engine, work: str, fn: object) -> None:
    assert callable(fn)
    try:
        with engine.begin() as conn:
            fn(conn)
    except DBAPIError as exc:
        if _sqlstate(exc) == INSUFFICIENT_PRIVILEGE or "must be owner" in str(exc.orig):
            raise PermissionDenied(
                f"permission denied: {work} must be run by the registry's owner (the database "
                "role that ran `procurement init`) or a superuser"
            ) from None
        raise


def grant_officer(
    *, engine: Engine, city: str, role: str, login: bool = False, password: str | None = None
) -> GrantResult:
    """Let ``role`` change only ``city``'s cases, read everything, add organisations."""
    _require_postgresql(engine)
    check_role_name(role)
    code = city.strip().upper()
    if not CITY_CODE.match(code):
        raise BadInput(f"'{city}' is not a city code; give three letters, e.g. --city HEL")
    name = policy_name(code, role)
    outcome: dict[str, bool] = {}

    def work(conn: Connection) -> None:
        known = conn.execute(text("SELECT 1 FROM cities WHERE code = :c"), {"c": code}).first()
        if known is None:
            raise BadInput(f"unknown city '{code}'; see `procurement city list`")
        outcome["created"] = _ensure_role(conn, role, login, password)
        _enable_rls(conn)
        _grant_read(conn, role)
        schema = _schema(conn)
        for table, privileges in OFFICER_PRIVILEGES.items():
            conn.exec_driver_sql(f'GRANT {privileges} ON "{table}" TO "{role}"')
        _exec(conn, "GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I", schema, role)
        ORGANISATION_GUARD.create(conn)
        for table, condition in RLS_TABLES.items():
            check = condition.format(table=table, city=code)
            _exec(conn, "DROP POLICY IF EXISTS %I ON %I", name, table)
            _exec(
                conn,
                f"CREATE POLICY %I ON %I FOR ALL TO %I USING ({check}) WITH CHECK ({check})",
                name,
                table,
                role,
            )

    _run(engine, "db grant", work)
    return GrantResult(role=role, created=outcome["created"], city=code, login=login)


def grant_analyst(
    *, engine: Engine, role: str, login: bool = False, password: str | None = None
) -> GrantResult:
    """Let ``role`` read the whole registry and change nothing."""
    _require_postgresql(engine)
    check_role_name(role)
    outcome: dict[str, bool] = {}

    def work(conn: Connection) -> None:
        outcome["created"] = _ensure_role(conn, role, login, password)
        _enable_rls(conn)
        _grant_read(conn, role)

    _run(engine, "db grant", work)
    return GrantResult(role=role, created=outcome["created"], city=None, login=login)


def revoke(*, engine: Engine, role: str) -> None:
    """Take away every registry privilege and policy of ``role`` (the role itself stays)."""
    _require_postgresql(engine)
    check_role_name(role)

    def work(conn: Connection) -> None:
        names = conn.execute(
            text(
                "SELECT p.polname, c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
                " WHERE p.polname LIKE :pattern"
            ),
            {"pattern": f"{POLICY_PREFIX} ___ {role}"},
        ).all()
        for name, table in names:
            _exec(conn, "DROP POLICY IF EXISTS %I ON %I", name, table)
        schema = _schema(conn)
        _exec(conn, "REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I", schema, role)
        _exec(conn, "REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I", schema, role)
        _exec(conn, "REVOKE USAGE ON SCHEMA %I FROM %I", schema, role)

    _run(engine, "db revoke", work)


def writable_cities(conn: Connection) -> list[str] | None:
    """Cities the connected role may change; None when it is not restricted by a policy
    (the owner, a superuser, or a role without any registry grant)."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    owner = conn.execute(
        text(
            "SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class"
            " WHERE oid = to_regclass('cases')"
        )
    ).scalar()
    if row or owner:
        return None
    cities = conn.execute(
        text(
            "SELECT DISTINCT split_part(p.polname, ' ', 2) FROM pg_policy p"
            " WHERE p.polrelid = to_regclass('cases') AND p.polname LIKE :prefix"
            " AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)"
            "   WHERE r.oid <> 0 AND pg_has_role(current_user, r.oid, 'MEMBER'))"
            " ORDER BY 1"
        ),
        {"prefix": f"{POLICY_PREFIX} %"},
    ).scalars()
    return list(cities)


def denial_message(engine: Engine, detail: str) -> str:
    """The one-line explanation of a refused change, naming the cities the role may change."""
    try:
        with engine.connect() as conn:
            cities = writable_cities(conn)
    except DBAPIError:
        cities = None
    if cities is None:
        return f"permission denied: {detail}"
    if not cities:
        return (
            "permission denied: your database role may only read the registry; ask its "
            "administrator for `procurement db grant --city CODE --role NAME`"
        )
    names = " and ".join([", ".join(cities[:-1]), cities[-1]] if len(cities) > 1 else cities)
    return f"permission denied: your database role may change only {names} cases"


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    value = getattr(orig, "sqlstate", None)
    return str(value) if value else None


def translate(exc: BaseException, engine: Engine) -> ProcurementError | None:
    """A domain error for a refused write (RLS, a missing grant or a guard), or for a
    command that waited too long for a lock or ran past the statement timeout, else None.

    PostgreSQL hides rows that a USING clause excludes, so an UPDATE of another city's
    case changes 0 rows without an error; the ORM notices (StaleDataError) and so do we.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from procurement.storage import retry

    state = _sqlstate(exc) if isinstance(exc, DBAPIError) else None
    if state == LOCK_NOT_AVAILABLE:  # another session held a lock longer than lock_timeout
        return DatabaseError(retry.busy_message())
    if state == QUERY_CANCELED:
        return DatabaseError(
            "the database stopped the command: it ran longer than the statement timeout "
            "(PROCUREMENT_STATEMENT_TIMEOUT) or an administrator cancelled it; nothing was saved"
        )
    if isinstance(exc, DBAPIError) and state == INSUFFICIENT_PRIVILEGE:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if first.startswith("permission denied: "):  # said by a guard: already one line
            return PermissionDenied(first)
        return PermissionDenied(denial_message(engine, first))
    if isinstance(exc, StaleDataError):
        if engine.dialect.name == "postgresql":
            try:
                with engine.connect() as conn:
                    restricted = writable_cities(conn)
            except DBAPIError:
                restricted = None
            if restricted is not None:
                return PermissionDenied(denial_message(engine, "row hidden by a policy"))
        return DatabaseError(
            "the case was changed by someone else at the same moment and nothing was saved; "
            "run the command again"
        )
    return None

"""audit events stamped by the database (PostgreSQL)

A trigger on audit_events sets who and when on every insert by a role that is not the
registry's owner: the login role (session_user) and the server's time (now()), whatever the
inserting program says; such roles can never change or delete an event, and an event's
changes must be a JSON object. The owner's own program (a role that is a member of the
table's owner, or a superuser) keeps the user name given with --user and its time.

On SQLite nothing changes: the registry is a single-user file and the program the only
writer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "procurement_audit_guard"
# Frozen here; procurement.storage.permissions.AUDIT_GUARD.body is the same text, and
# `procurement db check` refuses a function of this name with any other body.
BODY = """
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
"""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    prefix = conn.dialect.identifier_preparer.quote_schema(schema)
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {prefix}.{NAME}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $procurement${BODY}$procurement$"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {NAME} BEFORE INSERT OR UPDATE OR DELETE ON {prefix}.audit_events "
        f"FOR EACH ROW EXECUTE FUNCTION {prefix}.{NAME}()"
    )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    prefix = conn.dialect.identifier_preparer.quote_schema(schema)
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {NAME} ON {prefix}.audit_events")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {prefix}.{NAME}()")

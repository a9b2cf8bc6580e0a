"""one organisation however its name is typed: organisations.name_key

"city of helsinki", "City of  Helsinki" and "City of Helsinki." were three buyers. Each
organisation now has a key (the name without case, runs of spaces and trailing
punctuation), unique, and writers match on it. Organisations already recorded under
several spellings are merged into the oldest one (its spelling and id are kept; cases of
the others point to it; a missing country or identifier is taken from the others).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:45:00

"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:]+$")


def _key(name: str) -> str:
    # as procurement.cases.values.organisation_key at this revision (frozen here)
    text = unicodedata.normalize("NFC", name).casefold()
    return _TRAILING.sub("", _SPACES.sub(" ", text).strip())


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=300), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, name, country, identifier FROM organisations ORDER BY id")
    ).all()
    first: dict[str, tuple[int, str | None, str | None]] = {}
    for org_id, name, country, identifier in rows:
        key = _key(name)
        if key not in first:
            first[key] = (org_id, country, identifier)
            conn.execute(
                sa.text("UPDATE organisations SET name_key = :key WHERE id = :id"),
                {"key": key, "id": org_id},
            )
            continue
        keep, kept_country, kept_identifier = first[key]
        for column in ("buyer_id", "winner_id"):
            conn.execute(
                sa.text(f"UPDATE cases SET {column} = :keep WHERE {column} = :old"),
                {"keep": keep, "old": org_id},
            )
        if (kept_country is None and country) or (kept_identifier is None and identifier):
            conn.execute(
                sa.text(
                    "UPDATE organisations SET country = COALESCE(country, :country), "
                    "identifier = COALESCE(identifier, :identifier) WHERE id = :id"
                ),
                {"country": country, "identifier": identifier, "id": keep},
            )
            first[key] = (keep, kept_country or country, kept_identifier or identifier)
        conn.execute(sa.text("DELETE FROM organisations WHERE id = :id"), {"id": org_id})
    # SQLite rebuilds the table (cases refer to it): procurement.storage.migrate runs
    # migrations there with foreign keys off and checks them before the commit.
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=300), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_organisations_name_key"), ["name_key"])


def downgrade() -> None:
    # merged organisations stay merged (their other spellings are not kept)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisations_name_key"), type_="unique")
        batch_op.drop_column("name_key")

"""index of cases by city, reference and removal, for both databases alike

Replaces the partial index of 0003 (one index condition per database dialect) by a plain
index that answers `case list --city` in reference order and counts of live cases from the
index alone, on SQLite and PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_city_reference_removed",
            ["city_code", "reference", "removed_at"],
            unique=False,
        )
        batch_op.drop_index(
            "ix_cases_live_city_reference",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_live_city_reference",
            ["city_code", "reference"],
            unique=False,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )
        batch_op.drop_index("ix_cases_city_reference_removed")

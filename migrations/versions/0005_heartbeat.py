"""Heartbeat: the row /readyz and the start-up check write and commit, one per machine.

A write that is rolled back never reaches the disk (SQLite writes nothing until a commit),
so readiness commits this small row instead, and sees a full disk or a read-only database.

Revision ID: 0005_heartbeat
Revises: 0004_parked
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_heartbeat"
down_revision = "0004_parked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        # Counted up by every beat, so each one changes the row: SQLite skips writing a row that
        # an update leaves as it was (a second beat within the same second of CURRENT_TIMESTAMP).
        sa.Column("beats", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("heartbeat")

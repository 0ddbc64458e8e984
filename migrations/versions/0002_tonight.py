"""Tonight: one snooze per evening ("Later") and a night marked done on the device.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # All nullable, so existing rows need no value: SQLite adds them without a table copy.
    op.add_column("reminders", sa.Column("snoozed_on", sa.String(10), nullable=True))
    op.add_column("reminders", sa.Column("snoozed_until", sa.DateTime(), nullable=True))
    op.add_column("reminders", sa.Column("night_done", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("night_done")
        batch.drop_column("snoozed_until")
        batch.drop_column("snoozed_on")

"""Parking: a subscription its push service refuses for good stops being sent to.

A push service that takes other subscriptions' messages but answers 400, 401, 403 or
413 to this one, on PARK_AFTER_NIGHTS nights in a row, parks it: `parked` keeps the
push service's last answer, and no dispatcher claims the row again until it is saved
again (which clears both columns).

Revision ID: 0004_parked
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_parked"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default and a nullable column: existing rows need no rewrite, and SQLite adds both in place.
    op.add_column("reminders", sa.Column("refused_nights", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("reminders", sa.Column("parked", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("parked")
        batch.drop_column("refused_nights")

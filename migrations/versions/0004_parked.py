"""Parking: a subscription its push service refuses for good stops being sent to.

A push service that takes other subscriptions' messages but answers 400, 401, 403 or
413 to this one, on PARK_AFTER_NIGHTS nights in a row, parks it: `parked` keeps the
push service's last answer, and no dispatcher claims the row again until it is saved
again (which clears both columns). A parked row leaves the dispatcher's index of waiting
rows (ix_reminders_ready, made again with `parked IS NULL`), so however many pile up, a
claim never reads past them.

Revision ID: 0004_parked
Revises: 0003_scale
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_parked"
down_revision = "0003_scale"
branch_labels = None
depends_on = None


READY = [sa.text("coalesce(retry_after, next_due_at)")]


def ready_index(where: str) -> None:
    """ix_reminders_ready over the waiting rows that `where` names."""
    clause = sa.text(where)
    op.create_index("ix_reminders_ready", "reminders", READY, postgresql_where=clause, sqlite_where=clause)


def upgrade() -> None:
    # A server default and a nullable column: existing rows need no rewrite, and SQLite adds both in place.
    op.add_column("reminders", sa.Column("refused_nights", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("reminders", sa.Column("parked", sa.String(200), nullable=True))
    op.drop_index("ix_reminders_ready", "reminders")
    ready_index("lease_token IS NULL AND parked IS NULL")


def downgrade() -> None:
    op.drop_index("ix_reminders_ready", "reminders")  # SQLite's table copy below cannot carry an expression index
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("parked")
        batch.drop_column("refused_nights")
    ready_index("lease_token IS NULL")

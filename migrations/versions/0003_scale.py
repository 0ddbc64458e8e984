"""Costs that grow with the work, not the table: partial indexes for the dispatcher.

Revision ID: 0003_scale
Revises: 0002

- ix_reminders_ready: the rows waiting (not leased), by when each may next be sent
  (a retry's time, else the due time). Claims and "anything due?" read only the front
  of it, the rows due now: rows waiting to retry stay behind their time, however many.
- ix_reminders_lease_until: the leased rows only (those in flight), by when their
  lease runs out, for taking over a dead dispatcher's rows. (Renewals and records
  find their rows by primary key: an index on the lease token would tempt the
  planner away from it, and cost every claim one more index entry per row.)
- ix_reminders_next_due_at goes: no statement looks rows up by their due time alone
  any more, and every send writes it.
Partial and expression indexes work on PostgreSQL and on SQLite (3.9 and later).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_scale"
down_revision = "0002"
branch_labels = None
depends_on = None

WAITING = sa.text("lease_token IS NULL")
LEASED = sa.text("lease_token IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_reminders_ready",
        "reminders",
        [sa.text("coalesce(retry_after, next_due_at)")],
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )
    op.create_index(
        "ix_reminders_lease_until", "reminders", ["lease_until"], postgresql_where=LEASED, sqlite_where=LEASED
    )
    op.drop_index("ix_reminders_next_due_at", "reminders")


def downgrade() -> None:
    op.create_index("ix_reminders_next_due_at", "reminders", ["next_due_at"])
    for name in ("ix_reminders_lease_until", "ix_reminders_ready"):
        op.drop_index(name, "reminders")

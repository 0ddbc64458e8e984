"""Possession and one spelling per subscription: endpoints in canonical form (duplicates merged), and "quiet".

Existing rows already hold their subscription's auth secret, so they keep working: from this
revision on, every request about a stored reminder must carry that secret, and the first one
from an updated phone does. Rows whose endpoints differ only in spelling (host case, a default
or zero-padded port, empty path segments, an empty query, percent-encoding) are one
subscription: the most recently saved row is kept, under the canonical spelling.

Revision ID: 0006_canonical
Revises: 0005_heartbeat
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_canonical"
down_revision = "0005_heartbeat"
branch_labels = None
depends_on = None

BATCH = 5000  # rows read at a time


def canonical(endpoint: str) -> str | None:
    """The stored endpoint's canonical spelling, or None if it can no longer be read as one."""
    from app.reminders.validation import canonical_endpoint  # the rule requests are matched by

    try:
        return canonical_endpoint(endpoint, allow_http=True)[0]
    except ValueError:
        return None


def merge_spellings(connection: sa.Connection) -> None:
    """Give every row its canonical endpoint; of rows that are one subscription, keep the newest.

    One streamed pass finds the rows not spelled canonically (few: browsers give one spelling);
    only those, and the rows already under their canonical spelling, are held and changed.
    """
    reminders = sa.table(
        "reminders", sa.column("id", sa.Integer), sa.column("endpoint", sa.String), sa.column("updated_at", sa.DateTime)
    )
    columns = (reminders.c.updated_at, reminders.c.id)
    odd: dict[str, list[tuple]] = {}
    scan = sa.select(reminders.c.id, reminders.c.endpoint, reminders.c.updated_at)
    for row_id, endpoint, updated_at in connection.execute(scan.execution_options(yield_per=BATCH)):
        spelling = canonical(endpoint)
        if spelling is not None and spelling != endpoint:
            odd.setdefault(spelling, []).append((updated_at, row_id))
    for spelling, rows in odd.items():
        canonical_rows = connection.execute(sa.select(*columns).where(reminders.c.endpoint == spelling)).all()
        rows = sorted([*rows, *map(tuple, canonical_rows)], reverse=True)
        newest = rows[0][1]
        connection.execute(sa.delete(reminders).where(reminders.c.id.in_([row_id for _at, row_id in rows[1:]])))
        connection.execute(sa.update(reminders).where(reminders.c.id == newest).values(endpoint=spelling))


def upgrade() -> None:
    op.add_column("reminders", sa.Column("quiet", sa.Boolean(), nullable=False, server_default=sa.false()))
    merge_spellings(op.get_bind())


def downgrade() -> None:
    # SQLite's table copy (batch) cannot carry the expression index ix_reminders_ready: made again after.
    op.drop_index("ix_reminders_ready", "reminders")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("quiet")
    waiting = sa.text("lease_token IS NULL AND parked IS NULL")
    ready = [sa.text("coalesce(retry_after, next_due_at)")]
    op.create_index("ix_reminders_ready", "reminders", ready, postgresql_where=waiting, sqlite_where=waiting)

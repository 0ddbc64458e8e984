"""Many reminders in PostgreSQL at once, for the scale test and bench/scale.py: generate_series and COPY.

Each kind of row is placed relative to the database's clock, as a busy evening leaves them:
- `later`: sent tonight, next due tomorrow (most of the table);
- `deferred`: due a while ago, waiting to retry once a paused push service opens again;
- `leased`: due, being sent right now by another dispatcher;
- `due`: due a minute ago, not yet claimed.
`due` rows made by `add_subscribed` carry real keys of a (fake) push service's subscribers.
`explained` runs one of the dispatcher's statements under EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import Connection, event

EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"
PLACES = {  # kind: (next_due_at, retry_after, lease_until, lease_token, attempts), as SQL from the clock
    "later": ("{now} + interval '20 hours'", "NULL", "NULL", "NULL", 0),
    "deferred": ("{now} - interval '10 minutes'", "{now} + interval '30 minutes'", "NULL", "NULL", 2),
    "leased": ("{now} - interval '5 minutes'", "NULL", "{now} + interval '50 seconds'", "'elsewhere'", 0),
    "due": ("{now} - interval '1 minute'", "NULL", "NULL", "NULL", 0),
}
NOW = "(statement_timestamp() AT TIME ZONE 'UTC')"


def evening(now: datetime) -> tuple[str, str]:
    """A time zone where `now` is about 19:00 (an evening hours from midnight), and the local HH:MM then."""
    offset = (19 - now.hour) % 24
    offset -= 24 if offset > 14 else 0
    zone = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3
    return zone, (now + timedelta(hours=offset)).strftime("%H:%M")


def plain_url(url: str) -> str:
    """psycopg's URL for SQLAlchemy's postgresql+psycopg:// one."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def database_now(connection: psycopg.Connection) -> datetime:
    row = connection.execute(f"SELECT {NOW}").fetchone()
    assert row is not None
    return row[0]


def add_rows(connection: psycopg.Connection, kind: str, count: int, start: int = 0) -> None:
    """`count` reminders of one kind (endpoints https://push.example/<kind>/<n>, keys that are never used)."""
    zone, local = evening(database_now(connection))
    due, retry, until, token, attempts = (p.format(now=NOW) if isinstance(p, str) else p for p in PLACES[kind])
    connection.execute(
        "INSERT INTO reminders (endpoint, p256dh, auth, local_time, timezone, days, next_due_at, retry_after,"
        " attempts, lease_until, lease_token, lang, created_at, updated_at)"
        f" SELECT 'https://push.example/{kind}/' || n, 'BNoKey', 'NoAuth', %s, %s, %s, {due}, {retry},"
        f" {attempts}, {until}, {token}, 'en', {NOW}, {NOW}"
        " FROM generate_series(%s::int, %s::int) AS n",
        (local, zone, EVERY_DAY, start + 1, start + count),
    )


def add_subscribed(connection: psycopg.Connection, subscriptions: Iterable[dict]) -> None:
    """Reminders due a minute ago for real subscriptions (COPY: one round trip for all of them)."""
    now = database_now(connection)
    zone, local = evening(now)
    due = now - timedelta(minutes=1)
    columns = "endpoint, p256dh, auth, local_time, timezone, days, next_due_at, attempts, lang, created_at, updated_at"
    with connection.cursor().copy(f"COPY reminders ({columns}) FROM STDIN") as copy:
        for sub in subscriptions:
            keys = sub["keys"]
            copy.write_row(
                (sub["endpoint"], keys["p256dh"], keys["auth"], local, zone, EVERY_DAY, due, 0, "en", due, due)
            )


@contextmanager
def explaining(connection: Connection) -> Iterator[list[dict]]:
    """While open, statements on this connection run under EXPLAIN (ANALYZE, BUFFERS); their plans (JSON) are kept."""
    plans: list[dict] = []

    def explain(conn, cursor, sql, parameters, context, executemany):
        return "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, parameters

    def keep(conn, cursor, sql, parameters, context, executemany):
        plans.append(cursor.fetchone()[0][0])

    event.listen(connection, "before_cursor_execute", explain, retval=True)
    event.listen(connection, "after_cursor_execute", keep)
    try:
        yield plans
    finally:
        event.remove(connection, "before_cursor_execute", explain)
        event.remove(connection, "after_cursor_execute", keep)


def explained(connection: Connection, statement, params) -> list[dict]:
    """Run the statement as given under EXPLAIN (ANALYZE, BUFFERS), then roll it back: its plan (JSON)."""
    with connection.begin() as transaction, explaining(connection) as plans:
        connection.execute(statement, params)
        transaction.rollback()
    return plans


def pages(plan: dict) -> int:
    """The pages a plan touched (shared buffers hit or read)."""
    return plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]


def nodes(plan: dict) -> list[dict]:
    """Every node of a plan tree (subplans and CTEs included)."""
    found, waiting = [], [plan.get("Plan", plan)]
    while waiting:
        node = waiting.pop()
        found.append(node)
        waiting += node.get("Plans", [])
    return found

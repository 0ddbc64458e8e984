"""Saving a reminder: one INSERT … ON CONFLICT, so concurrent first requests cannot collide.

On PostgreSQL the whole save is one statement (INSERT … ON CONFLICT DO UPDATE …
RETURNING): every round trip to the database server costs the web process a wait
and the server a parse, and a save is the API's busiest request. SQLite runs
in-process, where three statements cost little more than one.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Table,
    and_,
    bindparam,
    case,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..db import Database, Prepared
from .models import Reminder
from .schedule import from_naive_utc, local_date, next_due, to_naive_utc
from .tonight import snooze_pending


def upsert(db: Database, clean: dict, lang: str, now: datetime) -> tuple[bool, Reminder]:
    """Store `clean` (a checked body) under its endpoint: (created?, the stored reminder).

    The INSERT either creates the row or does nothing because the endpoint is there
    (also when another request created it a moment ago: the database serialises
    the two), and then the existing row is updated in the same transaction. A snooze
    ("Later") still to come tonight is kept. The save is committed when this returns: on
    PostgreSQL it is one statement on the autocommit pool, on SQLite one transaction.
    """
    stamp = to_naive_utc(now)
    fields = {
        "p256dh": clean["p256dh"],
        "auth": clean["auth"],
        "local_time": clean["time"],
        "timezone": clean["timezone"],
        "days": ",".join(clean["days"]),
        "lang": lang,
        "retry_after": None,
        "attempts": 0,
        "refused_nights": 0,  # saved again: a parked subscription is sent to again
        "parked": None,
        "updated_at": stamp,
    }
    first_due = next_due(clean["time"], clean["timezone"], clean["days"], now)
    if db.autocommit is not None:  # PostgreSQL
        return _upsert_in_one_statement(db.autocommit, clean, fields, first_due, now)
    with db.session() as session:
        return _upsert_in_steps(session, clean, fields, first_due, now)


def _upsert_in_steps(
    session: Session, clean: dict, fields: dict, first_due: datetime, now: datetime
) -> tuple[bool, Reminder]:
    """SQLite: insert or nothing, then update the row that was there, in the session's transaction."""
    stamp = fields["updated_at"]
    inserted = session.execute(
        sqlite.insert(Reminder)
        .values(endpoint=clean["endpoint"], created_at=stamp, next_due_at=to_naive_utc(first_due), **fields)
        .on_conflict_do_nothing(index_elements=[Reminder.endpoint])
        .returning(Reminder.id)
    ).scalar_one_or_none()
    if inserted is None:
        done, due, snoozed = session.execute(
            select(Reminder.done_through, Reminder.next_due_at, Reminder.snoozed_until)
            .where(Reminder.endpoint == clean["endpoint"])
            .with_for_update()
        ).one()
        if snoozed is not None and due == snoozed and snoozed > stamp:
            following = from_naive_utc(due)  # tonight's "Later" still comes
        else:
            following = next_due(clean["time"], clean["timezone"], clean["days"], now, done)
        session.execute(
            update(Reminder)
            .where(Reminder.endpoint == clean["endpoint"])
            .values(next_due_at=to_naive_utc(following), **fields)
        )
    reminder = session.execute(select(Reminder).where(Reminder.endpoint == clean["endpoint"])).scalar_one()
    return inserted is not None, reminder


# The columns a save writes (besides endpoint, created_at and next_due_at).
SAVED = (
    "p256dh",
    "auth",
    "local_time",
    "timezone",
    "days",
    "lang",
    "retry_after",
    "attempts",
    "refused_nights",
    "parked",
    "updated_at",
)
# The columns a save reads back: what the API and the Reminders page answer with (the schedule, tonight).
RETURNED = (
    "id",
    "endpoint",
    "local_time",
    "timezone",
    "days",
    "next_due_at",
    "done_through",
    "snoozed_on",
    "snoozed_until",
    "night_done",
)


@lru_cache(maxsize=1)
def _one_statement() -> Prepared:
    """The PostgreSQL save, built once with bound parameters (so each request only binds values)."""
    table: Table = Reminder.__table__  # type: ignore[assignment]  # declared tables are Tables
    columns = table.c
    values: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in ("endpoint", "created_at", *SAVED)}
    statement = postgresql.insert(table).values(**values, next_due_at=bindparam("first_due"))
    done = columns.done_through
    # xmax is 0 on a row version this statement inserted, and set on one it updated.
    inserted = literal_column("(xmax = 0)", Boolean).label("inserted")
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[columns.endpoint],
            set_={
                **{name: statement.excluded[name] for name in SAVED},
                "next_due_at": case(
                    # Tonight's "Later" still to come is kept.
                    (
                        and_(
                            columns.snoozed_until.is_not(None),
                            columns.next_due_at == columns.snoozed_until,
                            columns.snoozed_until > bindparam("now"),
                        ),
                        columns.next_due_at,
                    ),
                    (or_(done.is_(None), done < bindparam("first_day")), statement.excluded.next_due_at),
                    else_=bindparam("second_due"),
                ),
            },
        ).returning(*(columns[name] for name in RETURNED), inserted)
    )


def _upsert_in_one_statement(
    engine: Engine, clean: dict, fields: dict, first_due: datetime, now: datetime
) -> tuple[bool, Reminder]:
    """PostgreSQL: insert, or update in place, and read the row back, in one statement.

    An existing row may have been sent (or skipped) through some local date: its next
    reminder is then the first chosen day after that date. The statement picks between
    the first due day and the one after it by the row's `done_through`; in the rare case
    that the row is done even beyond that (a date further ahead), the row is moved on
    once more by a second statement, guarded so that a save in between is not overwritten.
    """
    first_day = local_date(first_due, clean["timezone"])
    second_due = next_due(clean["time"], clean["timezone"], clean["days"], now, first_day)
    params = {
        **fields,
        "endpoint": clean["endpoint"],
        "created_at": fields["updated_at"],
        "first_due": to_naive_utc(first_due),
        "first_day": first_day,
        "second_due": to_naive_utc(second_due),
        "now": fields["updated_at"],
    }
    # One statement needs no transaction of its own: on the autocommit pool it is one round trip,
    # where BEGIN, the statement and COMMIT would be three.
    with engine.connect() as alone:
        row = _one_statement().one(alone, params)._asdict()
        inserted = bool(row.pop("inserted"))
        reminder = Reminder(**row)  # not added to the session: what was stored, as the API answers it
        if (
            not snooze_pending(reminder)
            and reminder.done_through
            and reminder.done_through >= local_date(from_naive_utc(reminder.next_due_at), reminder.timezone)
        ):
            # Rare (done further ahead than the statement looks): moved on once more, under a guard
            # that it is still done through that date, so a save in between is not overwritten.
            following = to_naive_utc(
                next_due(clean["time"], clean["timezone"], clean["days"], now, reminder.done_through)
            )
            alone.execute(
                update(Reminder)
                .where(Reminder.id == reminder.id, Reminder.done_through == reminder.done_through)
                .values(next_due_at=following)
            )
            reminder.next_due_at = following
    return inserted, reminder

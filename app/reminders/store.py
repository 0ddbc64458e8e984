"""Saving a reminder: one INSERT … ON CONFLICT DO UPDATE … RETURNING, on SQLite and PostgreSQL.

One statement, so concurrent first requests cannot collide (the database serialises them)
and a save is one round trip. The update happens only when the request holds the stored
subscription's auth secret (or, to replace the keys, the old one): otherwise the statement
returns no row, and the save is refused without changing anything.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Executable, and_, bindparam, case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..db import Database
from .models import Reminder
from .schedule import from_naive_utc, local_date, next_due, to_naive_utc
from .schema import ReminderRequest, Settings
from .tonight import snooze_pending
from .validation import Invalid

NOT_YOURS = (
    "subscription.keys.auth does not match the keys stored for this endpoint; "
    "to replace them, send the old auth secret as previousAuth"
)


def upsert(db: Database, request: ReminderRequest, lang: str, now: datetime) -> tuple[bool, Reminder]:
    """Store a checked request under its endpoint: (created?, the stored reminder), committed.

    An existing row is changed only by a request that holds its auth secret (the same keys,
    or new keys with the old secret as previousAuth); else Invalid (403), and nothing changes.
    A snooze ("Later") still to come tonight is kept.
    """
    stamp = to_naive_utc(now)
    first_due = next_due(request.time, request.timezone, request.days, now)
    first_day = local_date(first_due, request.timezone)
    second_due = next_due(request.time, request.timezone, request.days, now, first_day)
    keys = request.subscription.keys
    # The columns a save writes (besides endpoint, created_at and next_due_at).
    fields = {
        "p256dh": keys.p256dh,
        "auth": keys.auth,
        **Reminder.columns(request.model_dump(include=set(Settings.model_fields))),
        "lang": lang,
        "retry_after": None,
        "attempts": 0,
        "refused_nights": 0,  # saved again: a parked subscription is sent to again
        "parked": None,
        "updated_at": stamp,
    }
    values = {
        **{f"v_{name}": value for name, value in fields.items()},
        "v_endpoint": request.subscription.endpoint,
        "v_created_at": stamp,
        "first_due": to_naive_utc(first_due),
        "second_due": to_naive_utc(second_due),
        "first_day": first_day,
        "stamp": stamp,
        "secret": keys.auth,
        "previous": request.previousAuth or keys.auth,
    }
    statement = _statement(db.engine.dialect.name, tuple(fields))
    # PostgreSQL: on the autocommit pool one statement is one round trip (not BEGIN, it, COMMIT).
    with (db.autocommit or db.engine).connect() as connection:
        row = connection.execute(statement, values).one_or_none()
        if row is None:
            raise Invalid(NOT_YOURS, 403)
        reminder = Reminder(**row._asdict())  # not added to a session: what was stored, as the API answers it
        _move_past_done(connection, reminder, request, now)
        connection.commit()
    return reminder.created_at == stamp, reminder


@cache
def _statement(dialect: str, names: tuple[str, ...]) -> Executable:
    """INSERT … ON CONFLICT (endpoint) DO UPDATE … WHERE the secret matches … RETURNING the row.

    Built once for each kind of database, with parameters (v_<column> for the written columns,
    first_due, second_due, first_day, stamp, secret, previous): building it costs about as
    much CPU as the rest of a save.

    The row's next reminder: tonight's "Later" if one is still to come; else the first chosen
    day, or the one after it when the row was already sent (or skipped) through the first.
    """
    columns = Reminder.__table__.c
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = (*names, "endpoint", "created_at")
    when = columns.next_due_at.type
    first_due = bindparam("first_due", type_=when)
    statement = make(Reminder).values(
        {name: bindparam(f"v_{name}", type_=columns[name].type) for name in written} | {"next_due_at": first_due}
    )
    stamp = bindparam("stamp", type_=columns.snoozed_until.type)
    snooze_still_to_come = and_(
        columns.snoozed_until.is_not(None),
        columns.next_due_at == columns.snoozed_until,
        columns.snoozed_until > stamp,
    )
    first_day = bindparam("first_day", type_=columns.done_through.type)
    return statement.on_conflict_do_update(
        index_elements=[columns.endpoint],
        set_={
            **{name: statement.excluded[name] for name in names},
            "next_due_at": case(
                (snooze_still_to_come, columns.next_due_at),
                (or_(columns.done_through.is_(None), columns.done_through < first_day), first_due),
                else_=bindparam("second_due", type_=when),
            ),
        },
        where=columns.auth.in_(
            [bindparam("secret", type_=columns.auth.type), bindparam("previous", type_=columns.auth.type)]
        ),
    ).returning(*columns)


def _move_past_done(connection: Connection, reminder: Reminder, request: ReminderRequest, now: datetime) -> None:
    """Rare: the row is done even beyond the second day the statement looks at; move it on once more.

    Guarded by the row's done_through, so a save in between is not overwritten.
    """
    if snooze_pending(reminder) or not reminder.done_through:
        return
    if reminder.done_through < local_date(from_naive_utc(reminder.next_due_at), reminder.timezone):
        return
    following = to_naive_utc(next_due(request.time, request.timezone, request.days, now, reminder.done_through))
    connection.execute(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.done_through == reminder.done_through)
        .values(next_due_at=following)
    )
    reminder.next_due_at = following

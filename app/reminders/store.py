"""Saving a reminder: one INSERT … ON CONFLICT, so concurrent first requests cannot collide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Reminder
from .schedule import from_naive_utc, next_due, to_naive_utc
from .tonight import snooze_pending


def _insert(session: Session):
    """INSERT in this database's dialect (both know ON CONFLICT)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Reminder)


def upsert(session: Session, clean: dict, lang: str, now: datetime) -> tuple[bool, Reminder]:
    """Store `clean` (a checked body) under its endpoint: (created?, the stored reminder).

    The INSERT either creates the row or does nothing because the endpoint is there
    (also when another request created it a moment ago: the database serialises
    the two), and then the existing row is updated in the same transaction. A snooze
    still to come tonight is kept.
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
        "updated_at": stamp,
    }
    first_due = to_naive_utc(next_due(clean["time"], clean["timezone"], clean["days"], now))
    inserted = session.execute(
        _insert(session)
        .values(endpoint=clean["endpoint"], created_at=stamp, next_due_at=first_due, **fields)
        .on_conflict_do_nothing(index_elements=[Reminder.endpoint])
        .returning(Reminder.id)
    ).scalar_one_or_none()
    if inserted is None:
        existing = session.execute(
            select(Reminder).where(Reminder.endpoint == clean["endpoint"]).with_for_update()
        ).scalar_one()
        if snooze_pending(existing) and from_naive_utc(existing.next_due_at) > now:
            following = from_naive_utc(existing.next_due_at)  # tonight's "Later" still comes
        else:
            following = next_due(clean["time"], clean["timezone"], clean["days"], now, existing.done_through)
        session.execute(
            update(Reminder)
            .where(Reminder.endpoint == clean["endpoint"])
            .values(next_due_at=to_naive_utc(following), **fields)
        )
    reminder = session.execute(
        select(Reminder).where(Reminder.endpoint == clean["endpoint"]).execution_options(populate_existing=True)
    ).scalar_one()
    return inserted is not None, reminder

"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock), sends
them concurrently over one HTTP session (asyncio), then records the results in
one transaction, only for the rows it still holds.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import bindparam, delete, or_, select, update

from ..db import get_db
from .models import Reminder
from .schedule import LATE_LIMIT, advance, end_of_evening, from_naive_utc, to_naive_utc
from .sending import Outcome, Sender, encode, payload, run_coroutine, sender_for, vapid_headers

log = logging.getLogger("calmcalf.dispatch")

LEASE = timedelta(minutes=10)
BATCH = 250  # per claim: processes share the work evenly to the end
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    """A reminder this dispatcher has leased: what sending it and recording the answer need."""

    id: int
    token: str  # the lease: results are written only while this dispatcher still holds the row
    subscription: dict
    due: datetime
    timezone: str
    lang: str


@dataclass
class Summary:
    sent: int = 0
    pruned: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"sent={self.sent} pruned={self.pruned} retried={self.retried} failed={self.failed} skipped={self.skipped}"
        )


class Dispatcher:
    """Sends due reminders for one app (one database)."""

    def __init__(self, app: Flask, workers: int = 64):
        self.app = app
        self.db = get_db(app)
        self.concurrency = workers
        self.headers = vapid_headers(app)  # kept across runs: signed once per push service
        self.messages: dict[str, str] = {}  # the message per language, translated once per run

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due at or before `now` (aware UTC; default: the real now)."""
        summary: Summary = run_coroutine(self.run(now or datetime.now(UTC)))
        return summary

    async def run(self, now: datetime) -> Summary:
        summary = Summary()
        self.messages.clear()  # translations may have been reloaded since the last run
        async with sender_for(self.app, self.headers, self.concurrency) as sender:
            while batch := self.claim(now):
                outcomes = await asyncio.gather(*(self.deliver(sender, row, now) for row in batch))
                self.record(batch, outcomes, now, summary)
        return summary

    def claim(self, now: datetime) -> list[Claimed]:
        """Take a batch of due reminders for this dispatcher alone."""
        stamp = to_naive_utc(now)
        free = or_(Reminder.lease_until.is_(None), Reminder.lease_until < stamp)
        token = uuid.uuid4().hex
        due = (
            select(Reminder.id)
            .where(Reminder.next_due_at <= stamp, free)
            .where(or_(Reminder.retry_after.is_(None), Reminder.retry_after <= stamp))
            .order_by(Reminder.next_due_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        with self.db.session() as session:
            # One statement, so one dispatcher's choice cannot be taken by another between choosing and
            # leasing: SQLite runs it under its write lock; PostgreSQL skips rows another has locked.
            leased = session.execute(
                update(Reminder)
                .where(Reminder.id.in_(due.scalar_subquery()), free)
                .values(lease_until=to_naive_utc(now + LEASE), lease_token=token)
                .returning(
                    Reminder.id,
                    Reminder.endpoint,
                    Reminder.p256dh,
                    Reminder.auth,
                    Reminder.next_due_at,
                    Reminder.timezone,
                    Reminder.lang,
                )
            ).all()
        return [
            Claimed(
                r.id,
                token,
                {"endpoint": r.endpoint, "keys": {"p256dh": r.p256dh, "auth": r.auth}},
                from_naive_utc(r.next_due_at),
                r.timezone,
                r.lang,
            )
            for r in leased
        ]

    def message(self, lang: str) -> str:
        """The message in this language, as JSON text (made once per run)."""
        if lang not in self.messages:
            with self.app.app_context():
                self.messages[lang] = encode(payload(lang))
        return self.messages[lang]

    async def deliver(self, sender: Sender, row: Claimed, now: datetime) -> Outcome:
        """Send one reminder, unless it is too late to be welcome."""
        if now - row.due > LATE_LIMIT:
            return Outcome("skipped")
        ttl = int((end_of_evening(row.due, row.timezone) - now).total_seconds())
        if ttl <= 0:
            return Outcome("skipped")
        try:
            return await sender.send(row.subscription, self.message(row.lang), ttl)
        except Exception as exc:  # a broken subscription must not stop the others
            log.warning("send to %s failed: %r", row.subscription["endpoint"][:60], exc)
            return Outcome("failed", detail=repr(exc))

    def record(self, batch: list[Claimed], outcomes: list[Outcome], now: datetime, summary: Summary) -> None:
        """Move each schedule on, prune dead subscriptions, and plan retries, in one transaction."""
        with self.db.session() as session:
            # Read again: a reminder may have been changed, deleted or re-leased while it was being sent.
            found = session.execute(
                select(
                    Reminder.id,
                    Reminder.lease_token,
                    Reminder.attempts,
                    Reminder.local_time,
                    Reminder.timezone,
                    Reminder.days,
                    Reminder.done_through,
                ).where(Reminder.id.in_([row.id for row in batch]))
            ).all()
            reminders = {r.id: r for r in found}
            token = batch[0].token  # one claim, one token
            gone, changes = [], []
            for row, outcome in zip(batch, outcomes, strict=True):
                reminder = reminders.get(row.id)
                if reminder is None or reminder.lease_token != token:
                    continue  # deleted or re-leased meanwhile
                if outcome.kind == "gone":
                    gone.append(reminder.id)
                    summary.pruned += 1
                    continue
                if outcome.kind == "retry":
                    retry_at = now + timedelta(seconds=outcome.retry_after_s or 60)
                    if reminder.attempts + 1 < MAX_ATTEMPTS and retry_at - row.due <= LATE_LIMIT:
                        changes.append(
                            {
                                "row_id": reminder.id,
                                "token": token,
                                "next_due_at": to_naive_utc(row.due),
                                "done_through": reminder.done_through,
                                "retry_after": to_naive_utc(retry_at),
                                "attempts": reminder.attempts + 1,
                            }
                        )
                        summary.retried += 1
                        continue
                    outcome = Outcome("failed", outcome.status, detail="gave up retrying")
                if outcome.kind == "failed":
                    log.warning("reminder %s not delivered: %s %s", reminder.id, outcome.status, outcome.detail)
                setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
                changes.append(
                    {
                        "row_id": reminder.id,
                        "token": token,
                        **advance(reminder.local_time, reminder.timezone, reminder.days, row.due, now),
                    }
                )
            if changes:
                session.execute(RECORD, changes)  # one executemany; only rows still leased by this dispatcher
            if gone:
                session.execute(delete(Reminder).where(Reminder.id.in_(gone), Reminder.lease_token == token))


REMINDERS = Reminder.__table__
RECORD = (
    update(REMINDERS)  # type: ignore[arg-type]
    .where(Reminder.__table__.c.id == bindparam("row_id"), Reminder.__table__.c.lease_token == bindparam("token"))
    .values(
        lease_until=None,
        lease_token=None,
        next_due_at=bindparam("next_due_at"),
        done_through=bindparam("done_through"),
        retry_after=bindparam("retry_after"),
        attempts=bindparam("attempts"),
    )
)

"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock) that returns
everything sending and recording need, so nothing is read twice. The batches form
one stream into the sender: the next batch is claimed while the last messages of
the one before are still in flight. Answers are recorded in small groups as they
come in, each group in one executemany, only for rows this dispatcher still holds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import bindparam, delete, or_, select, update

from ..db import get_db
from .models import Reminder
from .schedule import LATE_LIMIT, advance, end_of_evening, from_naive_utc, to_naive_utc
from .sending import Job, Outcome, encode, key_bytes, payload, sender_for, vapid_headers

log = logging.getLogger("calmcalf.dispatch")

LEASE = timedelta(minutes=10)
BATCH = 250  # per claim: processes share the work evenly to the end
MAX_ATTEMPTS = 5
RECORD_EVERY = 64  # answers written together: a crash can lose no more unrecorded answers than this and those in flight


@dataclass(frozen=True)
class Claimed:
    """A reminder this dispatcher has leased: what sending it and recording the answer need."""

    id: int
    token: str  # the lease: results are written only while this dispatcher still holds the row
    endpoint: str
    p256dh: str
    auth: str
    due: datetime
    timezone: str
    lang: str
    local_time: str
    days: str
    attempts: int
    done_through: str | None


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
        self.messages: dict[str, bytes] = {}  # the message per language, translated once per run

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due at or before `now` (aware UTC; default: the real now)."""
        now = now or datetime.now(UTC)
        summary = Summary()
        self.messages.clear()  # translations may have been reloaded since the last run
        answered: list[tuple[Claimed, Outcome]] = []
        with sender_for(self.app, self.headers, self.concurrency) as sender:
            for job, outcome in sender.send_all(self.jobs(now, answered)):
                answered.append((job.tag, outcome))
                if len(answered) >= RECORD_EVERY:
                    self.record(answered, now, summary)
        self.record(answered, now, summary)
        return summary

    def jobs(self, now: datetime, answered: list[tuple[Claimed, Outcome]]) -> Iterator[Job]:
        """Every due reminder as a message to send, claiming the next batch only when the sender asks for more.

        One too late to be welcome is answered at once (skipped) instead of sent.
        """
        while batch := self.claim(now):
            for row in batch:
                ttl = int((end_of_evening(row.due, row.timezone) - now).total_seconds())
                if now - row.due > LATE_LIMIT or ttl <= 0:
                    answered.append((row, Outcome("skipped")))
                    continue
                try:
                    yield Job(
                        row.endpoint, key_bytes(row.p256dh), key_bytes(row.auth), self.message(row.lang), ttl, row
                    )
                except ValueError as exc:  # a broken subscription must not stop the others
                    answered.append((row, Outcome("failed", detail=repr(exc))))

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
                    Reminder.local_time,
                    Reminder.days,
                    Reminder.attempts,
                    Reminder.done_through,
                )
            ).all()
        return [
            Claimed(
                r.id,
                token,
                r.endpoint,
                r.p256dh,
                r.auth,
                from_naive_utc(r.next_due_at),
                r.timezone,
                r.lang,
                r.local_time,
                r.days,
                r.attempts,
                r.done_through,
            )
            for r in leased
        ]

    def message(self, lang: str) -> bytes:
        """The message in this language, as JSON bytes (made once per run)."""
        if lang not in self.messages:
            with self.app.app_context():
                self.messages[lang] = encode(payload(lang)).encode()
        return self.messages[lang]

    def record(self, answered: list[tuple[Claimed, Outcome]], now: datetime, summary: Summary) -> None:
        """Write these answers, then forget them: schedules moved on, dead subscriptions pruned, retries planned.

        One transaction, one executemany; a row is only written while this dispatcher still
        holds its lease, so a reminder deleted, changed or re-leased meanwhile is left alone.
        """
        if not answered:
            return
        gone: list[tuple[int, str]] = []
        changes = []
        for row, outcome in answered:
            if outcome.kind == "gone":
                gone.append((row.id, row.token))
                summary.pruned += 1
                continue
            if outcome.kind == "retry":
                retry_at = now + timedelta(seconds=outcome.retry_after_s or 60)
                if row.attempts + 1 < MAX_ATTEMPTS and retry_at - row.due <= LATE_LIMIT:
                    changes.append(
                        {
                            "row_id": row.id,
                            "token": row.token,
                            "next_due_at": to_naive_utc(row.due),
                            "done_through": row.done_through,
                            "retry_after": to_naive_utc(retry_at),
                            "attempts": row.attempts + 1,
                        }
                    )
                    summary.retried += 1
                    continue
                outcome = Outcome("failed", outcome.status, detail="gave up retrying")
            if outcome.kind == "failed":
                log.warning("reminder %s not delivered: %s %s", row.id, outcome.status, outcome.detail)
            setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
            changes.append(
                {"row_id": row.id, "token": row.token, **advance(row.local_time, row.timezone, row.days, row.due, now)}
            )
        with self.db.session() as session:
            if changes:
                session.execute(RECORD, changes)  # one executemany; only rows still leased by this dispatcher
            if gone:
                session.execute(PRUNE, [{"row_id": row_id, "token": token} for row_id, token in gone])
        answered.clear()


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
PRUNE = delete(REMINDERS).where(  # type: ignore[arg-type]
    Reminder.__table__.c.id == bindparam("row_id"), Reminder.__table__.c.lease_token == bindparam("token")
)

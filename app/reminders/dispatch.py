"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock) for a
short time, renewed while it works, and sends them concurrently over one HTTP
session (asyncio). Answers are recorded in small groups as they come in, only
for rows the dispatcher still holds, so a crash can re-send at most what was in
flight, and a dead dispatcher's rows are free again once its lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update

from ..db import get_db
from .backoff import Origins, origin_of, retry_after
from .models import Reminder
from .outcomes import Summary, record
from .schedule import LATE_LIMIT, end_of_evening, from_naive_utc, to_naive_utc
from .sending import Outcome, Sender, encode, payload, run_coroutine, sender_for, vapid_headers

log = logging.getLogger("calmcalf.dispatch")

BATCH = 250  # per claim: processes share the work evenly to the end
RECORD_GROUP = 16  # answers recorded together; a crash re-sends at most these plus what is in flight
RECORD_EVERY_S = 0.25  # and at least this often, however slowly answers come


@dataclass(frozen=True)
class Claimed:
    """A reminder this dispatcher has leased: what sending it and recording the answer need."""

    id: int
    token: str  # the lease: results are written only while this dispatcher still holds the row
    subscription: dict
    due: datetime
    timezone: str
    lang: str


class Dispatcher:
    """Sends due reminders for one app (one database). Keep one per process: it remembers push services."""

    def __init__(self, app: Flask, workers: int = 64, rng: random.Random | None = None):
        self.app = app
        self.db = get_db(app)
        self.concurrency = workers
        self.lease = timedelta(seconds=int(app.config["DISPATCH_LEASE_SECONDS"]))
        self.rng = rng or random.Random()
        self.origins = Origins(self.rng)  # kept across runs: a failing push service stays paused
        self.headers = vapid_headers(app)  # kept across runs: signed once per push service
        self.messages: dict[str, str] = {}  # the message per language, translated once per run
        self.in_flight_bound = workers + RECORD_GROUP - 1  # the most a SIGKILL can make us send twice
        self.started = (datetime.now(UTC), time.monotonic())

    def clock(self) -> datetime:
        """The run's `now`, moved on by the real time elapsed since the run began."""
        start, mono = self.started
        return start + timedelta(seconds=time.monotonic() - mono)

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due at or before `now` (aware UTC; default: the real now)."""
        summary: Summary = run_coroutine(self.run(now or datetime.now(UTC)))
        return summary

    async def run(self, now: datetime) -> Summary:
        summary = Summary()
        self.started = (now, time.monotonic())
        self.messages.clear()  # translations may have been reloaded since the last run
        self.slots = asyncio.Semaphore(self.concurrency)
        async with sender_for(self.app, self.headers, self.concurrency) as sender:
            while batch := self.claim(self.clock()):
                await self.work(sender, batch, summary)
        if summary.reasons:
            log.info("%s (%s)", summary.line(), summary.why())
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
                .values(lease_until=to_naive_utc(now + self.lease), lease_token=token)
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

    def renew(self, token: str) -> None:
        """Hold on to the rows of this batch not yet recorded: this dispatcher is alive."""
        with self.db.session() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.lease_token == token)
                .values(lease_until=to_naive_utc(self.clock() + self.lease))
            )

    async def work(self, sender: Sender, batch: list[Claimed], summary: Summary) -> None:
        """Send one batch; record answers in small groups as they arrive; keep the lease alive."""
        answered: list[tuple[Claimed, Outcome]] = []
        sent = [0]  # answers in `answered` that came from a real send (a deferral re-sends nothing if lost)

        def flush() -> None:
            if answered:
                group = answered[:]
                answered.clear()
                sent[0] = 0
                record(self.db, group, self.clock(), summary, self.rng)

        async def one(row: Claimed) -> None:
            outcome = await self.deliver(sender, row)
            answered.append((row, outcome))
            sent[0] += outcome.kind not in ("deferred", "late")
            if sent[0] >= RECORD_GROUP:
                flush()

        async def keeper() -> None:
            renewed = time.monotonic()
            while True:
                await asyncio.sleep(RECORD_EVERY_S)
                flush()
                if time.monotonic() - renewed > self.lease.total_seconds() / 4:
                    self.renew(batch[0].token)
                    renewed = time.monotonic()

        keeping = asyncio.create_task(keeper())
        try:
            await asyncio.gather(*(one(row) for row in batch))
        finally:
            keeping.cancel()
        flush()

    def message(self, lang: str) -> str:
        """The message in this language, as JSON text (made once per run)."""
        if lang not in self.messages:
            with self.app.app_context():
                self.messages[lang] = encode(payload(lang))
        return self.messages[lang]

    async def deliver(self, sender: Sender, row: Claimed) -> Outcome:
        """Send one reminder, unless it is too late to be welcome or its push service is paused."""
        async with self.slots:
            now = self.clock()
            ttl = round((end_of_evening(row.due, row.timezone) - now).total_seconds())
            if now - row.due > LATE_LIMIT or ttl <= 0:
                return Outcome("late", detail="more than 2 hours late or past local midnight")
            refused = sender.refusal(row.subscription["endpoint"])
            if refused:
                return refused
            origin = origin_of(row.subscription["endpoint"])
            wait, probe = self.origins.gate(origin, now)
            if wait is not None:
                return Outcome("deferred", retry_at=wait, detail="push service paused")
            try:
                outcome = await sender.send(row.subscription, self.message(row.lang), ttl)
            except Exception as exc:  # a broken subscription must not stop the others
                log.warning("send to %s failed: %r", row.subscription["endpoint"][:60], exc)
                self.origins.answered(origin, None, None, self.clock(), probe)
                return Outcome("failed", detail=type(exc).__name__)
            now = self.clock()
            if outcome.kind == "retry":
                outcome.retry_at = retry_after(outcome.header, now)
            self.origins.answered(origin, outcome.kind == "retry", outcome.retry_at, now, probe)
            return outcome

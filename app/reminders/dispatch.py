"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock) for a
short time, renewed while it works. The batches form one stream into the sender
(libcurl's multi interface): the next batch is claimed while the last messages
of the one before are still in flight. Answers are recorded in small
groups as they come in, only for rows the dispatcher still holds, so a crash
can re-send at most what was in flight and not yet recorded, and a dead
dispatcher's rows are free again once its short lease runs out.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update

from ..db import get_db
from .backoff import Origins, retry_after
from .models import Reminder
from .outcomes import Claimed, Summary, record
from .schedule import LATE_LIMIT, end_of_evening, from_naive_utc, to_naive_utc
from .sending import Job, Outcome, encode, key_bytes, origin_of, payload, sender_for, vapid_headers

log = logging.getLogger("calmcalf.dispatch")

BATCH = 250  # per claim: processes share the work evenly to the end
RECORD_GROUP = 16  # answers recorded together; a crash re-sends at most these plus what is in flight
RECORD_EVERY_S = 0.25  # and at least this often, however slowly answers come


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
        self.messages: dict[str, bytes] = {}  # the message per language, translated once per run
        self.in_flight_bound = workers + RECORD_GROUP - 1  # the most a SIGKILL can make us send twice
        self.started = (datetime.now(UTC), time.monotonic())

    def clock(self) -> datetime:
        """The run's `now`, moved on by the real time elapsed since the run began."""
        start, mono = self.started
        return start + timedelta(seconds=time.monotonic() - mono)

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due at or before `now` (aware UTC; default: the real now)."""
        run = _Run(self, Summary())
        self.started = (now or datetime.now(UTC), time.monotonic())
        self.messages.clear()  # translations may have been reloaded since the last run
        with sender_for(self.app, self.headers, self.concurrency) as sender:
            for job, outcome in sender.send_all(self.jobs(run, sender.refusal), on_idle=run.tick):
                run.answer(job.tag, outcome)
        run.flush()
        summary = run.summary
        if summary.reasons:
            log.info("%s (%s)", summary.line(), summary.why())
        return summary

    def jobs(self, run: _Run, refusal) -> Iterator[Job]:
        """Every due reminder as a message, claiming the next batch only when the sender asks for more.

        What needs no sending is answered at once: too late to be welcome, no longer
        allowed, or its push service paused (deferred).
        """
        while batch := self.claim(self.clock()):
            run.leased(batch)
            for row in batch:
                outcome, probe, ttl = self.screen(row, refusal)
                if outcome is not None:
                    run.answer((row, probe), outcome)
                    continue
                try:
                    job = Job(row.endpoint, key_bytes(row.p256dh), key_bytes(row.auth), self.message(row.lang), ttl)
                except ValueError as exc:  # a broken subscription must not stop the others
                    run.answer((row, probe), Outcome("failed", detail=f"bad keys ({exc})"))
                    continue
                job.tag = (row, probe)
                yield job

    def screen(self, row: Claimed, refusal) -> tuple[Outcome | None, bool, int]:
        """(An outcome without sending, or None to send; whether it is a probe of a paused service; its TTL)."""
        now = self.clock()
        ttl = round((end_of_evening(row.due, row.timezone) - now).total_seconds())
        if now - row.due > LATE_LIMIT or ttl <= 0:
            return Outcome("late", detail="more than 2 hours late or past local midnight"), False, ttl
        refused = refusal(row.endpoint)
        if refused:
            return refused, False, ttl
        wait, probe = self.origins.gate(origin_of(row.endpoint), now)
        if wait is not None:
            return Outcome("deferred", retry_at=wait, detail="push service paused"), False, ttl
        return None, probe, ttl

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
                    Reminder.local_time,
                    Reminder.days,
                    Reminder.attempts,
                    Reminder.done_through,
                    Reminder.updated_at,
                )
            ).all()
        return [
            Claimed(
                id=r.id,
                token=token,
                endpoint=r.endpoint,
                p256dh=r.p256dh,
                auth=r.auth,
                due=from_naive_utc(r.next_due_at),
                timezone=r.timezone,
                lang=r.lang,
                local_time=r.local_time,
                days=r.days,
                attempts=r.attempts,
                done_through=r.done_through,
                updated_at=r.updated_at,
            )
            for r in leased
        ]

    def renew(self, tokens: list[str]) -> None:
        """Hold on to the rows of these batches not yet recorded: this dispatcher is alive."""
        with self.db.session() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.lease_token.in_(tokens))
                .values(lease_until=to_naive_utc(self.clock() + self.lease))
            )

    def message(self, lang: str) -> bytes:
        """The message in this language, as JSON bytes (made once per run)."""
        if lang not in self.messages:
            with self.app.app_context():
                self.messages[lang] = encode(payload(lang)).encode()
        return self.messages[lang]


class _Run:
    """One run's bookkeeping: answers waiting to be recorded, and the leases still held."""

    def __init__(self, dispatcher: Dispatcher, summary: Summary):
        self.dispatcher = dispatcher
        self.summary = summary
        self.answered: list[tuple[Claimed, Outcome]] = []
        self.open: dict[str, int] = {}  # lease token → rows not yet recorded
        self.flushed = self.renewed = time.monotonic()

    def leased(self, batch: list[Claimed]) -> None:
        self.open[batch[0].token] = len(batch)

    def answer(self, tag: tuple[Claimed, bool], outcome: Outcome) -> None:
        """Learn from one answer (the push service's state too) and record it soon."""
        row, probe = tag
        if outcome.status is not None or outcome.kind == "retry":  # the push service answered, or did not
            now = self.dispatcher.clock()
            if outcome.kind == "retry":
                outcome.retry_at = retry_after(outcome.header, now)
            self.dispatcher.origins.answered(
                origin_of(row.endpoint), outcome.kind == "retry", outcome.retry_at, now, probe
            )
        elif probe:
            self.dispatcher.origins.answered(origin_of(row.endpoint), None, None, self.dispatcher.clock(), probe)
        self.answered.append((row, outcome))
        if len(self.answered) >= RECORD_GROUP:
            self.flush()
        else:
            self.tick()

    def tick(self) -> None:
        """Called while waiting, too: record what is in at least every RECORD_EVERY_S; keep the leases."""
        clock = time.monotonic()
        if clock - self.flushed >= RECORD_EVERY_S:
            self.flush()
        if self.open and clock - self.renewed > self.dispatcher.lease.total_seconds() / 4:
            self.dispatcher.renew(list(self.open))
            self.renewed = clock

    def flush(self) -> None:
        """Write the answers in so far, in one transaction."""
        self.flushed = time.monotonic()
        if not self.answered:
            return
        group, self.answered = self.answered, []
        record(self.dispatcher.db, group, self.dispatcher.clock(), self.summary, self.dispatcher.rng)
        for row, _ in group:
            self.open[row.token] -= 1
            if not self.open[row.token]:
                del self.open[row.token]

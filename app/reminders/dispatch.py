"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock) for a
short time, renewed while it works. Leases and due times are judged by the
database's clock, never a dispatcher's own (clock.py). Each statement touches only
the rows in hand, whatever the table holds: partial indexes hold the rows waiting
(by when they may next go: a retry's time, else the due time) and the rows leased
(migrations/versions/0003_scale.py). The batches form one stream into the sender
(pywebpush on one aiohttp session): the next batch is claimed while the last messages
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
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import and_, bindparam, exists, func, null, or_, select, update

from ..db import get_db
from .answers import Outcome
from .backoff import Origins, retry_after
from .clock import Clock, at
from .message import encode, payload
from .outcomes import PARKING_STATUSES, REMINDERS, Claimed, Summary, record
from .schedule import LATE_LIMIT, end_of_evening, from_naive_utc
from .sending import Job, origin_of, sender_for
from .vapid import vapid_headers

log = logging.getLogger("calmcalf.dispatch")

BATCH = 250  # per claim: processes share the work evenly to the end
# Answers recorded together; a crash re-sends at most these plus what is in flight (a reminder sent
# twice replaces itself, by its notification tag). 64 rather than 16: a fifth less database and
# bookkeeping CPU per message (bench/dispatch.py), for at most 48 more re-sends after a SIGKILL.
RECORD_GROUP = 64
RECORD_EVERY_S = 0.25  # and at least this often, however slowly answers come
NOW_EVERY_S = 0.05  # each due reminder is judged (late? its TTL) by a clock read at most this long ago
# A refusal (400/401/403/413) is taken as the subscription's own, and counts towards parking it, only
# if its push service took another message from this process this recently: else it is more likely
# ours (a key or setting every message shares), and nothing is parked for it.
OWN_REFUSAL_S = 3600


class Dispatcher:
    """Sends due reminders for one app (one database). Keep one per process: it remembers push services."""

    def __init__(
        self,
        app: Flask,
        workers: int = 64,
        rng: random.Random | None = None,
        wall: Callable[[], datetime] | None = None,
    ):
        self.app = app
        self.db = get_db(app)
        self.concurrency = workers
        self.lease = timedelta(seconds=int(app.config["DISPATCH_LEASE_SECONDS"]))
        self.rng = rng or random.Random()
        self.origins = Origins(self.rng)  # kept across runs: a failing push service stays paused
        self.headers = vapid_headers(app)  # kept across runs: signed once per push service
        self.messages: dict[tuple[str, bool], bytes] = {}  # per language and quiet: translated once per run
        self.accepted: dict[str, float] = {}  # push service origin → when it last took a message (monotonic)
        self.time = Clock(self.db, wall)  # `wall`: this machine's clock (tests give a wrong one)

    def clock(self) -> datetime:
        """The run's `now`: the database's clock (see clock.py)."""
        return self.time.now()

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due by the database's clock (`now`, for tests: as if that clock read it)."""
        run = _Run(self, Summary())
        self.time.sync(now)
        self.messages.clear()  # translations may have been reloaded since the last run
        first = self.claim()
        if first:  # the sender (pywebpush, its session) is set up only when something is due
            with sender_for(self.app, self.headers, self.concurrency) as sender:
                for job, outcome in sender.send_all(self.jobs(run, sender.refusal, first), on_idle=run.tick):
                    run.answer(job.tag, outcome)
        run.finish()
        summary = run.summary
        if summary.reasons:
            log.info("%s (%s)", summary.line(), summary.why())
        return summary

    def jobs(self, run: _Run, refusal: Callable[[str], Outcome | None], batch: list[Claimed]) -> Iterator[Job]:
        """Every due reminder as a message, from this batch on; the next is claimed when the sender wants more.

        What needs no sending is answered at once: too late to be welcome, no longer
        allowed, or its push service paused (deferred).
        """
        while batch:
            run.leased(batch)
            now, read = self.clock(), time.monotonic()
            for row in batch:
                if time.monotonic() - read > NOW_EVERY_S:  # (the sender may have kept us waiting)
                    now, read = self.clock(), time.monotonic()
                origin = origin_of(row.endpoint)
                outcome, probe, ttl = self.screen(row, origin, refusal, now)
                if outcome is not None:
                    run.answer((row, probe, origin), outcome)
                    continue
                subscription = {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}
                message = self.message(row.lang, row.quiet)
                yield Job(subscription, message, ttl, (row, probe, origin), origin)
            batch = self.claim()

    def screen(
        self, row: Claimed, origin: str, refusal: Callable[[str], Outcome | None], now: datetime
    ) -> tuple[Outcome | None, bool, int]:
        """(An outcome without sending, or None to send; whether it is a probe of a paused service; its TTL)."""
        ttl = round((end_of_evening(row.due, row.timezone) - now).total_seconds())
        if now - row.due > LATE_LIMIT or ttl <= 0:
            return Outcome("late", detail="more than 2 hours late or past local midnight"), False, ttl
        refused = refusal(origin)
        if refused:
            return refused, False, ttl
        wait, probe = self.origins.gate(origin, now)
        if wait is not None:
            return Outcome("deferred", retry_at=wait, detail="push service paused"), False, ttl
        return None, probe, ttl

    def anything_due(self, now: datetime | None = None) -> bool:
        """Whether any reminder is due and free (`now`: as run_once takes it): a look, not a claim."""
        self.time.sync(now)
        with self.db.engine.connect() as connection:
            return bool(connection.execute(ANY_DUE, self.time.params(self.lease)).scalar())

    def claim(self, now: datetime | None = None) -> list[Claimed]:
        """Take a batch of due reminders for this dispatcher alone (`now`, for tests: sync to it first)."""
        if now is not None:
            self.time.sync(now)
        token = uuid.uuid4().hex
        params = {**self.time.params(self.lease), "token": token, "batch": BATCH}
        with self.db.engine.connect() as connection, connection.begin():
            # Rows whose holder stopped renewing go back among the waiting (few: only leased rows are looked at).
            connection.execute(RELEASE, params)
            # One statement, so one dispatcher's choice cannot be taken by another between choosing and
            # leasing: SQLite runs it under its write lock; PostgreSQL skips rows another has locked.
            leased = connection.execute(CLAIM, params).all()
        return [
            Claimed(id, token, endpoint, p256dh, auth, from_naive_utc(due), *rest)
            for id, endpoint, p256dh, auth, due, *rest in leased
        ]

    def renew(self, held: dict[str, set[int]]) -> None:
        """Hold on to the rows not yet recorded (by lease token, their ids): this dispatcher is alive."""
        ids = [row_id for rows in held.values() for row_id in rows]
        with self.db.engine.begin() as connection:
            connection.execute(RENEW, {**self.time.params(self.lease), "tokens": list(held), "ids": ids})

    def message(self, lang: str, quiet: bool) -> bytes:
        """The message in this language, quiet or not, as JSON bytes (made once per run)."""
        key = (lang, quiet)
        if key not in self.messages:
            with self.app.app_context():
                self.messages[key] = encode(payload(lang, quiet)).encode()
        return self.messages[key]


# The statements below match the partial indexes of migration 0003 (and models.py): a row waiting
# for its time is in ix_reminders_ready, by when it may next go; a leased row is in
# ix_reminders_lease_until. Renewals and records find their rows by primary key. The clock is the
# database's (`shift`: the run's offset from it, 0 but in tests; `until`: a lease's end).
# A parked row (refused for good: outcomes.py) is neither waiting nor leased: no statement looks at it.
_WAITING = and_(REMINDERS.c.lease_token.is_(None), REMINDERS.c.parked.is_(None))
_LEASED = REMINDERS.c.lease_token.is_not(None)
# When a waiting row may next be sent: its retry time if it has one (always after its due time), else its due time.
_ready = func.coalesce(REMINDERS.c.retry_after, REMINDERS.c.next_due_at)
_now = at("shift")
_DUE_NOW = (_ready <= _now, REMINDERS.c.next_due_at <= _now)
_EXPIRED = (_LEASED, REMINDERS.c.lease_until < _now)
# The first waiting row in the index's order, rather than EXISTS: PostgreSQL drops the ORDER BY of an
# EXISTS and may then scan the table for a row it guesses is common.
_FIRST_DUE = select(REMINDERS.c.id).where(_WAITING, *_DUE_NOW).order_by(_ready).limit(1).scalar_subquery()
ANY_DUE = select(or_(_FIRST_DUE.is_not(None), exists().where(*_EXPIRED, *_DUE_NOW)))
RELEASE = update(REMINDERS).where(*_EXPIRED).values(lease_until=null(), lease_token=null())  # type: ignore[arg-type]
RENEW = (
    update(REMINDERS)  # type: ignore[arg-type]
    .where(
        REMINDERS.c.id.in_(bindparam("ids", expanding=True)),
        # Still ours, not re-leased by another. (Through coalesce, so PostgreSQL cannot read this as a reason to
        # scan all of ix_reminders_lease_until, every dispatcher's rows, instead of looking up these ids.)
        func.coalesce(REMINDERS.c.lease_token, "").in_(bindparam("tokens", expanding=True)),
    )
    .values(lease_until=at("until"))
)
# The batch, chosen once: materialized, so the planner cannot run the choice again for each row it
# updates (with SKIP LOCKED each run would choose other rows, and the batch would grow).
_DUE = (
    select(REMINDERS.c.id)
    .where(_WAITING, *_DUE_NOW)
    .order_by(_ready)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
    .cte("due")
    .prefix_with("MATERIALIZED")
)
# Lease a batch of due rows and read what sending them and recording the answers needs, in the
# order of Claimed's fields from `due` on.
CLAIM = (
    update(REMINDERS)  # type: ignore[arg-type]
    .where(REMINDERS.c.id.in_(select(_DUE.c.id)), _WAITING)
    .values(lease_until=at("until"), lease_token=bindparam("token"))
    .returning(
        REMINDERS.c.id,
        REMINDERS.c.endpoint,
        REMINDERS.c.p256dh,
        REMINDERS.c.auth,
        REMINDERS.c.next_due_at,
        REMINDERS.c.timezone,
        REMINDERS.c.lang,
        REMINDERS.c.local_time,
        REMINDERS.c.days,
        REMINDERS.c.attempts,
        REMINDERS.c.done_through,
        REMINDERS.c.updated_at,
        REMINDERS.c.refused_nights,
        REMINDERS.c.quiet,
    )
)


class _Run:
    """One run's bookkeeping: answers waiting to be recorded, and the leases still held."""

    def __init__(self, dispatcher: Dispatcher, summary: Summary):
        self.dispatcher = dispatcher
        self.summary = summary
        self.answered: list[tuple[Claimed, Outcome]] = []
        self.held: list[tuple[Claimed, Outcome]] = []  # lasting refusals, judged when the run ends
        self.open: dict[str, set[int]] = {}  # lease token → the ids of its rows not yet recorded
        self.flushed = self.renewed = time.monotonic()

    def leased(self, batch: list[Claimed]) -> None:
        self.open[batch[0].token] = {row.id for row in batch}

    def answer(self, tag: tuple[Claimed, bool, str], outcome: Outcome) -> None:
        """Learn from one answer (the push service's state too) and record it soon."""
        row, probe, origin = tag
        if outcome.kind == "retry":  # the push service failed, or did not answer
            now = self.dispatcher.clock()
            outcome.retry_at = retry_after(outcome.header, now)
            self.dispatcher.origins.answered(origin, True, outcome.retry_at, now, probe)
        elif outcome.status is not None:  # it answered
            self.dispatcher.origins.answered(origin, False, None, None, probe)
            if outcome.kind == "sent":
                self.dispatcher.accepted[origin] = time.monotonic()
        elif probe:
            self.dispatcher.origins.answered(origin, None, None, None, probe)
        if outcome.kind == "failed" and outcome.status in PARKING_STATUSES:
            self.held.append((row, outcome))  # by the end, we know whether its push service took others'
            return
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
            self.dispatcher.renew(self.open)
            self.renewed = clock

    def flush(self) -> None:
        """Write the answers in so far, in one transaction."""
        self.flushed = time.monotonic()
        if not self.answered:
            return
        group, self.answered = self.answered, []
        record(self.dispatcher.db, group, self.dispatcher.clock(), self.summary, self.dispatcher.rng)
        for row, _ in group:
            rows = self.open[row.token]
            rows.discard(row.id)
            if not rows:
                del self.open[row.token]

    def finish(self) -> None:
        """Judge the lasting refusals, then record everything still unrecorded.

        A refusal is this subscription's own ("refused", counted towards parking it) if its
        push service took another message from this process within OWN_REFUSAL_S.
        """
        now = time.monotonic()
        for row, outcome in self.held:
            took = self.dispatcher.accepted.get(origin_of(row.endpoint))
            if took is not None and now - took < OWN_REFUSAL_S:
                outcome.kind = "refused"
        self.answered += self.held
        self.held = []
        self.flush()

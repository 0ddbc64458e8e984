"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each leases a batch of due reminders in one
statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock), sends
them concurrently over one HTTP session (asyncio), then records the results in
one transaction, only for the rows it still holds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, delete, or_, select, update

from .db import get_db
from .models import Reminder, split_days
from .push import Outcome, Sender, VapidHeaders
from .schedule import end_of_evening, from_naive_utc, local_date, next_due, to_naive_utc
from .vapid import shared_vapid

log = logging.getLogger("calmcalf.dispatch")

LATE_LIMIT = timedelta(hours=2)  # later than this, a reminder would wake people: skip it
LEASE = timedelta(minutes=10)
BATCH = 250  # per claim: processes share the work evenly to the end
MAX_ATTEMPTS = 5


@dataclass
class Summary:
    sent: int = 0
    pruned: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (f"sent={self.sent} pruned={self.pruned} retried={self.retried} "
                f"failed={self.failed} skipped={self.skipped}")


def payload(lang: str) -> dict:
    """The message: opens the bedtime routine when tapped."""
    with force_locale(lang or "en"):
        return {
            "title": _("Bedtime stretches"),
            "body": _("Three minutes of calf stretches before bed?"),
            "url": "/bedtime",
            "tag": "bedtime",
        }


def encode(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


def run_coroutine(coroutine):
    """Run a coroutine to completion from synchronous code.

    Where this thread already runs an event loop (an async server, or a test
    harness), asyncio.run() is refused, so a fresh thread runs it instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(asyncio.run, coroutine).result()


def vapid_headers(app: Flask) -> VapidHeaders:
    """Signed VAPID headers for this app's key, cached per push service."""
    return VapidHeaders(shared_vapid(app), app.config["VAPID_SUBJECT"])


def sender_for(app: Flask, headers: VapidHeaders, concurrency: int = 64) -> Sender:
    return Sender(headers, app.config["PUSH_SERVICE_HOSTS"], bool(app.config["PUSH_ALLOW_HTTP"]), concurrency)


async def send_now(app: Flask, subscription: dict, message: dict, ttl: int) -> Outcome:
    """Send one message at once (the "Send a test reminder" button)."""
    async with sender_for(app, vapid_headers(app), concurrency=1) as sender:
        return await sender.send(subscription, encode(message), ttl)


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
        return run_coroutine(self.run(now or datetime.now(UTC)))

    async def run(self, now: datetime) -> Summary:
        summary = Summary()
        self.messages.clear()  # translations may have been reloaded since the last run
        async with sender_for(self.app, self.headers, self.concurrency) as sender:
            while batch := self.claim(now):
                outcomes = await asyncio.gather(*(self.deliver(sender, row, now) for row in batch))
                self.record(batch, outcomes, now, summary)
        return summary

    def claim(self, now: datetime) -> list[dict]:
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
                .returning(Reminder.id, Reminder.endpoint, Reminder.p256dh, Reminder.auth, Reminder.next_due_at,
                           Reminder.timezone, Reminder.lang)
            ).all()
        return [
            {"id": r.id, "token": token, "endpoint": r.endpoint, "keys": {"p256dh": r.p256dh, "auth": r.auth},
             "due": from_naive_utc(r.next_due_at), "timezone": r.timezone, "lang": r.lang}
            for r in leased
        ]

    def message(self, lang: str) -> str:
        """The message in this language, as JSON text (made once per run)."""
        if lang not in self.messages:
            with self.app.app_context():
                self.messages[lang] = encode(payload(lang))
        return self.messages[lang]

    async def deliver(self, sender: Sender, row: dict, now: datetime) -> Outcome:
        """Send one reminder, unless it is too late to be welcome."""
        if now - row["due"] > LATE_LIMIT:
            return Outcome("skipped")
        ttl = int((end_of_evening(row["due"], row["timezone"]) - now).total_seconds())
        if ttl <= 0:
            return Outcome("skipped")
        subscription = {"endpoint": row["endpoint"], "keys": row["keys"]}
        try:
            return await sender.send(subscription, self.message(row["lang"]), ttl)
        except Exception as exc:  # a broken subscription must not stop the others
            log.warning("send to %s failed: %r", row["endpoint"][:60], exc)
            return Outcome("failed", detail=repr(exc))

    def record(self, batch: list[dict], outcomes: list[Outcome], now: datetime, summary: Summary) -> None:
        """Move each schedule on, prune dead subscriptions, and plan retries, in one transaction."""
        with self.db.session() as session:
            # Read again: a reminder may have been changed, deleted or re-leased while it was being sent.
            found = session.execute(
                select(Reminder.id, Reminder.lease_token, Reminder.attempts, Reminder.local_time,
                       Reminder.timezone, Reminder.days, Reminder.done_through)
                .where(Reminder.id.in_([row["id"] for row in batch]))
            ).all()
            reminders = {r.id: r for r in found}
            token = batch[0]["token"]  # one claim, one token
            gone, changes = [], []
            for row, outcome in zip(batch, outcomes):
                reminder = reminders.get(row["id"])
                if reminder is None or reminder.lease_token != token:
                    continue  # deleted or re-leased meanwhile
                if outcome.kind == "gone":
                    gone.append(reminder.id)
                    summary.pruned += 1
                    continue
                if outcome.kind == "retry":
                    retry_at = now + timedelta(seconds=outcome.retry_after_s or 60)
                    if reminder.attempts + 1 < MAX_ATTEMPTS and retry_at - row["due"] <= LATE_LIMIT:
                        changes.append({"row_id": reminder.id, "token": token,
                                        "next_due_at": to_naive_utc(row["due"]), "done_through": reminder.done_through,
                                        "retry_after": to_naive_utc(retry_at), "attempts": reminder.attempts + 1})
                        summary.retried += 1
                        continue
                    outcome = Outcome("failed", outcome.status, detail="gave up retrying")
                if outcome.kind == "failed":
                    log.warning("reminder %s not delivered: %s %s", reminder.id, outcome.status, outcome.detail)
                setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
                changes.append({"row_id": reminder.id, "token": token, **advance(reminder, row["due"], now)})
            if changes:
                session.execute(RECORD, changes)  # one executemany; only rows still leased by this dispatcher
            if gone:
                session.execute(delete(Reminder).where(Reminder.id.in_(gone), Reminder.lease_token == token))


RECORD = (
    update(Reminder.__table__)
    .where(Reminder.__table__.c.id == bindparam("row_id"), Reminder.__table__.c.lease_token == bindparam("token"))
    .values(lease_until=None, lease_token=None, next_due_at=bindparam("next_due_at"),
            done_through=bindparam("done_through"), retry_after=bindparam("retry_after"),
            attempts=bindparam("attempts"))
)


def advance(reminder: Row, due: datetime, now: datetime) -> dict:
    """Done for this local date: the changes that move it on to the next chosen day."""
    done = local_date(due, reminder.timezone)
    after = max(due, now - LATE_LIMIT)
    following = next_due_cached(reminder.local_time, reminder.timezone, reminder.days, after, done)
    return {"done_through": done, "retry_after": None, "attempts": 0, "next_due_at": to_naive_utc(following)}


@lru_cache(maxsize=4096)
def next_due_cached(local_time: str, zone: str, days: str, after: datetime, done: str) -> datetime:
    """Many reminders share a time, zone and days: the zone arithmetic is done once for them."""
    return next_due(local_time, zone, split_days(days), after, done)

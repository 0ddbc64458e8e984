"""The reminder dispatcher: send what is due, once per local date, and keep the schedule.

Any number of dispatchers may run: each claims a batch of due reminders (FOR
UPDATE SKIP LOCKED on PostgreSQL, and a conditional lease that SQLite honours
too), sends them concurrently over one HTTP session (asyncio), then records the
results in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from .db import get_db
from .models import Reminder
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
        return await sender.send(subscription, message, ttl)


class Dispatcher:
    """Sends due reminders for one app (one database)."""

    def __init__(self, app: Flask, workers: int = 64):
        self.app = app
        self.db = get_db(app)
        self.concurrency = workers
        self.headers = vapid_headers(app)  # kept across runs: signed once per push service

    def run_once(self, now: datetime | None = None) -> Summary:
        """Send everything due at or before `now` (aware UTC; default: the real now)."""
        return run_coroutine(self.run(now or datetime.now(UTC)))

    async def run(self, now: datetime) -> Summary:
        summary = Summary()
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
        with self.db.session() as session:
            ids = session.execute(
                select(Reminder.id)
                .where(Reminder.next_due_at <= stamp, free)
                .where(or_(Reminder.retry_after.is_(None), Reminder.retry_after <= stamp))
                .order_by(Reminder.next_due_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).scalars().all()
            if not ids:
                return []
            # Conditional: a row another dispatcher leased meanwhile is left to it.
            session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids), free)
                .values(lease_until=to_naive_utc(now + LEASE), lease_token=token)
            )
        with self.db.session() as session:
            rows = session.execute(select(Reminder).where(Reminder.lease_token == token)).scalars().all()
            return [
                {"id": r.id, "token": token, "endpoint": r.endpoint, "keys": {"p256dh": r.p256dh, "auth": r.auth},
                 "due": from_naive_utc(r.next_due_at), "timezone": r.timezone, "lang": r.lang}
                for r in rows
            ]

    async def deliver(self, sender: Sender, row: dict, now: datetime) -> Outcome:
        """Send one reminder, unless it is too late to be welcome."""
        if now - row["due"] > LATE_LIMIT:
            return Outcome("skipped")
        ttl = int((end_of_evening(row["due"], row["timezone"]) - now).total_seconds())
        if ttl <= 0:
            return Outcome("skipped")
        subscription = {"endpoint": row["endpoint"], "keys": row["keys"]}
        try:
            return await sender.send(subscription, payload(row["lang"]), ttl)
        except Exception as exc:  # a broken subscription must not stop the others
            log.warning("send to %s failed: %r", row["endpoint"][:60], exc)
            return Outcome("failed", detail=repr(exc))

    def record(self, batch: list[dict], outcomes: list[Outcome], now: datetime, summary: Summary) -> None:
        """Move each schedule on, prune dead subscriptions, and plan retries, in one transaction."""
        with self.db.session() as session:
            found = session.execute(
                select(Reminder).where(Reminder.id.in_([row["id"] for row in batch])).execution_options(autoflush=False)
            ).scalars()
            reminders = {r.id: r for r in found}
            gone, changes = [], []
            for row, outcome in zip(batch, outcomes):
                reminder = reminders.get(row["id"])
                if reminder is None or reminder.lease_token != row["token"]:
                    continue  # deleted or re-leased meanwhile
                change = {"id": reminder.id, "lease_until": None, "lease_token": None}
                if outcome.kind == "gone":
                    gone.append(reminder.id)
                    summary.pruned += 1
                    continue
                if outcome.kind == "retry":
                    retry_at = now + timedelta(seconds=outcome.retry_after_s or 60)
                    if reminder.attempts + 1 < MAX_ATTEMPTS and retry_at - row["due"] <= LATE_LIMIT:
                        change.update(retry_after=to_naive_utc(retry_at), attempts=reminder.attempts + 1)
                        changes.append(change)
                        summary.retried += 1
                        continue
                    outcome = Outcome("failed", outcome.status, detail="gave up retrying")
                if outcome.kind == "failed":
                    log.warning("reminder %s not delivered: %s %s", reminder.id, outcome.status, outcome.detail)
                setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
                change.update(self.advance(reminder, row["due"], now))
                changes.append(change)
            session.expunge_all()  # the writes below go straight to the table
            if changes:
                session.execute(update(Reminder), changes)  # one executemany by primary key
            if gone:
                session.execute(delete(Reminder).where(Reminder.id.in_(gone)))

    @staticmethod
    def advance(reminder: Reminder, due: datetime, now: datetime) -> dict:
        """Done for this local date: the changes that move it on to the next chosen day."""
        done = local_date(due, reminder.timezone)
        after = max(due, now - LATE_LIMIT)
        following = next_due(reminder.local_time, reminder.timezone, reminder.day_list(), after, done)
        return {"done_through": done, "retry_after": None, "attempts": 0, "next_due_at": to_naive_utc(following)}

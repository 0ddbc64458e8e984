"""What became of each reminder a dispatcher sent, counted and written to the database.

Classes: sent; pruned (the push service said the subscription is gone); retrying
(429, 5xx, no answer, or its push service is paused: tried again later within
the 2-hour window); skipped-late (still not delivered when the window closed,
or due too long ago: never sent in the middle of the night); failed (refused
for good: another 4xx, a redirect, an endpoint no longer allowed).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, select, update

from ..db import Database
from .backoff import RETRY_BASE, RETRY_CAP, jittered
from .models import Reminder
from .schedule import LATE_LIMIT, advance, end_of_evening, to_naive_utc

if TYPE_CHECKING:
    from .sending import Outcome

log = logging.getLogger("calmcalf.dispatch")


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


@dataclass
class Summary:
    sent: int = 0
    pruned: int = 0
    retrying: int = 0
    skipped_late: int = 0
    failed: int = 0
    reasons: dict = field(default_factory=dict)  # "class: why" → how many

    def line(self) -> str:
        return (
            f"sent={self.sent} pruned={self.pruned} retrying={self.retrying} "
            f"skipped-late={self.skipped_late} failed={self.failed}"
        )

    def why(self) -> str:
        """Each class but sent, with its reasons and counts."""
        return "; ".join(f"{reason} ×{count}" for reason, count in sorted(self.reasons.items()))

    def count(self, kind: str, reason: str = "") -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if reason:
            self.reasons[f"{kind.replace('_', '-')}: {reason}"] = (
                self.reasons.get(f"{kind.replace('_', '-')}: {reason}", 0) + 1
            )

    @classmethod
    def total(cls, parts: list[dict]) -> Summary:
        """The sum of several dispatchers' summaries (as dicts)."""
        reasons: Counter = Counter()
        for part in parts:
            reasons.update(part.get("reasons", {}))
        numbers = {
            key: sum(part[key] for part in parts) for key in ("sent", "pruned", "retrying", "skipped_late", "failed")
        }
        return cls(**numbers, reasons=dict(reasons))


def retry_plan(row: Claimed, attempts: int, outcome: Outcome, now: datetime, rng: random.Random) -> dict | None:
    """When to try again, within the reminder's window; None when the window has closed."""
    if outcome.kind == "deferred":
        at = outcome.retry_at or now
    else:
        at = now + jittered(RETRY_BASE, attempts, RETRY_CAP, rng)
        at = max(at, outcome.retry_at or at)  # never before the push service's Retry-After
        attempts += 1
    closes = min(row.due + LATE_LIMIT, end_of_evening(row.due, row.timezone))
    at = min(at, closes)  # one last try as the window closes
    if at <= now:
        return None
    return {"next_due_at": to_naive_utc(row.due), "retry_after": to_naive_utc(at), "attempts": attempts}


def record(
    db: Database, group: list[tuple[Claimed, Outcome]], now: datetime, summary: Summary, rng: random.Random
) -> None:
    """Move each schedule on, prune dead subscriptions, and plan retries, in one transaction."""
    with db.session() as session:
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
            ).where(Reminder.id.in_([row.id for row, _ in group]))
        ).all()
        reminders = {r.id: r for r in found}
        gone, changes = [], []
        for row, outcome in group:
            reminder = reminders.get(row.id)
            if reminder is None or reminder.lease_token != row.token:
                continue  # deleted or re-leased meanwhile
            if outcome.kind == "gone":
                gone.append((reminder.id, row.token))
                summary.count("pruned", f"HTTP {outcome.status}")
                continue
            change = {"row_id": reminder.id, "token": row.token}
            if outcome.kind in ("retry", "deferred"):
                plan = retry_plan(row, reminder.attempts, outcome, now, rng)
                if plan is not None:
                    changes.append({**change, "done_through": reminder.done_through, **plan})
                    summary.count("retrying", outcome.detail)
                    continue
                outcome_class, why = "skipped_late", f"{outcome.detail} until the 2-hour window closed"
            elif outcome.kind == "late":
                outcome_class, why = "skipped_late", outcome.detail
            else:
                outcome_class, why = outcome.kind, outcome.detail
            if outcome_class != "sent":
                log.warning("reminder %s %s: %s", reminder.id, outcome_class.replace("_", "-"), why)
            summary.count(outcome_class, why if outcome_class != "sent" else "")
            changes.append({**change, **advance(reminder.local_time, reminder.timezone, reminder.days, row.due, now)})
        if changes:
            session.execute(RECORD, changes)  # one executemany; only rows still leased by this dispatcher
        for row_id, token in gone:
            session.execute(delete(Reminder).where(Reminder.id == row_id, Reminder.lease_token == token))


REMINDERS = Reminder.__table__
RECORD = (
    update(REMINDERS)  # type: ignore[arg-type]
    .where(REMINDERS.c.id == bindparam("row_id"), REMINDERS.c.lease_token == bindparam("token"))
    .values(
        lease_until=None,
        lease_token=None,
        next_due_at=bindparam("next_due_at"),
        done_through=bindparam("done_through"),
        retry_after=bindparam("retry_after"),
        attempts=bindparam("attempts"),
    )
)

"""What became of each reminder a dispatcher sent, counted and written to the database.

Classes: sent; pruned (the push service said the subscription is gone); retrying
(429, 5xx, no answer, or its push service is paused: tried again later within
the 2-hour window); skipped-late (still not delivered when the window closed,
or due too long ago: never sent in the middle of the night); failed (refused
for good: another 4xx, a redirect, an endpoint no longer allowed, or a VAPID subject
no push service can reach). Each reason carries the push service's own words.

A push service that takes other subscriptions' messages but refuses this one with
400, 401, 403 or 413 on PARK_AFTER_NIGHTS nights in a row parks it: it is kept (a
save brings it back) but no longer claimed, so a bogus row costs nothing each night.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import bindparam, delete, null, select, update

from ..db import Database
from .backoff import RETRY_BASE, RETRY_CAP, jittered
from .models import Reminder
from .schedule import LATE_LIMIT, advance, end_of_evening, to_naive_utc

if TYPE_CHECKING:
    from .answers import Outcome

log = logging.getLogger("calmcalf.dispatch")

# Refusals of one subscription that no retry can change. Parked only after three nights in a row: one
# night can be the push service's own bad day or a setting being fixed, and three tries cost little.
PARKING_STATUSES = frozenset((400, 401, 403, 413))
PARK_AFTER_NIGHTS = 3


@dataclass(slots=True)  # made by the thousand: slots, and not frozen (a frozen __init__ is slower)
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
    # The schedule as claimed: the answer is recorded from these unless a save changed the row meanwhile.
    local_time: str
    days: str
    attempts: int
    done_through: str | None
    updated_at: datetime
    refused_nights: int
    quiet: bool = False  # no sound or vibration when it arrives


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
    """Move each schedule on, prune dead subscriptions, and plan retries, in one transaction.

    Usually from what the claim read, with no second read: each write is guarded by the
    lease and by the row's `updated_at` as claimed. If any row was changed (a save),
    deleted or re-leased while it was being sent, the group is recorded again the
    careful way, from the rows as they are now.
    """
    plans = [_plan(row, outcome, row, now, rng) for row, outcome in group]
    changes = [
        {**plan.change, "seen": row.updated_at} for (row, _), plan in zip(group, plans, strict=True) if plan.change
    ]
    gone = [{"row_id": row.id, "token": row.token} for (row, _), plan in zip(group, plans, strict=True) if plan.gone]
    with db.engine.connect() as connection:
        transaction = connection.begin()
        # One executemany each; rowcount is the rows matched in all (both drivers count executemany).
        updated = connection.execute(RECORD_AS_CLAIMED, changes).rowcount if changes else 0
        deleted = connection.execute(PRUNE, gone).rowcount if gone else 0
        if updated == len(changes) and deleted == len(gone):
            transaction.commit()
            for plan in plans:
                plan.count(summary)
            return
        transaction.rollback()
    _record_as_stored(db, group, now, summary, rng)


@dataclass
class _Plan:
    """What one answer does to its row, and how it is counted."""

    change: dict | None = None  # the guarded UPDATE's parameters
    gone: bool = False  # delete the row (the subscription is dead)
    counted: tuple[str, str] = ("sent", "")
    warning: str = ""

    def count(self, summary: Summary) -> None:
        if self.warning:
            log.warning("%s", self.warning)
        summary.count(*self.counted)


class _Schedule(Protocol):
    """A row's schedule: as claimed (Claimed) or as read again (a result row)."""

    @property
    def attempts(self) -> int: ...
    @property
    def local_time(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def days(self) -> str: ...
    @property
    def done_through(self) -> str | None: ...
    @property
    def refused_nights(self) -> int: ...


def _plan(row: Claimed, outcome: Outcome, schedule: _Schedule, now: datetime, rng: random.Random) -> _Plan:
    """The change for one answer, from the row's schedule (as claimed, or as read again)."""
    if outcome.kind == "gone":
        return _Plan(gone=True, counted=("pruned", outcome.detail))
    change = {"row_id": row.id, "token": row.token, **_refusals(outcome, schedule)}
    if outcome.kind in ("retry", "deferred"):
        plan = retry_plan(row, schedule.attempts, outcome, now, rng)
        if plan is not None:
            return _Plan(
                {**change, "done_through": schedule.done_through, **plan}, counted=("retrying", outcome.detail)
            )
        outcome_class, why = "skipped_late", f"{outcome.detail} until the 2-hour window closed"
    elif outcome.kind == "late":
        outcome_class, why = "skipped_late", outcome.detail
    else:  # sent, or failed for one of its reasons
        outcome_class, why = ("sent" if outcome.kind == "sent" else "failed"), outcome.detail
        if change["parked"]:
            why += f"; parked after {PARK_AFTER_NIGHTS} nights"
    # (Not a line per reminder for our own setting: the summary and the start say it once.)
    quiet = outcome_class == "sent" or outcome.kind == "misconfigured"
    warning = "" if quiet else f"reminder {row.id} {outcome_class.replace('_', '-')}: {why}"
    moved = advance(schedule.local_time, schedule.timezone, schedule.days, row.due, now)
    return _Plan({**change, **moved}, counted=(outcome_class, why if outcome_class != "sent" else ""), warning=warning)


def _refusals(outcome: Outcome, schedule: _Schedule) -> dict:
    """Nights in a row its push service refused this subscription, and whether that parks it.

    A send ends the run of refusals; "refused" is a failure the dispatcher judged to be this
    subscription's own (its push service took others' messages meanwhile).
    """
    if outcome.kind == "sent":
        return {"refused_nights": 0, "parked": None}
    if outcome.kind != "refused":
        return {"refused_nights": schedule.refused_nights, "parked": None}
    nights = schedule.refused_nights + 1
    return {"refused_nights": nights, "parked": outcome.detail[:200] if nights >= PARK_AFTER_NIGHTS else None}


def _record_as_stored(
    db: Database, group: list[tuple[Claimed, Outcome]], now: datetime, summary: Summary, rng: random.Random
) -> None:
    """Record from the rows as they are now: some changed, went or were re-leased while being sent."""
    with db.session() as session:
        found = session.execute(
            select(
                Reminder.id,
                Reminder.lease_token,
                Reminder.attempts,
                Reminder.local_time,
                Reminder.timezone,
                Reminder.days,
                Reminder.done_through,
                Reminder.refused_nights,
            ).where(Reminder.id.in_([row.id for row, _ in group]))
        ).all()
        reminders = {r.id: r for r in found}
        changes, gone = [], []
        for row, outcome in group:
            reminder = reminders.get(row.id)
            if reminder is None or reminder.lease_token != row.token:
                continue  # deleted or re-leased meanwhile
            plan = _plan(row, outcome, reminder, now, rng)
            if plan.gone:
                gone.append({"row_id": row.id, "token": row.token})
            elif plan.change:
                changes.append(plan.change)
            plan.count(summary)
        if changes:
            session.execute(RECORD, changes)  # one executemany; only rows still leased by this dispatcher
        if gone:
            session.execute(PRUNE, gone)


REMINDERS = Reminder.__table__
RECORD = (
    update(REMINDERS)  # type: ignore[arg-type]
    .where(REMINDERS.c.id == bindparam("row_id"), REMINDERS.c.lease_token == bindparam("token"))
    .values(
        lease_until=null(),  # literals, not parameters: nothing to convert per row
        lease_token=null(),
        next_due_at=bindparam("next_due_at"),
        done_through=bindparam("done_through"),
        retry_after=bindparam("retry_after"),
        attempts=bindparam("attempts"),
        refused_nights=bindparam("refused_nights"),
        parked=bindparam("parked"),
    )
)
# The same, only while the row is as claimed (no save changed it since).
RECORD_AS_CLAIMED = RECORD.where(REMINDERS.c.updated_at == bindparam("seen"))
PRUNE = delete(REMINDERS).where(  # type: ignore[arg-type]
    REMINDERS.c.id == bindparam("row_id"), REMINDERS.c.lease_token == bindparam("token")
)

"""When a reminder is next due, in UTC, from a local time, an IANA zone and days.

A local time that does not exist (the spring-forward gap) is due at the first
instant after the gap; an ambiguous one (fall-back) is due at its first
occurrence only. At most one reminder per local date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..weekdays import DAYS

LATE_LIMIT = timedelta(hours=2)  # later than this, a reminder would wake people: skip it


def split_days(days: str | None) -> list[str]:
    """The stored "mon,tue,…" as a list."""
    return days.split(",") if days else []


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock time (naive) at a UTC instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone` (aware, UTC)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # the earlier reading if ambiguous
    if _wall(first, zone) == wall:
        return first
    # In a gap: the first whole second whose wall clock reads `wall` or later.
    ends = (int(first.timestamp()), int(wall.replace(tzinfo=zone, fold=1).timestamp()))
    low, high = min(ends), max(ends)
    while low < high:
        mid = (low + high) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), zone) >= wall:
            high = mid
        else:
            low = mid + 1
    return datetime.fromtimestamp(low, UTC)


def next_due(
    local_time: str, zone_name: str, days: list[str], after: datetime, sent_through: str | None = None
) -> datetime:
    """The first due instant at or after `after` (aware UTC), on a chosen day later than `sent_through`."""
    zone = ZoneInfo(zone_name)
    at = time.fromisoformat(local_time)
    last = date.fromisoformat(sent_through) if sent_through else None
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(16):
        day = start + timedelta(days=offset)
        if DAYS[day.weekday()] not in days or (last and day <= last):
            continue
        instant = local_instant(day, at, zone)
        if instant >= after:
            return instant
    raise ValueError("no day chosen")  # validation guarantees at least one day


def local_date(instant: datetime, zone_name: str) -> str:
    """The local calendar date (ISO) at a UTC instant."""
    return instant.astimezone(ZoneInfo(zone_name)).date().isoformat()


@lru_cache(maxsize=4096)  # reminders sent together share it
def end_of_evening(instant: datetime, zone_name: str) -> datetime:
    """Local midnight after `instant`, in UTC: reminders are not worth showing later."""
    zone = ZoneInfo(zone_name)
    next_day = instant.astimezone(zone).date() + timedelta(days=1)
    return local_instant(next_day, time(0, 0), zone)


def to_naive_utc(instant: datetime) -> datetime:
    """How the database stores instants."""
    return instant.astimezone(UTC).replace(tzinfo=None)


def from_naive_utc(stored: datetime) -> datetime:
    return stored.replace(tzinfo=UTC)


def advance(local_time: str, zone_name: str, days: str, due: datetime, now: datetime) -> dict:
    """Done for the local date of `due`: the changes that move a reminder on to its next chosen day."""
    done, following = _advanced(local_time, zone_name, days, due, max(due, now - LATE_LIMIT))
    return {"done_through": done, "retry_after": None, "attempts": 0, "next_due_at": following}


@lru_cache(maxsize=4096)
def _advanced(local_time: str, zone_name: str, days: str, due: datetime, after: datetime) -> tuple[str, datetime]:
    """Many reminders share a time, zone, days and due time: the zone arithmetic is done once for them.

    (The local date done, and the next due time as stored.)
    """
    done = local_date(due, zone_name)
    return done, to_naive_utc(next_due(local_time, zone_name, split_days(days), after, done))

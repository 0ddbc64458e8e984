"""Tonight's reminder: put off once ("Later"), or skipped because tonight's routine is done.

Both change only the reminder's schedule, so the dispatcher needs to know nothing
about them: a snooze moves `next_due_at` to 30 minutes from now, and the send
that follows moves the schedule on to the next chosen day as every send does; a
night marked done moves the schedule past that night at once (`done_through`
is the last local date sent or skipped). The lease is dropped too, so a
dispatcher holding the row cannot write tonight's schedule back.

"Tonight" for a snooze is the local evening of the reminder's time zone (a
snooze must be sent before local midnight, like every reminder). A night marked
done is named as the device names it, by its evening's date, a night running
from noon to noon (static/js/nights.js): the routine done at 00:30 belongs to the
evening before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import Reminder
from .schedule import end_of_evening, from_naive_utc, local_date, local_instant, next_due, to_naive_utc
from .validation import Invalid

SNOOZE = timedelta(minutes=30)
NOON = time(12, 0)


def night_of(instant: datetime, zone_name: str) -> str:
    """The night (named by its evening's date) that a UTC instant falls in, in this zone."""
    wall = instant.astimezone(ZoneInfo(zone_name))
    day = wall.date() if wall.time() >= NOON else wall.date() - timedelta(days=1)
    return day.isoformat()


def night_bounds(night: str, zone_name: str) -> tuple[datetime, datetime]:
    """The night's start and end (noon to noon, local), as aware UTC instants."""
    zone = ZoneInfo(zone_name)
    evening = date.fromisoformat(night)
    return local_instant(evening, NOON, zone), local_instant(evening + timedelta(days=1), NOON, zone)


def _release(reminder: Reminder, now: datetime) -> None:
    """No retry plan, no lease: a dispatcher's answer for this row is no longer written."""
    reminder.updated_at = to_naive_utc(now)  # changed since claimed: the dispatcher records it as stored
    reminder.retry_after = None
    reminder.attempts = 0
    reminder.lease_until = None
    reminder.lease_token = None


def snooze(reminder: Reminder, now: datetime) -> datetime:
    """Send tonight's reminder once more, 30 minutes from now (aware UTC); refuse with a 409 otherwise.

    `reminder` is the stored row, locked for the change (service.owned).
    """
    zone = reminder.timezone
    today = local_date(now, zone)
    if reminder.night_done == night_of(now, zone):
        raise Invalid("endpoint: tonight's routine is already done, so there is no reminder to put off", 409)
    if reminder.snoozed_on == today:
        raise Invalid("endpoint: tonight's reminder was already put off once (one 'Later' per evening)", 409)
    if (reminder.done_through or "") < today:
        raise Invalid("endpoint: tonight's reminder has not been sent yet, so there is nothing to put off", 409)
    at = now + SNOOZE
    if at >= end_of_evening(now, zone):
        raise Invalid("endpoint: it is too late tonight for another reminder", 409)
    reminder.next_due_at = reminder.snoozed_until = to_naive_utc(at)
    reminder.snoozed_on = today
    _release(reminder, now)
    return at


def mark_done(reminder: Reminder, night: str, now: datetime) -> Reminder:
    """Tonight's routine is done on the device: skip what is still to come tonight (a snooze too)."""
    zone = reminder.timezone
    tonight = night_of(now, zone)
    if night != tonight:
        raise Invalid(f"night: {night} is not tonight ({tonight} in {zone}); nothing was changed", 409)
    reminder.night_done = night
    start, end = night_bounds(night, zone)
    due = from_naive_utc(reminder.next_due_at)
    if start <= due < end:  # tonight's reminder (or its snooze) is still to come: skip it
        skipped = local_date(due, zone)
        reminder.done_through = max(reminder.done_through or "", skipped)
        following = next_due(reminder.local_time, zone, reminder.day_list(), now, reminder.done_through)
        reminder.next_due_at = to_naive_utc(following)
        _release(reminder, now)
    return reminder


def snooze_pending(reminder: Reminder) -> bool:
    """Whether the next send is tonight's snooze (sending it moves `next_due_at` on)."""
    return reminder.snoozed_until is not None and reminder.next_due_at == reminder.snoozed_until


@dataclass(frozen=True)
class Tonight:
    """What the Reminders page says about tonight."""

    done: bool  # the routine is done: no reminder tonight
    snoozed_until: datetime | None  # one more reminder then (aware UTC)


def tonight(reminder: Reminder, now: datetime) -> Tonight:
    done = reminder.night_done == night_of(now, reminder.timezone)
    due = from_naive_utc(reminder.next_due_at)
    snoozed = due if not done and snooze_pending(reminder) and due > now - timedelta(hours=2) else None
    return Tonight(done, snoozed)

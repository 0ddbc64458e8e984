"""Next due instants: local time, days of the week, and daylight-saving edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.reminders.schedule import end_of_evening, local_date, next_due

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        ("Europe/London", "2026-11-22T12:00", "2026-11-22T21:30"),  # GMT
        ("America/New_York", "2026-11-22T12:00", "2026-11-23T02:30"),  # EST, -5
        ("Asia/Tokyo", "2026-11-22T00:00", "2026-11-22T12:30"),  # JST, +9
        ("Asia/Kolkata", "2026-11-22T00:00", "2026-11-22T16:00"),  # IST, +5:30
    ],
)
def test_due_at_the_local_time_in_each_zone(zone, after, expected):
    assert next_due("21:30", zone, EVERY_DAY, utc(after)) == utc(expected)


def test_a_time_already_passed_today_is_due_tomorrow():
    assert next_due("21:30", "Europe/London", EVERY_DAY, utc("2026-11-22T21:31")) == utc("2026-11-23T21:30")


def test_only_on_chosen_days():
    # 22 Nov 2026 is a Sunday.
    assert next_due("21:30", "Europe/London", ["wed"], utc("2026-11-22T12:00")) == utc("2026-11-25T21:30")


def test_never_twice_on_a_local_date():
    due = next_due("21:30", "Europe/London", EVERY_DAY, utc("2026-11-22T12:00"), sent_through="2026-11-22")
    assert due == utc("2026-11-23T21:30")


@pytest.mark.parametrize(
    ("zone", "at", "after", "expected", "why"),
    [
        ("America/New_York", "02:30", "2026-03-08T05:00", "2026-03-08T07:00", "02:30 does not exist: 03:00 EDT"),
        ("Europe/London", "01:30", "2026-03-28T23:00", "2026-03-29T01:00", "01:30 does not exist: 02:00 BST"),
        ("America/New_York", "01:30", "2026-11-01T04:00", "2026-11-01T05:30", "01:30 twice: the first, EDT"),
        ("Europe/London", "01:30", "2026-10-24T23:00", "2026-10-25T00:30", "01:30 twice: the first, BST"),
        ("America/New_York", "21:30", "2026-03-08T12:00", "2026-03-09T01:30", "the evening after: EDT"),
        ("Europe/London", "21:30", "2026-10-25T12:00", "2026-10-25T21:30", "the evening after: GMT"),
    ],
)
def test_daylight_saving_edges(zone, at, after, expected, why):
    assert next_due(at, zone, EVERY_DAY, utc(after)) == utc(expected), why


def test_an_ambiguous_time_is_due_once():
    first = next_due("01:30", "America/New_York", EVERY_DAY, utc("2026-11-01T04:00"))
    # After sending, the repeat of 01:30 an hour later is not due again that date.
    again = next_due("01:30", "America/New_York", EVERY_DAY, first, sent_through=local_date(first, "America/New_York"))
    assert again == utc("2026-11-02T06:30")


def test_the_evening_ends_at_local_midnight():
    assert end_of_evening(utc("2026-11-22T21:30"), "Europe/London") == utc("2026-11-23T00:00")
    assert end_of_evening(utc("2026-11-23T02:30"), "America/New_York") == utc("2026-11-23T05:00")

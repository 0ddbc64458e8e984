"""Back-off rules: per reminder (jittered, exponential, Retry-After) and per push service."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from app.reminders.backoff import ORIGIN_CAP, PROBES, RETRY_BASE, RETRY_CAP, Origins, jittered, retry_after

NOW = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
ORIGIN = "https://fcm.googleapis.com"


def test_retry_delays_double_with_jitter_up_to_the_cap():
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(RETRY_CAP, RETRY_BASE * 2**attempt)
        delays = {jittered(RETRY_BASE, attempt, RETRY_CAP, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 40  # spread, not one instant for everyone


def test_retry_after_in_seconds_or_as_an_http_date():
    assert retry_after("120", NOW) == NOW + timedelta(seconds=120)
    assert retry_after(format_datetime(NOW + timedelta(minutes=5), usegmt=True), NOW) == NOW + timedelta(minutes=5)
    assert retry_after(format_datetime(NOW - timedelta(minutes=5), usegmt=True), NOW) == NOW  # already past
    for unreadable in (None, "", "soon", "١٢٠", "-5", "Mon, 99 Foo 2026"):
        assert retry_after(unreadable, NOW) is None


def test_a_failing_push_service_is_paused_then_probed_then_reopened():
    origins = Origins(random.Random(2))
    for _ in range(2):
        assert origins.gate(ORIGIN, NOW) == (None, False)
        origins.answered(ORIGIN, True, None, NOW, False)
    assert origins.gate(ORIGIN, NOW) == (None, False)
    origins.answered(ORIGIN, True, None, NOW, False)  # the third failure in a row pauses it
    wait, _ = origins.gate(ORIGIN, NOW + timedelta(seconds=1))
    assert wait is not None and NOW + timedelta(seconds=15) <= wait
    later = wait + timedelta(seconds=11)
    gates = [origins.gate(ORIGIN, later) for _ in range(PROBES + 3)]
    assert [probe for _, probe in gates[:PROBES]] == [True] * PROBES  # a few probes go first
    assert all(wait is not None for wait, _ in gates[PROBES:])  # the rest wait for their answer
    origins.answered(ORIGIN, False, None, later, True)  # one probe got through
    assert origins.gate(ORIGIN, later) == (None, False)


def test_repeated_pauses_grow_to_the_cap_and_honour_retry_after():
    origins = Origins(random.Random(3))
    now = NOW
    pauses = []
    for _ in range(12):
        for _ in range(3):
            origins.answered(ORIGIN, True, None, now, False)
        until = origins.state[ORIGIN].until
        pauses.append(until - now)
        now = until
    assert pauses[1] > pauses[0] and max(pauses) <= ORIGIN_CAP
    origins.answered(ORIGIN, True, now + timedelta(hours=1), now, False)
    assert origins.state[ORIGIN].until == now + timedelta(hours=1)

"""Back-off after failed sends: per reminder, and per push service as a whole.

A reminder that gets a 429, a 5xx or no answer is tried again after an
exponential delay with jitter (30 s, 60 s, 2 min, … up to 15 min, each drawn
from the upper half of its range), and never before the push service's
`Retry-After`. A push service (origin) that fails several times in a row is
left alone for a while (30 s doubling up to 10 min, jittered): the reminders
waiting for it are deferred, not sent, so an outage is not hammered by every
reminder at once. When its pause ends a few probes go first; one success
reopens it for everyone.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

log = logging.getLogger("calmcalf.dispatch")

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=15)
ORIGIN_BASE = timedelta(seconds=30)
ORIGIN_CAP = timedelta(minutes=10)
OPEN_AFTER = 3  # retryable failures in a row before a push service is paused
PROBES = 4  # sends at once to a push service whose pause has just ended
PROBE_WAIT = timedelta(seconds=15)  # others wait this long for the probes' answers
SPREAD = timedelta(seconds=10)  # deferred reminders come back spread over this, not all at one instant


def jittered(base: timedelta, attempt: int, cap: timedelta, rng: random.Random) -> timedelta:
    """base × 2^attempt (at most cap), drawn from the upper half of that range."""
    ceiling = min(cap, base * (1 << min(attempt, 20)))
    return ceiling * rng.uniform(0.5, 1.0)


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """The instant a Retry-After header names (seconds or an HTTP date), or None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return now + timedelta(seconds=min(int(value), 86400))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(now, moment if moment.tzinfo else moment.replace(tzinfo=UTC))


@dataclass
class Origin:
    """What a dispatcher knows about one push service."""

    failures: int = 0  # retryable failures in a row
    paused: int = 0  # pauses in a row (the exponent of the next one)
    until: datetime | None = None
    probing: int = 0


class Origins:
    """The pause state of every push service this dispatcher has talked to."""

    def __init__(self, rng: random.Random | None = None):
        self.rng = rng or random.Random()
        self.state: dict[str, Origin] = {}

    def _state(self, origin: str) -> Origin:
        """This push service's state (made at the first look; no throwaway Origin at every later one)."""
        state = self.state.get(origin)
        if state is None:
            state = self.state[origin] = Origin()
        return state

    def gate(self, origin: str, now: datetime) -> tuple[datetime | None, bool]:
        """(defer until, None to send now; whether this send is a probe)."""
        state = self._state(origin)
        if state.until and now < state.until:
            return state.until + SPREAD * self.rng.random(), False
        if state.paused:
            if state.probing >= PROBES:
                return now + PROBE_WAIT + SPREAD * self.rng.random(), False
            state.probing += 1
            return None, True
        return None, False

    def answered(
        self, origin: str, retryable: bool | None, hint: datetime | None, now: datetime | None, probe: bool
    ) -> None:
        """Learn from one answer: any answer but 429/5xx reopens; repeated failures pause (None: no news).

        `now` is needed only for a failure (None will do otherwise: most answers are successes).
        """
        state = self._state(origin)
        if probe:
            state.probing -= 1
        if retryable is None:
            return
        if not retryable:
            if state.paused:
                log.info("push service %s answers again", origin)
            state.failures, state.paused, state.until = 0, 0, None
            return
        assert now is not None, "a failure is timed"
        if state.until and now < state.until:
            return  # sent before the pause began: already counted
        state.failures += 1
        if state.paused or state.failures >= OPEN_AFTER:
            state.until = max(now + jittered(ORIGIN_BASE, state.paused, ORIGIN_CAP, self.rng), hint or now)
            state.paused += 1
            state.failures = 0
            log.warning("push service %s is failing: paused until %s", origin, state.until.isoformat())

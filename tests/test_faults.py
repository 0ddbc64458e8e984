"""Outages of the push service, with 500 reminders due at once, on SQLite and on PostgreSQL.

The dispatcher runs every 30 s of simulated time (`run_once(now)`), as `serve`
does in real time, against the fake push service, which verifies VAPID and
decrypts every message. What people got is counted from its own records.

500 is two claims of BATCH (250) and many times the sends in flight, so every
path of the outages (the origin's pause and probes, each reminder's back-off,
the late skip, a lease taken over from a killed dispatcher) is walked as with
more; the figures in docs/reliability.md are for 2,000: `CALMCALF_TEST_FAULT_N=2000` runs that.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import func, insert, select

from app.db import get_db
from app.reminders.dispatch import BATCH, RECORD_GROUP, Dispatcher
from app.reminders.models import Reminder
from app.reminders.outcomes import Summary
from tests.conftest import figures_printed_after, make_app

pytestmark = pytest.mark.slow  # hundreds of reminders through every outage
N = int(os.environ.get("CALMCALF_TEST_FAULT_N", "500"))
KILL_AT = min(300, N * 3 // 5)  # delivered when the dispatcher is killed: mid-send, into its second batch
assert N >= 2 * BATCH and BATCH < KILL_AT < N, "fewer would not claim twice or kill mid-run"
DUE = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # 21:30 in London (GMT in November)
STEP = timedelta(seconds=30)
FIGURES: list[str] = []  # printed at the end of the run, for docs/reliability.md


show_figures = figures_printed_after("fault figures", FIGURES)


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(tmp_path, database_url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"])


def due_reminders(app, push, n: int = N) -> list:
    """n subscriptions, each with a reminder due at DUE (written in one statement: the API is tested elsewhere)."""
    subscribers = [push.subscriber() for _ in range(n)]
    stamp = DUE.replace(tzinfo=None)
    rows = []
    for sub in subscribers:
        keys = sub.subscription()["keys"]
        rows.append(
            {
                "endpoint": sub.endpoint,
                "p256dh": keys["p256dh"],
                "auth": keys["auth"],
                "local_time": "21:30",
                "timezone": "Europe/London",
                "days": "mon,tue,wed,thu,fri,sat,sun",
                "next_due_at": stamp,
                "attempts": 0,
                "lang": "en",
                "created_at": stamp - timedelta(days=1),
                "updated_at": stamp - timedelta(days=1),
            }
        )
    with get_db(app).session() as session:
        session.execute(insert(Reminder), rows)
    return subscribers


def drive(dispatcher: Dispatcher, start: datetime, end: datetime, at=None) -> tuple[Summary, datetime | None]:
    """Run the dispatcher every STEP from start to end; `at(now)` changes the world first.

    Returns the summed summary and the last simulated instant at which anything was sent.
    """
    total, last_sent, now = Summary(), None, start
    while now <= end:
        if at:
            at(now)
        summary = dispatcher.run_once(now)
        if summary.sent:
            last_sent = now
        total = Summary.total([vars(total), vars(summary)])
        now += STEP
    return total, last_sent


def outage(push, start: datetime, end: datetime, kind: str):
    """A world-changer for drive(): the push service fails from start until end.

    503; 429 with a Retry-After HTTP date naming the end; or refused (nothing listens).
    """

    def at(now: datetime) -> None:
        failing = start <= now < end
        if kind == "503":
            push.outage = (503, {}) if failing else None
        elif kind == "429":
            push.outage = (429, {"Retry-After": format_datetime(end, usegmt=True)}) if failing else None
        elif failing:
            push.refuse()
        else:
            push.restore()

    return at


def tried_in_vain(total: Summary) -> int:
    """Sends that met the outage (a 503 or no connection), from the dispatcher's own reasons."""
    return sum(n for why, n in total.reasons.items() if any(w in why for w in ("HTTP 503", "HTTP 429", "no answer")))


@pytest.mark.parametrize(("kind", "minutes"), [("503", 10), ("429", 10), ("refused", 90)])
def test_an_outage_inside_the_window_loses_and_doubles_nothing(app, push, database_url, kind, minutes):
    subscribers = due_reminders(app, push)
    dispatcher = Dispatcher(app, workers=64, rng=random.Random(minutes))
    at = outage(push, DUE, DUE + timedelta(minutes=minutes), kind)
    total, last_sent = drive(dispatcher, DUE, DUE + timedelta(hours=2, minutes=1), at)

    tally = push.tally(subscribers)
    assert tally == {"delivered": N, "lost": 0, "doubled": 0}
    assert (total.sent, total.failed, total.skipped_late, total.pruned) == (N, 0, 0, 0)
    assert push.rejected == []
    assert last_sent is not None and last_sent - DUE < timedelta(hours=2)
    FIGURES.append(
        f"{database_url.split(':')[0]}: {kind} for {minutes} min: delivered {tally['delivered']}, lost {tally['lost']}, "
        f"doubled {tally['doubled']}; {tried_in_vain(total)} sends met the outage (of {N} due); "
        f"the last was delivered {(last_sent - DUE).total_seconds() / 60:.1f} min after it was due"
    )


@pytest.mark.parametrize("kind", ["503", "refused"])
def test_an_outage_longer_than_the_window_skips_every_reminder_late(app, push, database_url, kind):
    subscribers = due_reminders(app, push)
    dispatcher = Dispatcher(app, workers=64, rng=random.Random(3))
    at = outage(push, DUE, DUE + timedelta(hours=3), kind)
    total, _ = drive(dispatcher, DUE, DUE + timedelta(hours=2, minutes=5), at)
    push.restore()
    push.outage = None
    after, _ = drive(dispatcher, DUE + timedelta(hours=3), DUE + timedelta(hours=3, minutes=2))

    assert push.tally(subscribers) == {"delivered": 0, "lost": N, "doubled": 0}
    assert (total.sent, total.failed, total.skipped_late) == (0, 0, N)
    assert after.sent == 0  # nothing is sent in the night once the service is back
    skipped = sum(n for why, n in total.reasons.items() if why.startswith("skipped-late:"))
    assert skipped == N, total.reasons  # each one logged with its reason, none silently
    with get_db(app).session() as session:
        next_due = set(session.execute(select(Reminder.next_due_at)).scalars())
    assert next_due == {(DUE + timedelta(days=1)).replace(tzinfo=None)}  # tomorrow is a normal evening
    FIGURES.append(
        f"{database_url.split(':')[0]}: {kind} for 3 h: skipped-late {total.skipped_late}, sent {total.sent}, "
        f"failed {total.failed}; {tried_in_vain(total)} sends met the outage in the 2-hour window"
    )


def test_a_dispatcher_killed_mid_send_loses_nothing_and_doubles_at_most_its_in_flight(app, push, database_url):
    """A real `calmcalf dispatch` process, SIGKILLed while answers are coming in; another takes over."""
    subscribers = due_reminders(app, push)
    survivor = Dispatcher(app, workers=64, rng=random.Random(5))  # also stores the shared VAPID key first
    workers = 16
    # The most a SIGKILL can make it send twice: what is in flight, and answers in not yet recorded.
    bound = workers + RECORD_GROUP - 1
    push.delay = 0.05  # a slow push service: the kill lands while sends are in flight
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": database_url,
        "CALMCALF_PUSH_ALLOW_HTTP": "true",
        "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
    }
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once", "--processes", "1", "--workers", str(workers)]
    started = time.monotonic()
    victim = subprocess.Popen([*command, "--now", DUE.isoformat()], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(push.messages) < KILL_AT:
            assert victim.poll() is None, "the dispatcher ended before it could be killed"
            assert time.monotonic() < deadline, "the dispatcher sent nothing"
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    killed_at = DUE + timedelta(seconds=time.monotonic() - started)  # its clock ran at most this far
    time.sleep(0.5)  # requests it had already sent are still being answered
    with get_db(app).session() as session:
        recorded = session.execute(select(func.count()).where(Reminder.done_through.is_not(None))).scalar_one()
    sent_before = len(push.messages)
    push.delay = 0
    _, last_sent = drive(survivor, killed_at + STEP, killed_at + timedelta(minutes=3))

    tally = push.tally(subscribers)
    assert tally["delivered"] == N and tally["lost"] == 0
    assert tally["doubled"] <= sent_before - recorded <= bound
    assert last_sent is not None and last_sent - killed_at <= timedelta(minutes=2)
    FIGURES.append(
        f"{database_url.split(':')[0]}: SIGKILL with {sent_before} delivered, {recorded} recorded "
        f"(in-flight bound {bound}): doubled {tally['doubled']}, lost {tally['lost']}; the rest delivered by "
        f"{(last_sent - killed_at).total_seconds():.0f} s after the kill (lease {survivor.lease.total_seconds():.0f} s)"
    )

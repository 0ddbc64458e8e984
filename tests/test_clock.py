"""Dispatchers whose clocks disagree send each reminder once: leases and due times are the database's.

Two dispatchers work through 2,000 reminders due now, one with a clock 90 s or 600 s
ahead (more than the 60 s lease, so judging leases by its own clock it would take the
other's rows while they are being sent). What people got is counted by the fake push
service, which decrypts every message.

- On PostgreSQL, two real `calmcalf dispatch --once` processes, the second under
  libfaketime (Debian's `faketime`): every clock that process reads is wrong, as on
  another machine.
- On both databases, two dispatchers in this process, one given a wrong clock as its
  time source (`Dispatcher(wall=…)`): the one place it still reads that clock, the
  check at start, must say so. (SQLite is one file on one machine: every process that
  opens it shares one clock, which libfaketime could only fake for SQLite's `'now'` too.)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.db import get_db
from app.reminders.clock import Clock
from app.reminders.dispatch import Dispatcher
from app.reminders.models import Reminder
from tests.conftest import figures_printed_after, make_app

N = 2000
SUBJECT = "mailto:care@calmcalf.example"
FIGURES: list[str] = []


show_figures = figures_printed_after("clock figures", FIGURES)


def evening(now: datetime) -> tuple[str, str]:
    """A time zone where `now` is about 19:00 (an evening hours from midnight), and the local HH:MM then."""
    offset = (19 - now.hour) % 24
    offset -= 24 if offset > 14 else 0
    zone = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3
    return zone, (now + timedelta(hours=offset)).strftime("%H:%M")


def due_now(app, push, n: int = N) -> list:
    """n subscriptions with a reminder that fell due a minute ago by the database's clock."""
    clock = Clock(get_db(app))
    clock.sync()
    due = clock.now() - timedelta(minutes=1)
    zone, local = evening(due)
    subscribers = [push.subscriber() for _ in range(n)]
    stamp = due.replace(tzinfo=None)
    rows = []
    for sub in subscribers:
        keys = sub.subscription()["keys"]
        rows.append(
            {
                **{"endpoint": sub.endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]},
                **{"local_time": local, "timezone": zone, "days": "mon,tue,wed,thu,fri,sat,sun", "lang": "en"},
                **{"next_due_at": stamp, "attempts": 0, "created_at": stamp, "updated_at": stamp},
            }
        )
    with get_db(app).session() as session:
        session.execute(insert(Reminder), rows)
    return subscribers


def figure(where: str, skew: int, tally: dict, sent: list[int]) -> None:
    FIGURES.append(
        f"{where}, clocks {skew} s apart: delivered {tally['delivered']}, lost {tally['lost']}, "
        f"doubled {tally['doubled']} (sent by each: {' + '.join(map(str, sent))})"
    )


def reported_skews(text: str) -> list[float]:
    """The clock differences a dispatcher reported at start, in seconds."""
    return [float(value) for value in re.findall(r"clock is ([+-][0-9.]+) s off the database's", text)]


def faketime() -> str:
    """Debian's faketime command: a failure under CI when missing (scripts/test installs it)."""
    found = shutil.which("faketime")
    if found is None:
        message = "faketime is not installed (apt-get install -y faketime; scripts/test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("skew", [90, 600])
def test_two_dispatcher_processes_with_clocks_apart_double_nothing(tmp_path, postgres, push, skew):
    wrong_clock = faketime()
    url = postgres.new_database()
    app = make_app(tmp_path, url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"], VAPID_SUBJECT=SUBJECT)
    subscribers = due_now(app, push)
    push.delay = 0.03  # slow enough that both processes are sending at once
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": url,
        "CALMCALF_PUSH_ALLOW_HTTP": "true",
        "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
        "CALMCALF_VAPID_SUBJECT": SUBJECT,
    }
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once", "--processes", "1", "--workers", "16"]
    ahead = {**env, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}  # the wall clock is wrong; intervals are not
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    processes = [
        subprocess.Popen(command, env=env, **options),
        subprocess.Popen([wrong_clock, "-f", f"+{skew}s", *command], env=ahead, **options),
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent = [int(re.search(r"sent=(\d+)", out).group(1)) for out, _ in outputs]
    tally = push.tally(subscribers)
    figure("PostgreSQL, two processes (one under faketime)", skew, tally, sent)
    assert tally == {"delivered": N, "lost": 0, "doubled": 0}
    assert all(sent), "both dispatchers must have sent: otherwise they never competed"
    (reported,) = reported_skews(outputs[1][1])
    assert abs(reported - skew) < 5 and reported_skews(outputs[0][1]) == []


@pytest.mark.slow
@pytest.mark.parametrize("skew", [90, 600])
def test_two_dispatchers_one_with_a_wrong_clock_double_nothing(tmp_path, database_url, push, skew, caplog):
    app = make_app(
        tmp_path, database_url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"], VAPID_SUBJECT=SUBJECT
    )
    subscribers = due_now(app, push)
    push.delay = 0.03
    right = Dispatcher(app, workers=16)
    wrong = Dispatcher(app, workers=16, wall=lambda: datetime.now(UTC) + timedelta(seconds=skew))
    summaries: dict[str, int] = {}
    threads = [
        threading.Thread(target=lambda d=d, name=name: summaries.update({name: d.run_once().sent}))
        for name, d in (("right", right), ("wrong", wrong))
    ]
    with caplog.at_level(logging.WARNING, logger="calmcalf.dispatch"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    tally = push.tally(subscribers)
    figure(f"{database_url.split(':')[0]}, two dispatchers in one process", skew, tally, list(summaries.values()))
    assert tally == {"delivered": N, "lost": 0, "doubled": 0}
    assert summaries["right"] and summaries["wrong"], "both dispatchers must have sent"
    (reported,) = reported_skews(caplog.text)  # the wrong one, once; the right one says nothing
    assert abs(reported - skew) < 5


def test_a_clock_within_the_bound_is_not_reported_and_now_shifts_the_databases_clock(tmp_path, caplog):
    """`run_once(now)` (`dispatch --now`) runs as if the database's clock read `now`: in SQL and in Python."""
    app = make_app(tmp_path)
    dispatcher = Dispatcher(app, wall=lambda: datetime.now(UTC) + timedelta(seconds=2))
    asked = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="calmcalf.dispatch"):
        dispatcher.time.sync(asked)
    assert caplog.records == []
    assert abs(dispatcher.clock() - asked) < timedelta(seconds=1)
    with get_db(app).engine.connect() as connection:
        from app.reminders.clock import CLOCK

        in_sql = connection.execute(CLOCK, {"shift": dispatcher.time.shift}).scalar_one()
    assert abs(in_sql.replace(tzinfo=UTC) - asked) < timedelta(seconds=1)

"""The dispatcher against a local push service that checks VAPID and decrypts every message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update

from app.db import get_db
from app.reminders.dispatch import Dispatcher
from app.reminders.models import Reminder, Setting
from app.reminders.schedule import next_due, to_naive_utc
from app.reminders.vapid import VapidHeaders
from tests.conftest import make_app
from tests.fakepush import CountingVapid, FakePushService

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SUBJECT = "mailto:care@calmcalf.example"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def app(tmp_path, database_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return make_app(
        tmp_path, database_url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"], VAPID_SUBJECT=SUBJECT
    )


def subscribe(app, subscriber, since: str, time="21:30", zone="Europe/London", days=EVERY_DAY):
    """Subscribe through the API, as if it happened at `since` (UTC)."""
    response = app.test_client().post(
        "/api/reminders", json={"subscription": subscriber.subscription(), "time": time, "timezone": zone, "days": days}
    )
    assert response.status_code == 201, response.get_json()
    with get_db(app).session() as session:
        reminder = session.execute(select(Reminder).where(Reminder.endpoint == subscriber.endpoint)).scalar_one()
        reminder.next_due_at = to_naive_utc(next_due(time, zone, days, utc(since)))


def run(app, now: str):
    return Dispatcher(app, workers=8).run_once(utc(now))


def reminders(app) -> list[Reminder]:
    with get_db(app).session() as session:
        return session.execute(select(Reminder)).scalars().all()


@pytest.mark.parametrize(
    ("zone", "before", "due"),
    [
        ("Europe/London", "2026-11-22T21:29:59", "2026-11-22T21:30:00"),
        ("America/New_York", "2026-11-23T02:29:59", "2026-11-23T02:30:00"),
        ("Asia/Tokyo", "2026-11-22T12:29:59", "2026-11-22T12:30:00"),
    ],
)
def test_sent_at_the_right_minute_in_three_time_zones(app, push, zone, before, due):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00", zone=zone)
    assert run(app, before).sent == 0
    assert push.received(sub) == []
    summary = run(app, due)
    assert summary.line() == "sent=1 pruned=0 retrying=0 skipped-late=0 failed=0"
    (message,) = push.received(sub)
    assert message.payload == {
        "title": "Bedtime stretches",
        "body": "About 4 minutes of calf stretches before bed?",
        "url": "/bedtime",
        "tag": "bedtime",
        "actions": [{"action": "routine", "title": "Start routine"}, {"action": "later", "title": "Later"}],
    }
    # VAPID was verified by the fake service; these are its claims.
    assert message.claims["aud"] == push.origin and message.claims["sub"] == SUBJECT
    assert message.headers["Urgency"] == "normal" and message.headers["Topic"] == "bedtime"
    assert message.headers["Content-Encoding"] == "aes128gcm"
    # TTL: until local midnight, 2 h 30 min after 21:30.
    assert int(message.headers["TTL"]) == 9000
    assert push.rejected == []


def test_once_per_local_date_however_often_dispatch_runs(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    for now in ("2026-11-22T21:30", "2026-11-22T21:30:30", "2026-11-22T21:45", "2026-11-22T23:59", "2026-11-23T09:00"):
        run(app, now)
    assert len(push.received(sub)) == 1
    run(app, "2026-11-23T21:30")
    assert len(push.received(sub)) == 2


@pytest.mark.parametrize(
    ("zone", "time", "since", "runs", "expected_at"),
    [
        # Spring forward: 02:30 does not exist; sent at 03:00 EDT (07:00 UTC), not before.
        (
            "America/New_York",
            "02:30",
            "2026-03-08T00:00",
            ["2026-03-08T06:59", "2026-03-08T07:00", "2026-03-08T08:00"],
            1,
        ),
        # Spring forward in London: 01:30 does not exist; sent at 02:00 BST (01:00 UTC).
        ("Europe/London", "01:30", "2026-03-28T12:00", ["2026-03-29T00:59", "2026-03-29T01:00", "2026-03-29T01:30"], 1),
        # Fall back: 01:30 happens twice; sent once, at the first.
        (
            "America/New_York",
            "01:30",
            "2026-11-01T00:00",
            ["2026-11-01T05:29", "2026-11-01T05:30", "2026-11-01T06:30"],
            1,
        ),
        ("Europe/London", "01:30", "2026-10-24T12:00", ["2026-10-25T00:29", "2026-10-25T00:30", "2026-10-25T01:30"], 1),
    ],
)
def test_daylight_saving_nights(app, push, zone, time, since, runs, expected_at):
    sub = push.subscriber()
    subscribe(app, sub, since, time=time, zone=zone)
    counts = []
    for now in runs:
        run(app, now)
        counts.append(len(push.received(sub)))
    assert counts == [0, 1, 1]


def test_a_reminder_over_2_hours_late_is_skipped_not_sent_at_night(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    summary = run(app, "2026-11-22T23:31")  # the server was down since before 21:30
    assert summary.line() == "sent=0 pruned=0 retrying=0 skipped-late=1 failed=0"
    assert push.received(sub) == []
    assert run(app, "2026-11-23T21:30").sent == 1  # the next evening is normal


def test_a_reminder_less_than_2_hours_late_is_still_sent(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    assert run(app, "2026-11-22T23:29").sent == 1
    assert int(push.received(sub)[0].headers["TTL"]) == 31 * 60


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscriptions_are_pruned(app, push, status):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    push.answer(sub, (status, {}))
    assert run(app, "2026-11-22T21:30").line() == "sent=0 pruned=1 retrying=0 skipped-late=0 failed=0"
    assert reminders(app) == []


def test_429_with_retry_after_is_retried_once_later_without_sending_twice(app, push):
    sub, other = push.subscriber(), push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    subscribe(app, other, "2026-11-22T00:00")
    push.answer(sub, (429, {"Retry-After": "120"}))
    assert run(app, "2026-11-22T21:30").line() == "sent=1 pruned=0 retrying=1 skipped-late=0 failed=0"
    assert run(app, "2026-11-22T21:31").line() == "sent=0 pruned=0 retrying=0 skipped-late=0 failed=0"
    assert run(app, "2026-11-22T21:32:01").line() == "sent=1 pruned=0 retrying=0 skipped-late=0 failed=0"
    assert run(app, "2026-11-22T21:40").sent == 0
    assert len(push.received(sub)) == 1 and len(push.received(other)) == 1
    assert push.attempts[sub.endpoint.removeprefix(push.origin)] == 2
    assert push.attempts[other.endpoint.removeprefix(push.origin)] == 1


def test_a_server_error_is_retried_with_a_backoff(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    push.answer(sub, (503, {}))
    assert run(app, "2026-11-22T21:30").retrying == 1
    assert run(app, "2026-11-22T21:30:10").sent == 0  # the first back-off is 15 to 30 s
    assert run(app, "2026-11-22T21:31").sent == 1


@pytest.mark.parametrize("status", [400, 413])
def test_a_rejected_message_is_logged_and_not_retried(app, push, status):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    push.answer(sub, (status, {}))
    assert run(app, "2026-11-22T21:30").line() == "sent=0 pruned=0 retrying=0 skipped-late=0 failed=1"
    run(app, "2026-11-22T22:30")
    assert push.attempts[sub.endpoint.removeprefix(push.origin)] == 1
    assert run(app, "2026-11-23T21:30").sent == 1  # tomorrow is a new try


def test_redirects_are_not_followed(app, push):
    sub, target = push.subscriber(), push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    push.answer(sub, (307, {"Location": target.endpoint}))
    assert run(app, "2026-11-22T21:30").failed == 1
    assert target.endpoint.removeprefix(push.origin) not in push.attempts


def test_endpoints_no_longer_allowed_are_not_contacted(app, push, tmp_path):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    app.config["PUSH_SERVICE_HOSTS"] = ["fcm.googleapis.com"]
    assert run(app, "2026-11-22T21:30").failed == 1
    assert push.attempts == {}


def test_one_vapid_signature_per_push_service_signed_again_before_expiry(app):
    from app.reminders.vapid import KEY_SETTING, load_vapid

    load_vapid(app)  # generated and stored
    with get_db(app).session() as session:
        pem = session.get(Setting, KEY_SETTING).value
    vapid = CountingVapid.from_pem(pem.encode())  # the app's own key, counting its signatures
    headers = VapidHeaders(vapid, SUBJECT)  # the dispatcher keeps one across runs
    start = 1_800_000_000
    first = headers.for_origin("https://fcm.googleapis.com", now=start)
    assert headers.for_origin("https://fcm.googleapis.com", now=start + 3600) == first
    other = headers.for_origin("https://updates.push.services.mozilla.com", now=start + 3600)
    assert other != first and vapid.signed == 2
    # With under an hour of its 12 left, the header is signed again.
    assert headers.for_origin("https://fcm.googleapis.com", now=start + 11.5 * 3600) != first
    assert vapid.signed == 3


def test_each_push_service_gets_its_own_audience(app, push):
    with FakePushService() as second:
        a, b = push.subscriber(), second.subscriber()
        subscribe(app, a, "2026-11-22T00:00")
        subscribe(app, b, "2026-11-22T00:00")
        assert run(app, "2026-11-22T21:30").sent == 2
        assert push.received(a)[0].claims["aud"] == push.origin
        assert second.received(b)[0].claims["aud"] == second.origin
        assert push.rejected == [] and second.rejected == []


def test_two_dispatchers_at_once_send_each_reminder_once(app, push):
    subs = [push.subscriber() for _ in range(60)]
    for sub in subs:
        subscribe(app, sub, "2026-11-22T00:00")
    threads = [threading.Thread(target=run, args=(app, "2026-11-22T21:30")) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(push.received(s)) for s in subs) == [1] * 60


def test_a_dispatcher_racing_another_for_the_same_rows_still_gets_a_batch(app, push, monkeypatch):
    """Another dispatcher leases the very rows this one is about to lease: this one takes the next ones.

    (Choosing the rows and leasing them in two statements let the loser come back with
    nothing, as if nothing were due, and stop: one process then did all the work.)
    """
    monkeypatch.setattr("app.reminders.dispatch.BATCH", 10)
    for _ in range(30):
        subscribe(app, push.subscriber(), "2026-11-22T00:00")
    first, second = Dispatcher(app), Dispatcher(app)
    now = utc("2026-11-22T21:30")
    theirs = []
    # On PostgreSQL the racer leases between this claim's release of expired leases and its choice;
    # SQLite's write lock holds it off from the claim's first statement, so there it goes just before.
    cue = "WHERE reminders.id IN (SELECT" if "postgresql" in app.config["DATABASE_URL"] else "lease_token=NULL WHERE"

    def meanwhile(conn, cursor, statement, parameters, context, executemany):
        if cue in statement and not theirs:
            theirs.append(None)
            racer = threading.Thread(target=lambda: theirs.extend(second.claim(now)))
            racer.start()
            racer.join()

    engine = get_db(app).engine
    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        mine = first.claim(now)
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)
    theirs = theirs[1:]
    assert len(theirs) == 10 and len(mine) == 10
    assert not {row.id for row in mine} & {row.id for row in theirs}


@pytest.mark.slow
def test_the_dispatch_command_prints_one_summary_line(app, push, tmp_path):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": app.config["DATABASE_URL"],
        "CALMCALF_PUSH_ALLOW_HTTP": "true",
        "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
        "CALMCALF_VAPID_SUBJECT": SUBJECT,
    }
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once", "--now"]
    result = subprocess.run([*command, "2026-11-22T21:30:00Z"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sent=1 pruned=0 retrying=0 skipped-late=0 failed=0"
    assert len(push.received(sub)) == 1
    bad = subprocess.run([*command, "tonight"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--now must be an ISO-8601" in bad.stderr


def test_dispatch_works_where_an_event_loop_is_already_running(app, push):
    """Called from async code (an async server, a test harness): no asyncio.run() error."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")

    async def inside_a_loop():
        return run(app, "2026-11-22T21:30")

    # The outer loop gets a thread of its own, whatever this thread is already running.
    with ThreadPoolExecutor(max_workers=1) as thread:
        assert thread.submit(asyncio.run, inside_a_loop()).result().sent == 1


def test_the_log_says_why_for_each_class(app, push, caplog):
    retried, refused, late = push.subscriber(), push.subscriber(), push.subscriber()
    for sub in (retried, refused):
        subscribe(app, sub, "2026-11-22T00:00")
    subscribe(app, late, "2026-11-22T00:00", time="19:00")
    push.answer(retried, (503, {}))
    push.answer(refused, (400, {}))
    with caplog.at_level("INFO", logger="calmcalf.dispatch"):
        summary = run(app, "2026-11-22T21:30")
    assert summary.line() == "sent=0 pruned=0 retrying=1 skipped-late=1 failed=1"
    assert "retrying: HTTP 503 ×1" in caplog.text
    assert "failed: HTTP 400 ×1" in caplog.text
    assert "skipped-late: more than 2 hours late" in caplog.text


def changed_while_sending(push, subscriber, change) -> None:
    """Run `change` once, from the push service, while this subscriber's message is being received."""
    handle = push.handle

    def handle_and_change(path, headers, body):
        if path == subscriber.endpoint.removeprefix(push.origin) and not getattr(handle_and_change, "done", False):
            handle_and_change.done = True
            change()
        return handle(path, headers, body)

    push.handle = handle_and_change


def test_a_time_changed_while_its_reminder_is_sent_is_kept_and_tonight_is_not_sent_again(app, push):
    sub, other = push.subscriber(), push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    subscribe(app, other, "2026-11-22T00:00")
    later = {"subscription": sub.subscription(), "time": "23:00", "timezone": "Europe/London", "days": EVERY_DAY}
    changed_while_sending(push, sub, lambda: app.test_client().post("/api/reminders", json=later))
    summary = run(app, "2026-11-22T21:30")
    assert summary.sent == 2 and len(push.received(sub)) == 1
    stored = {r.endpoint: r for r in reminders(app)}
    assert stored[sub.endpoint].local_time == "23:00"
    assert stored[sub.endpoint].done_through == "2026-11-22"  # recorded from the row as saved, not as claimed
    assert stored[sub.endpoint].next_due_at == datetime(2026, 11, 23, 23, 0)
    assert stored[other.endpoint].next_due_at == datetime(2026, 11, 23, 21, 30)
    run(app, "2026-11-22T23:00")
    assert len(push.received(sub)) == 1, "tonight was sent already"
    run(app, "2026-11-23T23:00")
    assert len(push.received(sub)) == 2


def test_a_reminder_deleted_while_it_is_sent_stays_deleted(app, push):
    sub, other = push.subscriber(), push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    subscribe(app, other, "2026-11-22T00:00")
    forget = {"endpoint": sub.endpoint, "auth": sub.subscription()["keys"]["auth"]}
    changed_while_sending(push, sub, lambda: app.test_client().delete("/api/reminders", json=forget))
    summary = run(app, "2026-11-22T21:30")
    assert len(push.received(sub)) == 1 and len(push.received(other)) == 1
    assert [r.endpoint for r in reminders(app)] == [other.endpoint]
    assert summary.sent == 1, "only the reminder still stored is counted"


def test_a_run_where_nothing_changed_records_without_reading_the_rows_again(app, push, monkeypatch):
    from app.reminders import outcomes

    careful = []
    record_as_stored = outcomes._record_as_stored
    monkeypatch.setattr(outcomes, "_record_as_stored", lambda *a: careful.append(1) or record_as_stored(*a))
    subs = [push.subscriber() for _ in range(40)]
    for sub in subs:
        subscribe(app, sub, "2026-11-22T00:00")
    with get_db(app).session() as session:  # a whole second too: stored as SQLAlchemy writes it, ".000000"
        session.execute(update(Reminder).where(Reminder.id % 2 == 0).values(updated_at=datetime(2026, 11, 22)))
    assert run(app, "2026-11-22T21:30").sent == 40
    assert careful == [], "updated_at as claimed matches the row as stored"
    assert {r.done_through for r in reminders(app)} == {"2026-11-22"}


def test_anything_due_looks_without_claiming(app, push):
    """The CLI's look before starting dispatcher processes: due and free rows only, and nothing is leased."""
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    dispatcher = Dispatcher(app)
    assert not dispatcher.anything_due(utc("2026-11-22T21:29:59"))
    assert dispatcher.anything_due(utc("2026-11-22T21:30:00"))
    (reminder,) = reminders(app)
    assert reminder.lease_token is None  # a look, not a claim
    leased = dispatcher.claim(utc("2026-11-22T21:30:00"))
    assert [row.endpoint for row in leased] == [sub.endpoint]
    assert not dispatcher.anything_due(utc("2026-11-22T21:30:00"))  # held by a dispatcher: not free
    assert run(app, "2026-11-22T21:30:30").sent == 0  # nor claimable again while the lease (60 s) holds
    assert run(app, "2026-11-22T21:31:30").sent == 1  # then free again: the holder is taken for dead


SENDING_STACK = ("pywebpush", "aiohttp", "http_ece", "py_vapid", "cryptography")


@pytest.mark.slow
def test_a_run_with_nothing_due_loads_no_sending_stack(tmp_path):
    """`dispatch --once` with nothing due starts quickly: pywebpush, aiohttp, encryption and VAPID load only to send."""
    code = (
        "import sys\n"
        "from app import create_app, db\n"
        "from app.reminders.dispatch import Dispatcher\n"
        "app = create_app(http=False)\n"
        "db.upgrade(app)\n"
        "print(Dispatcher(app).run_once().line())\n"
        f"print(','.join(m for m in {SENDING_STACK!r} if m in sys.modules))\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "CALMCALF_VAPID_SUBJECT": SUBJECT,
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    summary, loaded = result.stdout.splitlines()
    assert summary == "sent=0 pruned=0 retrying=0 skipped-late=0 failed=0"
    assert loaded == "", f"loaded with nothing to send: {loaded}"

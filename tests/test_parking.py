"""What a push service says when it refuses, and subscriptions it refuses for good parked, not retried forever.

Runs on SQLite and on PostgreSQL, against the fake push service (which verifies VAPID
and decrypts every message it takes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import get_db
from app.reminders.dispatch import Dispatcher
from app.reminders.models import Reminder
from app.reminders.outcomes import PARK_AFTER_NIGHTS
from tests.conftest import make_app
from tests.fakepush import FakePushService

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FIRST_NIGHT = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
APPLE_SAYS = (403, {"Content-Type": "application/json"}, b'{"reason":"BadJwtToken"}')


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(
        tmp_path,
        database_url,
        PUSH_ALLOW_HTTP=True,
        PUSH_SERVICE_HOSTS=["127.0.0.1"],
        VAPID_SUBJECT="mailto:care@calmcalf.example.org",
        API_RATE_LIMIT="1000 per minute",
    )


def subscribe(app, subscriber, due: datetime = FIRST_NIGHT) -> None:
    """Save a reminder through the API (again, if it is stored), due at `due`."""
    body = {"subscription": subscriber.subscription(), "time": "21:30", "timezone": "Europe/London", "days": EVERY_DAY}
    response = app.test_client().post("/api/reminders", json=body)
    assert response.status_code in (200, 201), response.get_json()
    with get_db(app).session() as session:
        row = session.execute(select(Reminder).where(Reminder.endpoint == subscriber.endpoint)).scalar_one()
        row.next_due_at = due.replace(tzinfo=None)


def night(number: int) -> datetime:
    return FIRST_NIGHT + timedelta(days=number)


def stored(app, subscriber) -> Reminder:
    with get_db(app).session() as session:
        return session.execute(select(Reminder).where(Reminder.endpoint == subscriber.endpoint)).scalar_one()


def attempts(push, subscriber) -> int:
    return push.attempts.get(subscriber.endpoint.removeprefix(push.origin), 0)


def test_the_push_services_reason_is_in_the_outcome_and_the_log(app, push, caplog):
    refused = push.subscriber()
    subscribe(app, refused)
    push.answer(refused, APPLE_SAYS)
    with caplog.at_level("INFO", logger="calmcalf.dispatch"):
        summary = Dispatcher(app, workers=4).run_once(night(0))
    assert summary.reasons == {"failed: HTTP 403 (BadJwtToken)": 1}
    assert f"reminder {stored(app, refused).id} failed: HTTP 403 (BadJwtToken)" in caplog.text
    assert "failed: HTTP 403 (BadJwtToken) ×1" in caplog.text


def test_a_push_service_like_apples_refuses_a_local_subject_and_says_why(tmp_path, database_url, caplog):
    """The fake answers as Apple does; it is on this machine, so Calm Calf sends and records Apple's answer."""
    with FakePushService(like_apple=True) as apple:
        app = make_app(tmp_path, database_url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"])
        subscriber = apple.subscriber()
        subscribe(app, subscriber)
        with caplog.at_level("INFO", logger="calmcalf.dispatch"):
            summary = Dispatcher(app, workers=4).run_once(night(0))
        assert apple.rejected and "Apple refuses the subject mailto:webpush@localhost" in apple.rejected[0]
        # The test send says it too, in the JSON API's answer.
        proof = {"endpoint": subscriber.endpoint, "auth": subscriber.subscription()["keys"]["auth"]}
        test = app.test_client().post("/api/reminders/test", json=proof)
    assert summary.reasons == {"failed: HTTP 403 (BadJwtToken)": 1}
    assert "HTTP 403 (BadJwtToken)" in caplog.text
    assert test.status_code == 502
    assert test.get_json()["error"] == "endpoint: the push service did not take the message (HTTP 403 (BadJwtToken))"


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_a_subscription_refused_for_good_is_parked_after_three_nights_and_saving_brings_it_back(app, push, status):
    good, bogus = push.subscriber(), push.subscriber()
    subscribe(app, good)
    subscribe(app, bogus)
    push.answer(bogus, *[(status, {})] * 10)
    dispatcher = Dispatcher(app, workers=4)
    lines = [dispatcher.run_once(night(n)) for n in range(PARK_AFTER_NIGHTS + 2)]
    assert [s.sent for s in lines] == [1] * (PARK_AFTER_NIGHTS + 2)  # the good one, every night
    assert [s.failed for s in lines] == [1] * PARK_AFTER_NIGHTS + [0, 0]
    assert attempts(push, bogus) == PARK_AFTER_NIGHTS, "not asked again once parked"
    assert lines[PARK_AFTER_NIGHTS - 1].reasons == {f"failed: HTTP {status}; parked after 3 nights": 1}
    row = stored(app, bogus)
    assert (row.parked, row.refused_nights) == (f"HTTP {status}", PARK_AFTER_NIGHTS)
    assert stored(app, good).refused_nights == 0 and stored(app, good).parked is None

    push.answers.clear()  # the phone subscribed again, and saves its reminder: it is sent to again
    subscribe(app, bogus, due=night(PARK_AFTER_NIGHTS + 2))
    row = stored(app, bogus)
    assert (row.parked, row.refused_nights) == (None, 0)
    assert dispatcher.run_once(night(PARK_AFTER_NIGHTS + 2)).sent == 2
    assert len(push.received(bogus)) == 1


def test_a_night_that_is_sent_starts_the_count_again(app, push):
    good, flaky = push.subscriber(), push.subscriber()
    subscribe(app, good)
    subscribe(app, flaky)
    dispatcher = Dispatcher(app, workers=4)
    for n, answer in enumerate([(403, {}), (403, {}), None, (403, {}), (403, {})]):
        if answer:
            push.answer(flaky, answer)
        dispatcher.run_once(night(n))
    row = stored(app, flaky)
    assert (row.parked, row.refused_nights) == (None, 2)
    assert len(push.received(flaky)) == 1


def test_when_a_push_service_refuses_every_message_nothing_is_parked(app, push, caplog):
    """Refusing everyone is more likely our own setting (a key, a subject) than every subscription's fault."""
    subscribers = [push.subscriber() for _ in range(3)]
    for subscriber in subscribers:
        subscribe(app, subscriber)
    push.outage = APPLE_SAYS
    dispatcher = Dispatcher(app, workers=4)
    for n in range(PARK_AFTER_NIGHTS + 2):
        assert dispatcher.run_once(night(n)).failed == 3
    assert all(attempts(push, s) == PARK_AFTER_NIGHTS + 2 for s in subscribers)
    assert {(stored(app, s).parked, stored(app, s).refused_nights) for s in subscribers} == {(None, 0)}


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscriptions_are_still_pruned_at_once(app, push, status):
    good, gone = push.subscriber(), push.subscriber()
    subscribe(app, good)
    subscribe(app, gone)
    push.answer(gone, (status, {"Content-Type": "text/plain"}, b"push subscription has unsubscribed or expired.\n"))
    summary = Dispatcher(app, workers=4).run_once(night(0))
    assert summary.line() == "sent=1 pruned=1 retrying=0 skipped-late=0 failed=0"
    assert summary.reasons == {f"pruned: HTTP {status} (push subscription has unsubscribed or expired.)": 1}
    with get_db(app).session() as session:
        assert session.execute(select(Reminder.endpoint)).scalars().all() == [good.endpoint]

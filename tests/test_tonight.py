"""Tonight's reminder: "Later" sends exactly one more 30 minutes on; a night marked done gets none.

The dispatcher runs against the local fake push service (VAPID checked, every message
decrypted) with its clock moved by `now`, on SQLite and on PostgreSQL. The snooze and
"done" changes are made by the same functions the API calls, at the simulated time.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import column, create_engine, insert, select, table

from app.db import alembic_config, get_db, is_current
from app.reminders.answers import Outcome
from app.reminders.dispatch import Dispatcher
from app.reminders.message import payload
from app.reminders.models import Reminder
from app.reminders.outcomes import Summary, record
from app.reminders.schema import ReminderRequest
from app.reminders.store import upsert
from app.reminders.tonight import mark_done, night_of, snooze
from app.reminders.validation import Invalid
from tests.conftest import make_app
from tests.test_dispatch import EVERY_DAY, SUBJECT, reminders, subscribe, utc
from tests.test_reminders_api import body, proof


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(
        tmp_path, database_url, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"], VAPID_SUBJECT=SUBJECT
    )


def run(app, now: str):
    return Dispatcher(app, workers=4).run_once(utc(now))


def stored_row(session, sub) -> Reminder:
    """The subscriber's row, locked for a change (as the service finds it, with its secret)."""
    query = select(Reminder).where(Reminder.endpoint == sub.endpoint).with_for_update()
    return session.execute(query).scalar_one()


def later(app, sub, now: str) -> datetime:
    with get_db(app).session() as session:
        return snooze(stored_row(session, sub), utc(now))


def done(app, sub, night: str, now: str) -> None:
    with get_db(app).session() as session:
        mark_done(stored_row(session, sub), night, utc(now))


def refused(call, *args) -> Invalid:
    with pytest.raises(Invalid) as caught:
        call(*args)
    assert caught.value.status == 409
    return caught.value


def test_later_sends_exactly_one_more_30_minutes_later_then_the_schedule_goes_on(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")  # 21:30 London (UTC in winter), every day
    assert run(app, "2026-11-22T21:30").sent == 1
    assert later(app, sub, "2026-11-22T21:34") == utc("2026-11-22T22:04")
    assert run(app, "2026-11-22T22:03:59").sent == 0
    summary = run(app, "2026-11-22T22:04")
    assert summary.line() == "sent=1 pruned=0 retrying=0 skipped-late=0 failed=0"
    for now in ("2026-11-22T22:04:30", "2026-11-22T22:34", "2026-11-22T23:30", "2026-11-23T09:00"):
        assert run(app, now).sent == 0, now
    first, second = push.received(sub)
    assert second.payload == first.payload and second.payload["tag"] == "bedtime"
    assert 60 * 114 <= int(second.headers["TTL"]) <= 60 * 116  # still only until local midnight
    assert run(app, "2026-11-23T21:30").sent == 1  # the next evening as usual
    assert len(push.received(sub)) == 3


def test_a_second_later_the_same_evening_is_refused_and_the_next_evening_may_snooze_again(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    run(app, "2026-11-22T21:30")
    later(app, sub, "2026-11-22T21:31")
    run(app, "2026-11-22T22:01")
    problem = refused(later, app, sub, "2026-11-22T22:02")
    assert problem.field == "endpoint" and "already put off once" in problem.message
    (reminder,) = reminders(app)
    assert reminder.next_due_at == datetime(2026, 11, 23, 21, 30)  # unchanged by the refusal
    assert run(app, "2026-11-22T22:32").sent == 0
    assert len(push.received(sub)) == 2
    run(app, "2026-11-23T21:30")
    assert later(app, sub, "2026-11-23T21:40") == utc("2026-11-23T22:10")


def test_later_before_tonights_reminder_or_too_near_midnight_is_refused(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    # "Later" on a test reminder in the afternoon: tonight's reminder still comes at 21:30.
    assert "not been sent yet" in refused(later, app, sub, "2026-11-22T16:00").message
    run(app, "2026-11-22T21:30")
    assert "too late tonight" in refused(later, app, sub, "2026-11-22T23:31").message
    assert run(app, "2026-11-23T00:05").sent == 0
    assert len(push.received(sub)) == 1


def test_a_night_marked_done_gets_no_reminder_that_evening_but_does_the_next(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    done(app, sub, "2026-11-22", "2026-11-22T20:05")  # the routine, before the 21:30 reminder
    for now in ("2026-11-22T21:30", "2026-11-22T22:00", "2026-11-23T09:00"):
        assert run(app, now).sent == 0, now
    assert push.received(sub) == []
    assert run(app, "2026-11-23T21:30").sent == 1
    (reminder,) = reminders(app)
    assert reminder.night_done == "2026-11-22" and reminder.done_through == "2026-11-23"


def test_done_also_skips_a_snooze_still_to_come(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    run(app, "2026-11-22T21:30")
    later(app, sub, "2026-11-22T21:35")
    done(app, sub, "2026-11-22", "2026-11-22T21:50")
    assert run(app, "2026-11-22T22:05").sent == 0
    assert len(push.received(sub)) == 1
    assert "already done" in refused(later, app, sub, "2026-11-22T22:10").message


def test_a_night_runs_noon_to_noon_so_after_midnight_it_is_still_the_evening_before(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T12:00", time="01:00")  # a night owl's reminder, after midnight
    done(app, sub, "2026-11-22", "2026-11-23T00:40")
    assert run(app, "2026-11-23T01:00").sent == 0  # 01:00 on the 23rd belongs to the night of the 22nd
    assert run(app, "2026-11-24T01:00").sent == 1
    assert night_of(utc("2026-11-23T11:59"), "Europe/London") == "2026-11-22"
    assert night_of(utc("2026-11-23T12:00"), "Europe/London") == "2026-11-23"


def test_a_night_that_is_not_tonight_changes_nothing(app, push):
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    problem = refused(done, app, sub, "2026-11-21", "2026-11-22T20:00")  # sent late, after the night ended
    assert problem.field == "night" and "not tonight" in problem.message
    assert run(app, "2026-11-22T21:30").sent == 1


def test_changing_the_settings_keeps_tonights_snooze_and_tonights_skip(app, push):
    sub, other = push.subscriber(), push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    subscribe(app, other, "2026-11-22T00:00")
    run(app, "2026-11-22T21:30")
    later(app, sub, "2026-11-22T21:31")
    done(app, other, "2026-11-23", "2026-11-23T20:00")  # tomorrow's routine, before its reminder
    for s in (sub, other):  # saved again at 21:45 and 20:10, e.g. after a change of language
        again = {"subscription": s.subscription(), "time": "21:30", "timezone": "Europe/London", "days": EVERY_DAY}
        clean = ReminderRequest.model_validate(again, context={"hosts": ["127.0.0.1"], "allow_http": True})
        upsert(get_db(app), clean, "es", utc("2026-11-22T21:45" if s is sub else "2026-11-23T20:10"))
    assert run(app, "2026-11-22T22:01").sent == 1  # the snooze still came
    assert run(app, "2026-11-23T21:30").sent == 1  # only `sub`: `other` did its routine
    assert [len(push.received(s)) for s in (sub, other)] == [3, 1]


def test_a_dispatcher_holding_the_row_cannot_write_tonight_back(app, push):
    """Marked done while a dispatcher has the reminder leased (a retry pending): its answer is not written."""
    sub = push.subscriber()
    subscribe(app, sub, "2026-11-22T00:00")
    dispatcher = Dispatcher(app)
    (claimed,) = dispatcher.claim(utc("2026-11-22T21:30"))
    done(app, sub, "2026-11-22", "2026-11-22T21:30:05")
    answer = [(claimed, Outcome("retry", 503, "HTTP 503"))]
    record(get_db(app), answer, utc("2026-11-22T21:30:10"), Summary(), random.Random(1))
    (reminder,) = reminders(app)
    assert reminder.next_due_at == datetime(2026, 11, 23, 21, 30) and reminder.retry_after is None
    assert run(app, "2026-11-22T21:35").sent == 0


def test_the_message_carries_both_actions_in_each_language(app):
    with app.app_context():
        titles = {lang: [a["title"] for a in payload(lang)["actions"]] for lang in ("en", "es", "ru")}
        assert [a["action"] for a in payload("en")["actions"]] == ["routine", "later"]
    assert titles["en"] == ["Start routine", "Later"]
    assert titles["es"] == ["Empezar la rutina", "Más tarde"] and titles["ru"] == ["Начать растяжку", "Позже"]


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def client(app):
    return app.test_client()


def saved(client, endpoint="https://127.0.0.1/push/abc", zone="Europe/London") -> dict:
    data = body(subscription__endpoint=endpoint, timezone=zone)
    assert client.post("/api/reminders", json=data).status_code == 201
    return data


def test_the_api_refuses_bad_bodies_naming_the_field(client):
    secret = proof()["auth"]
    for path in ("/api/reminders/snooze", "/api/reminders/done"):
        assert client.post(path, json=[]).get_json()["error"].startswith("the request body")
        answer = client.post(path, json={"auth": secret, "night": "2026-11-22"})
        assert answer.status_code == 400 and answer.get_json()["error"].startswith("endpoint")
        answer = client.post(path, json={"endpoint": "https://127.0.0.1/push/abc", "night": "2026-11-22"})
        assert answer.status_code == 400 and answer.get_json()["error"].startswith("auth")
        assert client.post(path, data="x", content_type="text/plain").status_code == 415
        assert client.post(path, json={"endpoint": "x" * 5000}).status_code == 413
    for night in ("2026-13-01", "22/11/2026", "２０２６-11-22", 20261122, None, "2026-02-30"):
        body_ = {"endpoint": "https://127.0.0.1/push/abc", "auth": secret, "night": night}
        answer = client.post("/api/reminders/done", json=body_)
        assert answer.status_code == 400 and answer.get_json()["error"].startswith("night"), night


def test_the_api_answers_404_for_an_unknown_subscription(client):
    for path, extra in (("/api/reminders/snooze", {}), ("/api/reminders/done", {"night": "2026-11-22"})):
        answer = client.post(path, json={**proof(), "endpoint": "https://127.0.0.1/push/nobody", **extra})
        assert answer.status_code == 404 and answer.get_json()["error"].startswith("endpoint")


def test_the_api_marks_tonight_done_and_refuses_a_snooze_not_due(app, client):
    mine = proof(saved(client))
    tonight = night_of(datetime.now(UTC), "Europe/London")
    answer = client.post("/api/reminders/done", json={**mine, "night": tonight})
    assert answer.status_code == 200 and answer.get_json()["night"] == tonight
    assert client.post("/api/reminders/done", json={**mine, "night": tonight}).status_code == 200
    answer = client.post("/api/reminders/snooze", json=mine)
    assert answer.status_code == 409 and answer.get_json()["error"].startswith("endpoint")
    wrong = client.post("/api/reminders/done", json={**mine, "night": "2000-01-01"})
    assert wrong.status_code == 409 and wrong.get_json()["error"].startswith("night")


def test_the_migration_keeps_existing_reminders(tmp_path):
    """A database made by the first migration, with a reminder in it, upgrades and keeps it."""
    from alembic import command

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0001")
    now = datetime(2026, 11, 22, 12, 0)
    first = table(  # the table as the first migration made it
        "reminders",
        *(
            column(name)
            for name in ("endpoint", "p256dh", "auth", "local_time", "timezone", "days", "next_due_at", "attempts")
        ),
        *(column(name) for name in ("lang", "created_at", "updated_at")),
    )
    with engine.begin() as connection:
        connection.execute(
            insert(first).values(
                endpoint="https://127.0.0.1/push/old",
                p256dh="x",
                auth="y",
                local_time="21:30",
                timezone="Europe/London",
                days="mon",
                next_due_at=now,
                attempts=0,
                lang="es",
                created_at=now,
                updated_at=now,
            )
        )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        assert is_current(engine)  # at every head Alembic knows
        row = connection.execute(select(Reminder.__table__)).one()  # type: ignore[arg-type]
    assert (row.endpoint, row.lang, row.snoozed_on, row.night_done) == ("https://127.0.0.1/push/old", "es", None, None)
    assert (row.refused_nights, row.parked) == (0, None)  # not refused, not parked
    engine.dispose()

"""Possession, not knowledge: the endpoint alone reads, changes, tests and deletes nothing.

A push endpoint leaks into logs and backups; the subscription's auth secret does not. Every
request about a stored reminder proves it holds that secret, an unknown endpoint and a wrong
secret get the same answer, keys are replaced only with the old secret, and one subscription
is one row whatever its spelling. On SQLite and on PostgreSQL, against the fake push service.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest
from sqlalchemy import column, create_engine, insert, select, table

from app.db import alembic_config, get_db
from app.reminders.models import Reminder
from app.reminders.tonight import night_of
from tests.conftest import make_app
from tests.fakepush import b64e
from tests.test_dispatch import EVERY_DAY, SUBJECT
from tests.test_reminder_pages import HX, ids

PATHS = ("/api/reminders/test", "/api/reminders/snooze", "/api/reminders/done")


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(
        tmp_path,
        database_url,
        PUSH_ALLOW_HTTP=True,
        PUSH_SERVICE_HOSTS=["127.0.0.1", "localhost"],
        VAPID_SUBJECT=SUBJECT,
        API_RATE_LIMIT="100000 per minute",
    )


def settings(sub, **extra) -> dict:
    return {
        "subscription": sub.subscription(),
        "time": "21:30",
        "timezone": "Europe/London",
        "days": EVERY_DAY,
        **extra,
    }


def rows(app) -> list[Reminder]:
    with get_db(app).session() as session:
        return list(session.execute(select(Reminder).order_by(Reminder.id)).scalars())


def proof(sub, auth: str | None = None) -> dict:
    return {"endpoint": sub.endpoint, "auth": auth or sub.subscription()["keys"]["auth"]}


def night_body(sub, **extra) -> dict:
    return {**proof(sub), "night": night_of(datetime.now().astimezone(), "Europe/London"), **extra}


def test_the_endpoint_alone_reads_changes_tests_and_deletes_nothing(app, client, push):
    sub = push.subscriber()
    assert client.post("/api/reminders", json=settings(sub)).status_code == 201
    before = [(r.endpoint, r.auth, r.next_due_at, r.night_done) for r in rows(app)]
    bare = {"endpoint": sub.endpoint}
    for path in PATHS:
        answer = client.post(path, json={**bare, "night": "2026-11-22"})
        assert answer.status_code == 400 and answer.get_json()["error"] == "auth is required", path
    assert client.delete("/api/reminders", json=bare).status_code == 400
    status = ids(client.post("/reminders/status", data=bare, headers=HX))
    assert status["reminder-summary"]["data-on"] == "false"  # the time, days and zone are not shown
    assert client.post("/reminders/off", data=bare, headers=HX).status_code == 400
    assert client.post("/reminders/test", data=bare, headers=HX).status_code == 404
    assert [(r.endpoint, r.auth, r.next_due_at, r.night_done) for r in rows(app)] == before
    assert push.received(sub) == []


def test_a_wrong_secret_gets_the_answer_an_unknown_endpoint_gets(app, client, push):
    sub, stranger = push.subscriber(), push.subscriber()
    assert client.post("/api/reminders", json=settings(sub)).status_code == 201
    wrong = b64e(os.urandom(16))
    for path in PATHS:
        guessed = client.post(path, json=night_body(sub, auth=wrong))
        unknown = client.post(path, json=night_body(stranger))
        assert (guessed.status_code, guessed.get_json()) == (unknown.status_code, unknown.get_json()), path
        assert guessed.status_code == 404
    guessed = client.delete("/api/reminders", json=proof(sub, wrong))
    unknown = client.delete("/api/reminders", json=proof(stranger))
    assert guessed.status_code == unknown.status_code == 204 and guessed.data == unknown.data == b""
    for path in ("/reminders/status", "/reminders/test", "/reminders/off"):
        guessed = client.post(path, data=proof(sub, wrong), headers=HX)
        unknown = client.post(path, data=proof(stranger), headers=HX)
        assert (guessed.status_code, guessed.data) == (unknown.status_code, unknown.data), path
    (row,) = rows(app)
    assert row.endpoint == sub.endpoint and row.night_done is None
    assert push.received(sub) == []


def test_the_owner_reads_tests_marks_done_and_deletes(app, client, push):
    sub = push.subscriber()
    assert client.post("/api/reminders", json=settings(sub)).status_code == 201
    status = ids(client.post("/reminders/status", data=proof(sub), headers=HX))
    assert json.loads(status["reminder-summary"]["data-settings"])["time"] == "21:30"
    assert client.post("/api/reminders/test", json=proof(sub)).status_code == 202
    assert len(push.received(sub)) == 1
    assert client.post("/api/reminders/done", json=night_body(sub)).status_code == 200
    assert client.delete("/api/reminders", json=proof(sub)).status_code == 204
    assert rows(app) == []


def test_new_keys_for_a_stored_endpoint_need_the_old_secret(app, client, push):
    sub = push.subscriber()
    assert client.post("/api/reminders", json=settings(sub)).status_code == 201
    old = sub.subscription()["keys"]
    thief = push.subscriber()  # other keys, re-posted under the victim's endpoint
    swapped = {**settings(thief), "subscription": {"endpoint": sub.endpoint, "keys": thief.subscription()["keys"]}}
    answer = client.post("/api/reminders", json=swapped)
    assert answer.status_code == 403 and answer.get_json()["error"].startswith("subscription.keys.auth")
    answer = client.post("/api/reminders", json={**swapped, "previousAuth": b64e(os.urandom(16))})
    assert answer.status_code == 403
    (row,) = rows(app)
    assert (row.p256dh, row.auth) == (old["p256dh"], old["auth"])  # unchanged: the phone still decrypts

    # The browser itself renewed the keys at the same endpoint: it knows the old secret.
    answer = client.post("/api/reminders", json={**swapped, "previousAuth": old["auth"], "time": "22:00"})
    assert answer.status_code == 200 and answer.get_json()["time"] == "22:00"
    (row,) = rows(app)
    assert row.auth == thief.subscription()["keys"]["auth"]
    assert client.post("/api/reminders/snooze", json=proof(sub)).status_code == 404  # the old secret is spent


def test_the_test_send_is_limited_per_subscription_and_only_the_owner_counts(app, client, push):
    sub, other = push.subscriber(), push.subscriber()
    for s in (sub, other):
        assert client.post("/api/reminders", json=settings(s)).status_code == 201
    for _ in range(5):  # a stranger's tries use up nothing
        assert client.post("/api/reminders/test", json=proof(sub, b64e(os.urandom(16)))).status_code == 404
    assert [client.post("/api/reminders/test", json=proof(sub)).status_code for _ in range(4)] == [202] * 3 + [429]
    limited = client.post("/api/reminders/test", json=proof(sub))
    assert "test reminders per hour" in limited.get_json()["error"] and int(limited.headers["Retry-After"]) > 0
    assert client.post("/api/reminders/test", json=proof(other)).status_code == 202
    assert len(push.received(sub)) == 3
    page = client.post("/reminders/test", data=proof(sub), headers=HX)
    assert page.status_code == 429 and "Try again in an hour" in page.get_data(as_text=True)


def spellings(sub) -> list[str]:
    """One subscription's endpoint as a careless client might write it."""
    scheme, rest = sub.endpoint.split("://")
    origin, path = rest.split("/", 1)
    host, port = origin.split(":")
    return [
        f"{scheme}://{host}:0{port}/{path}",
        f"{scheme}://{host}:{port}//{path}",
        f"{scheme}://{host}:{port}/{path.replace('/', '//')}/",
        f"{scheme.upper()}://{host}:{port}/{path}?",
        f"{scheme}://{host}:{port}/{path.replace('push', '%70ush')}",
    ]


def test_one_subscription_is_one_row_whatever_its_spelling(app, client, push):
    sub = push.subscriber()
    assert client.post("/api/reminders", json=settings(sub)).status_code == 201
    for spelling in spellings(sub):
        again = {**settings(sub), "subscription": {**sub.subscription(), "endpoint": spelling}}
        answer = client.post("/api/reminders", json=again)
        assert answer.status_code == 200 and answer.get_json()["endpoint"] == sub.endpoint, spelling
        assert client.post("/api/reminders/snooze", json={**proof(sub), "endpoint": spelling}).status_code == 409
    (row,) = rows(app)
    assert row.endpoint == sub.endpoint
    spelled = {**proof(sub), "endpoint": spellings(sub)[1]}
    assert client.post("/api/reminders/test", json=spelled).status_code == 202
    assert len(push.received(sub)) == 1  # one phone, one message
    assert client.delete("/api/reminders", json=spelled).status_code == 204 and rows(app) == []


def test_the_hostile_set_s_spelling_of_fcm_is_stored_plainly(app, client):
    app.config["PUSH_SERVICE_HOSTS"] = ["fcm.googleapis.com"]
    app.config["PUSH_ALLOW_HTTP"] = False
    from tests.test_reminders_api import body

    answer = client.post("/api/reminders", json=body(subscription__endpoint="https://FCM.googleapis.com:0443//x"))
    assert answer.status_code == 201 and answer.get_json()["endpoint"] == "https://fcm.googleapis.com/x"


def test_the_migration_merges_spellings_keeping_the_newest(tmp_path, database_url):
    """Rows stored before endpoints were canonical: one row each, the most recently saved kept."""
    from alembic import command

    engine = create_engine(database_url)
    command.upgrade(alembic_config(engine), "0002")
    old = table(
        "reminders",
        *(column(n) for n in ("endpoint", "p256dh", "auth", "local_time", "timezone", "days")),
        *(column(n) for n in ("next_due_at", "attempts", "lang", "created_at", "updated_at")),
    )
    base = "https://fcm.googleapis.com/fcm/send/one"
    saved = [
        ("https://FCM.googleapis.com:0443/fcm/send/one", datetime(2026, 11, 1)),
        (base, datetime(2026, 11, 2)),
        ("https://fcm.googleapis.com//fcm/send/one?", datetime(2026, 11, 3)),  # the newest: kept
        ("https://fcm.googleapis.com/fcm/send/two", datetime(2026, 11, 1)),
        ("https://fcm.googleapis.com:443/fcm//send/three/", datetime(2026, 11, 1)),
    ]
    with engine.begin() as connection:
        for endpoint, at in saved:
            connection.execute(
                insert(old).values(
                    endpoint=endpoint,
                    p256dh=f"key-{at.day}",
                    auth="a",
                    local_time="21:30",
                    timezone="UTC",
                    days="mon",
                    next_due_at=at,
                    attempts=0,
                    lang="en",
                    created_at=at,
                    updated_at=at,
                )
            )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        found = connection.execute(
            select(Reminder.endpoint, Reminder.p256dh, Reminder.quiet).order_by(Reminder.endpoint)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in found] == [
        ("https://fcm.googleapis.com/fcm/send/one", "key-3", False),
        ("https://fcm.googleapis.com/fcm/send/three", "key-1", False),
        ("https://fcm.googleapis.com/fcm/send/two", "key-1", False),
    ]

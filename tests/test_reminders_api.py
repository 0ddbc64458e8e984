"""The reminders API: every bad input is a clear 4xx naming the field, never a 500."""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import time
from datetime import UTC

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from app.db import get_db
from app.reminders.models import Reminder, Setting
from tests.conftest import make_app


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def p256dh() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64(key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


# One phone's subscription keys: a save again from the same phone carries the same keys.
KEYS = {"p256dh": p256dh(), "auth": b64(os.urandom(16))}


def proof(data: dict | None = None) -> dict:
    """What a request about a stored reminder sends: the endpoint and its auth secret."""
    subscription = (data or body())["subscription"]
    return {"endpoint": subscription["endpoint"], "auth": subscription["keys"]["auth"]}


def body(**changes) -> dict:
    """A valid reminder from this test's phone (KEYS), with some fields changed (None removes one)."""
    data = {
        "subscription": {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
            "keys": dict(KEYS),
        },
        "time": "21:30",
        "timezone": "Europe/London",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


@pytest.fixture
def app(tmp_path, database_url):
    """The API's tests run on SQLite and on PostgreSQL."""
    return make_app(tmp_path, database_url)


def stored(app) -> list[Reminder]:
    with get_db(app).session() as session:
        return session.execute(select(Reminder)).scalars().all()


def test_public_key_is_a_p256_point_kept_in_the_database(app, client):
    key = client.get("/api/push/public-key").get_json()["publicKey"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    with get_db(app).session() as session:
        assert session.get(Setting, "vapid_private_key_pem").value.startswith("-----BEGIN")
    assert client.get("/api/push/public-key").get_json()["publicKey"] == key


def test_every_process_shares_one_generated_key(tmp_path, database_url):
    first = make_app(tmp_path, database_url).test_client().get("/api/push/public-key").get_json()["publicKey"]
    second = make_app(tmp_path, database_url).test_client().get("/api/push/public-key").get_json()["publicKey"]
    assert first == second


def test_a_configured_private_key_overrides(tmp_path):
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    app = make_app(tmp_path, VAPID_PRIVATE_KEY=vapid.private_pem().decode())
    key = app.test_client().get("/api/push/public-key").get_json()["publicKey"]
    expected = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert key == b64(expected)


def test_create_then_update_by_endpoint(app, client):
    response = client.post("/api/reminders", json=body())
    assert response.status_code == 201
    assert response.get_json()["time"] == "21:30"
    assert response.get_json()["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    response = client.post("/api/reminders", json=body(time="22:15", days=["sun", "mon"]))
    assert response.status_code == 200
    assert response.get_json()["days"] == ["mon", "sun"]
    (reminder,) = stored(app)
    assert reminder.local_time == "22:15" and reminder.days == "mon,sun"


def test_saving_again_keeps_an_evening_already_sent_off_the_schedule(app, client):
    """The save (one statement on PostgreSQL) moves next_due past the row's done_through, however far ahead."""
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import update

    def due_day() -> date:
        (reminder,) = stored(app)
        return reminder.next_due_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London")).date()

    def done_through(day: date) -> None:
        with get_db(app).session() as session:
            session.execute(update(Reminder).values(done_through=day.isoformat()))

    assert client.post("/api/reminders", json=body()).status_code == 201
    first = due_day()
    done_through(first)
    assert client.post("/api/reminders", json=body()).status_code == 200
    assert due_day() == first + timedelta(days=1)
    done_through(first + timedelta(days=3))
    response = client.post("/api/reminders", json=body(time="21:45"))
    assert response.status_code == 200
    assert due_day() == first + timedelta(days=4)
    assert response.get_json()["nextDueAt"].startswith((first + timedelta(days=4)).isoformat())
    done_through(first - timedelta(days=10))  # long ago: tonight's (or the next) evening again
    assert client.post("/api/reminders", json=body()).status_code == 200
    assert due_day() == first


def test_delete_forgets_the_subscription_and_is_fine_when_unknown(app, client):
    client.post("/api/reminders", json=body())
    assert client.delete("/api/reminders", json=proof()).status_code == 204
    assert stored(app) == []
    assert client.delete("/api/reminders", json=proof()).status_code == 204


BAD = [
    (body(subscription=None), 400, "subscription"),
    (body(subscription__endpoint=None), 400, "subscription.endpoint"),
    (body(subscription__endpoint=42), 400, "subscription.endpoint"),
    (body(subscription__endpoint="http://fcm.googleapis.com/x"), 400, "subscription.endpoint must use https"),
    (body(subscription__endpoint="https://evil.example.com/push"), 400, "subscription.endpoint host"),
    (body(subscription__endpoint="https://127.0.0.1/push"), 400, "subscription.endpoint host"),
    (body(subscription__endpoint="https://169.254.169.254/latest"), 400, "subscription.endpoint host"),
    (body(subscription__endpoint="https://fcm.googleapis.com.evil.com/x"), 400, "subscription.endpoint host"),
    (body(subscription__endpoint="https://user:pw@fcm.googleapis.com/x"), 400, "subscription.endpoint"),
    (body(subscription__endpoint="https://fcm.googleapis.com:99999/x"), 400, "subscription.endpoint"),
    (body(subscription__endpoint="https://fcm.googleapis.com/" + "a" * 2100), 400, "subscription.endpoint"),
    (body(subscription__endpoint="https://fcm.googleapis.com/fcm/send/a\x00b"), 400, "subscription.endpoint"),
    (body(subscription__endpoint="https://fcm.googleapis.com/fcm/send/a b"), 400, "subscription.endpoint"),
    (body(subscription__endpoint="https://fcm.googleapis.com/fcm/send/a\nb"), 400, "subscription.endpoint"),
    (body(subscription__keys=None), 400, "subscription.keys"),
    (body(subscription__keys__p256dh=None), 400, "subscription.keys.p256dh"),
    (body(subscription__keys__p256dh="!!!not base64!!!"), 400, "subscription.keys.p256dh"),
    (body(subscription__keys__p256dh=b64(os.urandom(33))), 400, "subscription.keys.p256dh"),
    (body(subscription__keys__p256dh="!*~" * 30 + p256dh()), 400, "subscription.keys.p256dh"),
    (body(subscription__keys__auth="\x00" * 60 + b64(os.urandom(16))), 400, "subscription.keys.auth"),
    (body(subscription__keys__p256dh=b64(b"\x04" + b"\x01" * 64)), 400, "subscription.keys.p256dh"),
    (body(subscription__keys__auth=b64(os.urandom(15))), 400, "subscription.keys.auth"),
    (body(subscription__keys__auth=None), 400, "subscription.keys.auth"),
    (body(subscription__keys__auth=b64(os.urandom(16)) + "\n"), 400, "subscription.keys.auth"),
    (body(time="9:30"), 400, "time"),
    (body(time="24:00"), 400, "time"),
    (body(time="21:30\n"), 400, "time"),
    (body(time=2130), 400, "time"),
    (body(time=None), 400, "time"),
    (body(timezone="Mars/Olympus"), 400, "timezone"),
    (body(timezone="../../etc/passwd"), 400, "timezone"),
    (body(timezone=None), 400, "timezone"),
    (body(days=[]), 400, "days"),
    (body(days=["monday"]), 400, "days"),
    (body(days=["mon", "mon"]), 400, "days"),
    (body(days="mon"), 400, "days"),
    ([1, 2, 3], 400, "the request body must be a JSON object"),
]


@pytest.mark.parametrize(("payload", "status", "field"), BAD)
def test_bad_reminders_are_refused_naming_the_field(app, client, payload, status, field):
    response = client.post("/api/reminders", json=payload)
    assert response.status_code == status
    assert field in response.get_json()["error"]
    assert stored(app) == []


def test_malformed_json_is_a_400(client):
    response = client.post("/api/reminders", data='{"time": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "the request body is not valid JSON"}


def test_a_body_that_is_not_json_is_a_415(client):
    response = client.post("/api/reminders", data="time=21:30", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Content-Type" in response.get_json()["error"]


def test_a_large_body_is_refused(client):
    payload = body()
    payload["padding"] = "x" * 5000
    response = client.post("/api/reminders", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 413
    assert "larger than 4096 bytes" in response.get_json()["error"]


def test_a_large_body_without_a_length_is_refused():
    """A chunked upload has no Content-Length: the limit applies while reading (real waitress)."""
    from tests.browser.conftest import start_server

    server = start_server()
    try:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        chunks = [b'{"padding": "'] + [b"x" * 1000] * 10 + [b'"}']
        connection.request(
            "POST",
            "/api/reminders",
            body=iter(chunks),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413
        assert "larger than 4096 bytes" in json.loads(response.read())["error"]
        connection.close()
    finally:
        server.stop()


def test_keys_are_stored_in_one_canonical_form(app, client):
    """Padded base64url is accepted; what is stored is the plain unpadded form."""
    good = body()
    key, auth = good["subscription"]["keys"]["p256dh"], good["subscription"]["keys"]["auth"]
    good["subscription"]["keys"] = {"p256dh": key + "=", "auth": auth + "=="}
    assert client.post("/api/reminders", json=good).status_code == 201
    [reminder] = stored(app)
    assert (reminder.p256dh, reminder.auth) == (key, auth)


@pytest.mark.parametrize(
    "payload", [{}, {"endpoint": 5}, {"endpoint": ""}, [], {"endpoint": "https://fcm.googleapis.com/a\x00"}]
)
def test_delete_needs_an_endpoint(client, payload):
    response = client.delete("/api/reminders", json=payload)
    assert response.status_code == 400
    assert "endpoint" in response.get_json()["error"] or "JSON object" in response.get_json()["error"]


def test_unknown_api_paths_and_methods_answer_json(client):
    assert client.get("/api/nothing").get_json() == {"error": "no such API endpoint"}
    response = client.put("/api/reminders", json=body())
    assert response.status_code == 405 and "PUT" in response.get_json()["error"]


def test_plain_http_only_when_allowed_for_local_tests(tmp_path):
    app = make_app(tmp_path, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"])
    response = app.test_client().post("/api/reminders", json=body(subscription__endpoint="http://127.0.0.1:9/push/a"))
    assert response.status_code == 201


def test_the_api_is_rate_limited_per_client(tmp_path):
    app = make_app(tmp_path, API_RATE_LIMIT="5 per minute")
    client = app.test_client()
    answers = [client.get("/api/push/public-key") for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert not [name for name, _value in answers[0].headers if name.startswith("X-RateLimit")]  # only with a 429
    response = client.get("/api/push/public-key")
    assert response.get_json()["error"].startswith("too many requests")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == "5" and response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time()


@pytest.mark.parametrize("second", [0.3, 30.0, 59.7])
def test_retry_after_is_never_more_than_the_minute_of_the_budget(tmp_path, monkeypatch, second):
    """Also in a minute's first second (the budget's windows start on the minute), where rounding
    the reset time up and the clock down once said 61 (a flake: 1 run in 60)."""
    app = make_app(tmp_path, API_RATE_LIMIT="5 per minute")
    client = app.test_client()
    now = (time.time() // 60 + 1) * 60 + second
    monkeypatch.setattr(time, "time", lambda: now)
    answers = [client.get("/api/push/public-key").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    response = client.get("/api/push/public-key")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert int(response.headers["Retry-After"]) == math.ceil(60 - second)  # till the window ends
    assert int(response.headers["X-RateLimit-Reset"]) > now


def test_a_bad_vapid_subject_stops_the_app_from_starting(tmp_path):
    from app.reminders.vapid import ConfigError

    bad = ("admin", "mailto:nobody", "http://insecure.example.com", "https://", "mailto:care@calmcalf.example\n")
    for subject in bad:
        with pytest.raises(ConfigError, match="CALMCALF_VAPID_SUBJECT"):
            make_app(tmp_path, VAPID_SUBJECT=subject)
    make_app(tmp_path, VAPID_SUBJECT="mailto:care@calmcalf.example")
    make_app(tmp_path, VAPID_SUBJECT="https://calmcalf.example/contact")


def test_a_bad_configured_private_key_stops_the_app_clearly(tmp_path):
    from app.reminders.vapid import ConfigError

    app = make_app(tmp_path, VAPID_PRIVATE_KEY="not a key")
    with pytest.raises(ConfigError, match="CALMCALF_VAPID_PRIVATE_KEY"):
        from app.reminders.vapid import load_vapid

        load_vapid(app)

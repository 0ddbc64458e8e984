"""Input an attacker would send: refused with a 4xx naming the field, never a 5xx, never stored."""

from __future__ import annotations

import json
import os
import threading

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.config import DEFAULT_PUSH_SERVICE_HOSTS
from app.db import get_db
from app.reminders.models import Reminder
from app.reminders.schema import ReminderRequest
from app.reminders.validation import canonical_endpoint
from tests.conftest import make_app
from tests.test_reminders_api import b64, body, p256dh

FIELDS = (
    "subscription",
    "endpoint",
    "auth",
    "previousAuth",
    "time",
    "timezone",
    "days",
    "quiet",
    "night",
    "the request body",
    "Content-Type",
)
KEYS = {"p256dh": p256dh(), "auth": b64(os.urandom(16))}


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(tmp_path, database_url, API_RATE_LIMIT="100000 per minute")


def stored(app) -> list[Reminder]:
    with get_db(app).session() as session:
        return session.execute(select(Reminder)).scalars().all()


def assert_all_stored_valid(app) -> None:
    """What the database holds would pass the schema again, with its endpoint in the one canonical spelling."""
    for reminder in stored(app):
        again = {
            "subscription": {"endpoint": reminder.endpoint, "keys": {"p256dh": reminder.p256dh, "auth": reminder.auth}},
            "time": reminder.local_time,
            "timezone": reminder.timezone,
            "days": reminder.day_list(),
        }
        checked = ReminderRequest.model_validate(again, context={"hosts": DEFAULT_PUSH_SERVICE_HOSTS})
        assert checked.subscription.endpoint == reminder.endpoint


def with_endpoint(endpoint: str) -> dict:
    return body(subscription__endpoint=endpoint)


BAD_ENDPOINTS = [
    "https://evil.com\\.push.apple.com/x",
    "https://evil.com%2f.push.apple.com/x",
    "https://evil.com;.push.apple.com/x",
    "https://evil\\@fcm.googleapis.com/x",
    "https://fcm.googleapis.com./fcm/send/a",
    "https://fcm.googleapis.com:8443/fcm/send/a",
    "https://fcm.googleapis.com:80/fcm/send/a",
    "https://fcm.googleapis.com:0/fcm/send/a",
    "https://fcm.googleapis.com:٤٤٣/fcm/send/a",
    "https://push.apple.com/x",  # "*.push.apple.com" is a subdomain, not the name itself
    "https://xpush.apple.com/x",
    "https://a..push.apple.com/x",
    "https://-a.push.apple.com/x",
    "https://ｆcm.googleapis.com/x",
    "https://fcm.googleapis.com\u200b/x",
    "https://fcm.googleapis.com/fcm/send/\u202eabc",
    "https://fcm.googleapis.com/fcm/send/a\x7fb",
    "https://fcm.googleapis.com/fcm/../../admin",
    "https://fcm.googleapis.com/fcm/%2e%2e/admin",
    "https://fcm.googleapis.com/fcm/send/a%zz",
    "https://fcm.googleapis.com/fcm/send/a#frag",
    "https://fcm.googleapis.com/fcm/send/ä",
    "https://[::1]/x",
    "https://fcm.googleapis.com",
]


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_endpoints_that_only_look_allowed_are_refused(app, client, endpoint):
    response = client.post("/api/reminders", json=with_endpoint(endpoint))
    assert response.status_code == 400, endpoint
    assert "subscription.endpoint" in response.get_json()["error"]
    assert stored(app) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:APA91b-_x",
        "https://fcm.googleapis.com:443/fcm/send/abc",
        "https://db5p.notify.windows.com/w/?token=BQYAAAB%2bx%3d",
        "https://a.b.push.apple.com/3/device/ff",
        "https://xn--bcher-kva.notify.windows.com/w/1",
        "https://FCM.googleapis.com/fcm/send/abc",
    ],
)
def test_real_endpoint_shapes_are_accepted(app, client, endpoint):
    assert client.post("/api/reminders", json=with_endpoint(endpoint)).status_code == 201


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Europe/London", "right/UTC", "GB", ""])
def test_zones_that_are_not_real_places_are_refused(app, client, zone):
    response = client.post("/api/reminders", json=body(timezone=zone))
    assert response.status_code == 400 and "timezone" in response.get_json()["error"]


@pytest.mark.parametrize("zone", ["Europe/London", "America/Argentina/Buenos_Aires", "UTC", "Asia/Calcutta"])
def test_real_zones_and_the_old_names_browsers_report_are_accepted(app, client, zone):
    assert client.post("/api/reminders", json=body(timezone=zone)).status_code == 201


@pytest.mark.parametrize("time", ["٢١:٣٠", "２１:３０", "21：30", "２1:30", "21:3０", "𝟐𝟏:𝟑𝟎"])
def test_times_in_other_digits_are_refused_not_a_500(app, client, time):
    response = client.post("/api/reminders", json=body(time=time))
    assert response.status_code == 400 and "time" in response.get_json()["error"]
    assert stored(app) == []


@pytest.mark.parametrize("depth", [9, 50, 2000])
def test_deeply_nested_json_is_refused_before_parsing(client, depth):
    raw = '{"time": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/reminders", data=raw[:4000], content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.get_json()["error"]


def test_brackets_inside_strings_are_not_nesting(client):
    response = client.post("/api/reminders", json=body(days=["[[[[[[[[[[[[{{{{{{{{{"]))
    assert response.status_code == 400 and "days" in response.get_json()["error"]


def test_concurrent_first_posts_of_one_endpoint_create_it_once(app):
    """Eight phones' worth of the same first request at once: 201 once, 200 for the rest, never a 500."""
    payload = body()
    start = threading.Barrier(8)
    statuses = []

    def post():
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/api/reminders", json=payload).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(stored(app)) == 1


# --- property-based: generated hostile bodies --------------------------------------------------

TRICKY = [
    "٢١:٣٠",
    "２１:３０",
    "21:30",
    "\u202e",
    "\u200b",
    "\x00",
    "\x1b[31m",
    "..",
    "../",
    "%2e%2e",
    "%zz",
    "localtime",
    "Factory",
    "posix/UTC",
    "Europe/London",
    "UTC",
    "fcm.googleapis.com.",
    "evil\\.push.apple.com",
    "a;b.push.apple.com",
    "a%2f.push.apple.com",
    "ｆcm.googleapis.com",
    ":443",
    ":8443",
    ":٤٤٣",
    "@",
    "#",
    "?",
    "mon",
    "𝟐𝟏",
    "\ud7ff",
    "ä",
]
text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.lists(st.sampled_from(TRICKY), min_size=1, max_size=4).map("".join),
)
hosts = st.one_of(
    st.sampled_from(["fcm.googleapis.com", "x.push.apple.com", "push.apple.com", "a.b.notify.windows.com"]),
    st.lists(st.sampled_from([*TRICKY, "fcm.googleapis.com", "push.apple.com", "x", "."]), max_size=4).map("".join),
)
ports = st.sampled_from(["", ":443", ":8443", ":0", ":65536", ":٤٤٣", ":"])
paths = st.lists(st.one_of(st.sampled_from(TRICKY), st.sampled_from(["fcm", "send", "abc"])), max_size=5).map("/".join)
endpoints = st.one_of(
    st.text(alphabet="abcXYZ019-_:%.~/?=+", max_size=20).map(
        lambda tail: "https://fcm.googleapis.com/fcm/send/" + tail
    ),
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
        st.sampled_from(["https", "http", "HTTPS", "ftp"]),
        hosts,
        ports,
        paths,
    ),
    text,
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8
)


def maybe(valid, hostile):
    """Mostly a hostile value, sometimes a valid one, so later fields get checked too."""
    return st.one_of(st.just(valid), hostile, json_values)


bodies = st.builds(
    lambda endpoint, keys, time, zone, days: {
        "subscription": {"endpoint": endpoint, "keys": keys},
        "time": time,
        "timezone": zone,
        "days": days,
    },
    maybe("https://fcm.googleapis.com/fcm/send/ok", endpoints),
    maybe(KEYS, st.fixed_dictionaries({"p256dh": maybe(KEYS["p256dh"], text), "auth": maybe(KEYS["auth"], text)})),
    maybe("21:30", text),
    maybe("Europe/London", text),
    maybe(["mon"], st.lists(maybe("mon", text), max_size=9)),
)
VALID = {
    "subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/ok", "keys": KEYS},
    "time": "21:30",
    "timezone": "Europe/London",
    "days": ["mon"],
}


def one_bad(field: str, value) -> dict:
    """A valid body with one field replaced: the checks after the first bad field get exercised too."""
    changed = json.loads(json.dumps(VALID))
    if field == "endpoint":
        changed["subscription"]["endpoint"] = value
    else:
        changed[field] = value
    return changed


one_field_bodies = st.one_of(
    st.builds(one_bad, st.just("endpoint"), endpoints),
    st.builds(one_bad, st.sampled_from(["time", "timezone", "days", "subscription"]), json_values),
)
raw_bodies = st.one_of(
    one_field_bodies.map(lambda b: json.dumps(b).encode()),
    bodies.map(lambda b: json.dumps(b).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.just(b'{"time": "' + b"x" * 5000 + b'"}'),
)


def check_answer(response) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data()[:200])
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert any(field in error for field in FIELDS) or "larger than" in error, error


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=raw_bodies, method=st.sampled_from(["POST", "POST", "POST", "DELETE"]))
def test_generated_hostile_bodies_never_5xx_and_store_nothing_invalid(app, raw, method):
    client = app.test_client()
    response = client.open("/api/reminders", method=method, data=raw, content_type="application/json")
    check_answer(response)
    event(f"HTTP {response.status_code}")
    if response.status_code in (200, 201):
        posted = json.loads(raw)["subscription"]["endpoint"]
        assert response.get_json()["endpoint"] == canonical_endpoint(posted, allow_http=False)[0]
    assert_all_stored_valid(app)


done_bodies = st.one_of(
    st.builds(
        lambda e, a, n: {"endpoint": e, "auth": a, "night": n},
        maybe("https://fcm.googleapis.com/fcm/send/ok", endpoints),
        maybe(KEYS["auth"], text),
        maybe("2026-11-22", text),
    ),
    json_values,
)


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=done_bodies, path=st.sampled_from(["/api/reminders/snooze", "/api/reminders/done"]))
def test_generated_hostile_snooze_and_done_bodies_never_5xx_and_change_nothing(app, data, path):
    """Only a stored subscription can be snoozed or marked done: anything else is a 4xx naming its field."""
    client = app.test_client()
    client.post("/api/reminders", json=VALID)
    response = client.post(path, data=json.dumps(data), content_type="application/json")
    check_answer(response)
    assert response.status_code in (400, 404, 409, 413), response.status_code
    assert_all_stored_valid(app)

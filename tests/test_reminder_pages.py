"""The Reminders page's htmx requests: fragments, field errors by their fields, never a 5xx, HX-Request only."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.db import get_db
from app.reminders.models import Reminder
from app.reminders.schedule import to_naive_utc
from app.reminders.tonight import night_of
from tests.conftest import make_app
from tests.test_hostile_input import TRICKY, assert_all_stored_valid
from tests.test_reminders_api import b64, p256dh

HX = {"HX-Request": "true", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "empty"}
ENDPOINT = "https://fcm.googleapis.com/fcm/send/page-1"
KEYS = {"p256dh": p256dh(), "auth": b64(os.urandom(16))}  # this phone's subscription
MINE = {"endpoint": ENDPOINT, "auth": KEYS["auth"]}  # what the page's script adds to every request


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(tmp_path, database_url, API_RATE_LIMIT="100000 per minute")


@pytest.fixture
def client(app):
    return app.test_client()


def form(**changes) -> dict:
    data = {
        "endpoint": ENDPOINT,
        **KEYS,
        "time": "21:30",
        "timezone": "Europe/London",
        "days": ["mon", "tue"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored(app) -> list[Reminder]:
    with get_db(app).session() as session:
        return session.execute(select(Reminder)).scalars().all()


class Ids(HTMLParser):
    """Elements by id: their attributes and text."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, dict] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.found[attrs["id"]] = {**attrs, "text": ""}
        if tag not in ("input", "br", "meta", "link"):
            self.open.append(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            if element:
                self.found[element]["text"] += data


def ids(response) -> dict[str, dict]:
    parser = Ids()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def test_saving_returns_the_form_with_the_status_and_buttons_out_of_band(app, client):
    answer = client.post("/reminders/settings?lang=es", data=form(), headers=HX)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "HX-Request" in answer.headers["Vary"] and answer.headers["Cache-Control"] == "no-store"
    found = ids(answer)
    assert found["reminder-on"]["text"] == "Guardar cambios"
    assert found["reminder-summary"]["data-on"] == "true" and found["reminder-summary"]["data-saved"] == "true"
    assert "21:30" in found["reminder-summary"]["text"]
    assert found["reminder-actions"]["hx-swap-oob"] == "true" and "reminder-test" in found
    (reminder,) = stored(app)
    assert (reminder.endpoint, reminder.local_time, reminder.days, reminder.lang) == (
        ENDPOINT,
        "21:30",
        "mon,tue",
        "es",
    )


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"time": ""}, "reminder-time", "Enter a time from 00:00 to 23:59"),
        ({"time": "25:00"}, "reminder-time", "Enter a time"),
        ({"time": "٢١:٣٠"}, "reminder-time", "Enter a time"),
        ({"timezone": "Mars/Olympus"}, "reminder-timezone", "That time zone is not known"),
        ({"timezone": "localtime"}, "reminder-timezone", "That time zone is not known"),
        ({"days": None}, "days", "Choose at least one day."),
        ({"days": ["mon", "funday"]}, "days", "Choose at least one day."),
    ],
)
def test_a_field_error_is_shown_next_to_its_field_and_nothing_is_stored(app, client, changes, field, text):
    answer = client.post("/reminders/settings", data=form(**changes), headers=HX)
    assert answer.status_code == 422
    found = ids(answer)
    assert found[f"{field}-error"]["text"].startswith(text)
    marked = found["days-error"] if field == "days" else found[field]
    assert field == "days" or marked["aria-invalid"] == "true"
    assert "Not saved" in answer.get_data(as_text=True)
    assert stored(app) == []


def test_every_field_error_at_once_in_the_page_language(client):
    answer = client.post("/reminders/settings?lang=ru", data=form(time="", timezone="x", days=None), headers=HX)
    found = ids(answer)
    assert found["reminder-time-error"]["text"] == "Введите время от 00:00 до 23:59, например 21:30."
    assert found["reminder-timezone-error"]["text"].startswith("Такой часовой пояс неизвестен")
    assert found["days-error"]["text"].strip() != ""


@pytest.mark.parametrize(
    "changes", [{"endpoint": "https://evil.example/x"}, {"p256dh": "AAAA"}, {"auth": None}, {"endpoint": None}]
)
def test_a_refused_subscription_is_said_in_the_status(app, client, changes):
    answer = client.post("/reminders/settings", data=form(**changes), headers=HX)
    assert answer.status_code == 422
    assert "push subscription was not accepted" in answer.get_data(as_text=True)
    assert stored(app) == []


def test_only_the_pages_own_requests_are_answered(app, client):
    assert client.post("/reminders/settings", data=form()).status_code == 400  # no HX-Request
    cross_site = {**HX, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/reminders/off", data={"endpoint": ENDPOINT}, headers=cross_site).status_code == 400
    assert stored(app) == []
    assert client.post("/reminders/settings", data={"pad": "x" * 5000}, headers=HX).status_code == 413


def test_status_off_and_tonight(app, client):
    off = ids(client.post("/reminders/status", data=MINE, headers=HX))
    assert off["reminder-summary"]["data-on"] == "false" and "reminder-test" not in off
    client.post("/reminders/settings", data=form(), headers=HX)
    now = datetime.now(UTC)
    with get_db(client.application).session() as session:
        snooze = to_naive_utc(now + timedelta(minutes=20))
        session.execute(update(Reminder).values(next_due_at=snooze, snoozed_until=snooze))
    snoozed = client.post("/reminders/status", data=MINE, headers=HX).get_data(as_text=True)
    assert "You chose “Later”: one more reminder tonight at" in snoozed
    with get_db(client.application).session() as session:
        session.execute(update(Reminder).values(night_done=night_of(now, "Europe/London")))
    done = client.post("/reminders/status?lang=es", data=MINE, headers=HX).get_data(as_text=True)
    assert "La rutina de esta noche ya está hecha" in done and "Más tarde" not in done


def test_off_forgets_the_subscription_and_a_test_for_none_says_so(app, client):
    client.post("/reminders/settings", data=form(), headers=HX)
    answer = client.post("/reminders/off", data={**MINE, "time": "21:30"}, headers=HX)
    assert answer.status_code == 200 and stored(app) == []
    assert ids(answer)["reminder-on"]["text"] == "Turn on reminders"
    missing = client.post("/reminders/test", data=MINE, headers=HX)
    assert missing.status_code == 404 and "no reminder on the server" in missing.get_data(as_text=True)


def test_the_page_varies_on_hx_request_and_its_fragment_is_never_cached_as_the_page(client):
    page = client.get("/reminders")
    assert "HX-Request" in page.headers["Vary"] and "<html" in page.get_data(as_text=True)
    fragment = client.get("/reminders", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<form id="reminder-form"')
    assert "HX-Request" in fragment.headers["Vary"] and fragment.headers["Cache-Control"] == "no-store"
    again = client.get("/reminders")
    assert again.get_data() == page.get_data() and again.headers["ETag"] == page.headers["ETag"]
    assert "Vary" in client.get("/").headers and "HX-Request" not in client.get("/").headers["Vary"]


def test_the_pages_requests_share_the_api_rate_limit(tmp_path):
    app = make_app(tmp_path, API_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/reminders/status", data=MINE, headers=HX).status_code == 200
    limited = client.post("/reminders/status", data=MINE, headers=HX)
    assert limited.status_code == 429 and "Too many tries" in limited.get_data(as_text=True)
    assert client.get("/reminders").status_code == 200  # the page itself is not limited


texts = st.one_of(st.sampled_from(TRICKY), st.text(max_size=30))
forms = st.fixed_dictionaries(
    {},
    optional={
        "endpoint": st.one_of(st.just(ENDPOINT), texts),
        "p256dh": st.one_of(st.just(p256dh()), texts),
        "auth": st.one_of(st.just(KEYS["auth"]), st.just(b64(os.urandom(16))), texts),
        "time": st.one_of(st.just("21:30"), texts),
        "timezone": st.one_of(st.just("Europe/London"), texts),
        "days": st.lists(st.one_of(st.sampled_from(["mon", "sun"]), texts), max_size=9),
    },
)


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=forms, path=st.sampled_from(["/reminders/settings", "/reminders/status", "/reminders/off"]))
def test_generated_hostile_forms_never_5xx_and_store_nothing_invalid(app, data, path):
    app.test_client().post("/reminders/settings", data=form(), headers=HX)  # a stored reminder to aim at
    answer = app.test_client().post(path, data=data, headers=HX)
    assert answer.status_code < 500, answer.get_data()[:300]
    assert answer.status_code in (200, 400, 422), answer.status_code
    assert answer.mimetype == "text/html"
    assert_all_stored_valid(app)

"""A VAPID subject Apple accepts: a local one is refused for real push services, and said so clearly.

Apple's push service answers 403 BadJwtToken to a subject on a local name; Google's and
Mozilla's take it today. Calm Calf refuses it for every push service that is not on this
machine, so a setup that works in Chrome cannot fail silently on iPhones, and says what
to set: at `serve` and `dispatch` start, in the dispatcher's summary and in the test send.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC

import pytest
from sqlalchemy import select

from app.db import get_db
from app.reminders.dispatch import Dispatcher
from app.reminders.models import Reminder
from app.reminders.sending import Sender
from app.reminders.vapid import VapidHeaders, local_subject
from tests.conftest import make_app
from tests.fakepush import CountingVapid
from tests.net import free_port
from tests.test_reminder_pages import HX

APPLE = "web.push.apple.com"
DEFAULT = "mailto:webpush@localhost"


@pytest.mark.parametrize(
    ("subject", "local"),
    [
        ("mailto:webpush@localhost", True),
        ("mailto:me@printer.local", True),
        ("mailto:nobody@calmcalf.invalid", True),
        ("https://localhost/contact", True),
        ("https://app.localhost:8443", True),
        ("mailto:ops@127.0.0.1", True),
        ("mailto:care@calmcalf.example.org", False),
        ("https://calmcalf.example.org/contact", False),
        ("mailto:someone@localhost-clinic.org", False),
    ],
)
def test_local_subjects_are_told_from_reachable_ones(subject, local):
    assert local_subject(subject) is local


def apple_app(tmp_path, database_url=None, **config):
    """An app allowed to send to Apple's push service (unreachable from the tests: nothing may be sent there)."""
    return make_app(tmp_path, database_url, PUSH_SERVICE_HOSTS=[APPLE], API_RATE_LIMIT="1000 per minute", **config)


def store_apple_reminder(app, push) -> dict:
    """A reminder for an iPhone: Apple's endpoint, with a real subscriber's keys; its proof (endpoint, auth)."""
    keys = push.subscriber().subscription()["keys"]
    endpoint = f"https://{APPLE}/QGuqBB4nXzDDvCvjrvz8o1ggG6k{os.urandom(6).hex()}"
    body = {"subscription": {"endpoint": endpoint, "keys": keys}, "time": "21:30", "timezone": "Europe/London"}
    response = app.test_client().post(
        "/api/reminders", json={**body, "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    )
    assert response.status_code == 201, response.get_json()
    return {"endpoint": endpoint, "auth": keys["auth"]}


def test_the_test_send_to_an_iphone_says_what_the_operator_must_set(tmp_path, push):
    app = apple_app(tmp_path)
    proof = store_apple_reminder(app, push)
    started = time.monotonic()
    answer = app.test_client().post("/api/reminders/test", json=proof)
    assert time.monotonic() - started < 2, "refused here, without trying to reach Apple"
    assert answer.status_code == 503 and "Retry-After" not in answer.headers
    error = answer.get_json()["error"]
    assert error.startswith("endpoint: this server cannot send to this push service: ")
    assert "CALMCALF_VAPID_SUBJECT is mailto:webpush@localhost" in error
    assert "real mailto: address or https: URL" in error


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "whoever runs it must set its contact address (CALMCALF_VAPID_SUBJECT)"),
        ("es", "quien lo administra debe indicar su dirección de contacto (CALMCALF_VAPID_SUBJECT)"),
        ("ru", "его администратор должен указать контактный адрес (CALMCALF_VAPID_SUBJECT)"),
    ],
)
def test_the_reminders_pages_test_button_says_it_too_in_the_pages_language(tmp_path, push, lang, words):
    app = apple_app(tmp_path)
    proof = store_apple_reminder(app, push)
    answer = app.test_client().post(f"/reminders/test?lang={lang}", data=proof, headers=HX)
    assert answer.status_code == 503
    text = answer.get_data(as_text=True).replace("\u2019", "'")
    assert words in text
    assert "Try again" not in text and "too many" not in text.lower()


@pytest.mark.parametrize(("subject", "refused"), [(DEFAULT, True), ("mailto:care@calmcalf.example.org", False)])
def test_only_a_local_subject_is_refused_for_a_real_push_service(subject, refused):
    """Checked per push service before anything is sent (nothing here may reach beyond 127.0.0.1)."""
    with Sender(VapidHeaders(CountingVapid.fresh(), subject), [APPLE, "127.0.0.1"], True) as sender:
        apple = sender.refusal(f"https://{APPLE}")
        assert sender.refusal("http://127.0.0.1:8443") is None  # a push service on this machine takes either
    assert (apple is not None) is refused
    if refused:
        assert apple.kind == "misconfigured" and apple.detail.startswith("CALMCALF_VAPID_SUBJECT is")
    assert sender.headers.vapid.signed == 0, "a refusal needs no signature"


def test_a_push_service_on_this_machine_takes_the_local_default(tmp_path, push):
    """Zero configuration keeps working against a push service on this machine (the fake one here)."""
    app = make_app(tmp_path, PUSH_ALLOW_HTTP=True, PUSH_SERVICE_HOSTS=["127.0.0.1"])
    assert app.config["VAPID_SUBJECT"] == DEFAULT
    subscriber = push.subscriber()
    body = {"subscription": subscriber.subscription(), "time": "21:30", "timezone": "Europe/London", "days": ["mon"]}
    client = app.test_client()
    assert client.post("/api/reminders", json=body).status_code == 201
    proof = {"endpoint": subscriber.endpoint, "auth": subscriber.subscription()["keys"]["auth"]}
    assert client.post("/api/reminders/test", json=proof).status_code == 202
    assert push.received(subscriber)[0].claims["sub"] == DEFAULT


def test_the_dispatcher_sends_nothing_to_apple_and_says_why_once(tmp_path, database_url, push, caplog):
    app = apple_app(tmp_path, database_url)
    for _ in range(3):
        store_apple_reminder(app, push)
    with get_db(app).session() as session:
        due = max(session.execute(select(Reminder.next_due_at)).scalars()).replace(tzinfo=UTC)
    with caplog.at_level("INFO", logger="calmcalf.dispatch"):
        summary = Dispatcher(app, workers=4).run_once(due)
    assert summary.line() == "sent=0 pruned=0 retrying=0 skipped-late=0 failed=3"
    (reason,) = summary.reasons
    assert reason.startswith("failed: CALMCALF_VAPID_SUBJECT is mailto:webpush@localhost")
    assert caplog.text.count("CALMCALF_VAPID_SUBJECT") == 1, "said once in the summary, not once per reminder"


def command_env(tmp_path, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    env["CALMCALF_DATABASE_URL"] = f"sqlite:///{tmp_path / 'calmcalf.db'}"
    return env | {f"CALMCALF_{name}": value for name, value in settings.items()}


@pytest.mark.slow
def test_dispatch_says_at_start_what_to_set(tmp_path):
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once"]
    plain = subprocess.run(command, env=command_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "sent=0 pruned=0 retrying=0 skipped-late=0 failed=0"
    (line,) = [line for line in plain.stderr.splitlines() if "VAPID" in line]
    assert line.startswith("calmcalf: CALMCALF_VAPID_SUBJECT is mailto:webpush@localhost")
    assert "set it to your real mailto: address or https: URL" in line
    real = command_env(tmp_path, VAPID_SUBJECT="mailto:care@calmcalf.example.org")
    configured = subprocess.run(command, env=real, capture_output=True, text=True, timeout=60)
    assert configured.returncode == 0 and "VAPID" not in configured.stderr
    local_only = command_env(tmp_path, PUSH_SERVICE_HOSTS='["127.0.0.1"]', PUSH_ALLOW_HTTP="true")
    testing = subprocess.run(command, env=local_only, capture_output=True, text=True, timeout=60)
    assert testing.returncode == 0 and "VAPID" not in testing.stderr, "nothing to say with only a local push service"


def test_serve_says_at_start_what_to_set(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-dispatch"]
    server = subprocess.Popen(
        command, env=command_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        started = server.stdout.readline()
        assert "Calm Calf is running on" in started, server.stderr.read() if server.poll() is not None else started
    finally:
        server.terminate()
        server.wait(timeout=10)
    said = server.stderr.read()
    server.stdout.close()
    server.stderr.close()
    assert "calmcalf: CALMCALF_VAPID_SUBJECT is mailto:webpush@localhost" in said

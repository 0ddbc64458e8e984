"""The send path on its own: pywebpush on one aiohttp session, encryption the push service can undo, timeouts and bounds."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reminders.answers import BODY_KEPT
from app.reminders.sending import Job, Sender
from app.reminders.vapid import VapidHeaders
from tests.fakepush import CountingVapid, FakePushService
from tests.net import free_port

SUBJECT = "mailto:tests@calmcalf.example"
MESSAGE = b'{"title":"Bedtime stretches","body":"Hello","url":"/bedtime","tag":"bedtime"}'


def make_sender(
    in_flight: int = 8, timeout_ms: int = 20_000, hosts=("127.0.0.1", "push.example"), subject: str = SUBJECT
) -> Sender:
    return Sender(VapidHeaders(CountingVapid.fresh(), subject), list(hosts), True, in_flight, timeout_ms)


def job(endpoint: str, subscription: dict | None = None, ttl: int = 3600, tag=None) -> Job:
    subscription = subscription or {"endpoint": endpoint, "keys": FAKE_KEYS}
    return Job(subscription, MESSAGE, ttl, tag)


FAKE_KEYS = {
    # A real P-256 point and auth secret: the encryption needs valid keys even if nobody decrypts.
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}


def test_every_message_arrives_decryptable_with_one_vapid_signature_and_the_right_headers():
    with FakePushService() as push, make_sender(in_flight=8) as sender:
        subscribers = [push.subscriber() for _ in range(40)]
        jobs = [job(s.endpoint, s.subscription(), ttl=5400, tag=i) for i, s in enumerate(subscribers)]
        outcomes = dict((j.tag, o.kind) for j, o in sender.send_all(jobs))
        assert outcomes == {i: "sent" for i in range(40)}
        assert push.rejected == []
        assert sorted(m.path for m in push.messages) == sorted(
            s.endpoint.removeprefix(push.origin) for s in subscribers
        )
        assert all(m.payload["title"] == "Bedtime stretches" for m in push.messages)
        headers = push.messages[0].headers
        assert headers["TTL"] == "5400"
        assert headers["Urgency"] == "normal"
        assert headers["Topic"] == "bedtime"
        assert headers["Content-Encoding"] == "aes128gcm"
        assert sender.headers.vapid.signed == 1


def test_a_push_service_that_never_answers_is_given_up_within_the_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts connections (the kernel does) and never says a word
        port = silent.getsockname()[1]
        with make_sender(timeout_ms=1000) as sender:
            started = time.monotonic()
            outcome = sender.send(job(f"http://127.0.0.1:{port}/push/x"))
            elapsed = time.monotonic() - started
    assert outcome.kind == "retry" and outcome.status is None
    assert elapsed < 5


def test_a_refused_connection_is_retried_later():
    with make_sender() as sender:
        outcome = sender.send(job(f"http://127.0.0.1:{free_port()}/push/x"))
    assert outcome.kind == "retry"
    assert outcome.detail.startswith("no answer")


class Slow(BaseHTTPRequestHandler):
    """Answers 201 after a pause, counting how many requests are open at once."""

    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    open_now = 0
    most = 0
    seen = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Slow.lock:
            Slow.open_now += 1
            Slow.seen += 1
            Slow.most = max(Slow.most, Slow.open_now)
        time.sleep(0.1)
        with Slow.lock:
            Slow.open_now -= 1
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_no_more_than_the_in_flight_bound_are_sent_at_once():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        with make_sender(in_flight=4) as sender:
            outcomes = [o.kind for _, o in sender.send_all(job(f"http://127.0.0.1:{port}/push/{i}") for i in range(24))]
    finally:
        server.shutdown()
        server.server_close()
    assert outcomes == ["sent"] * 24
    assert Slow.seen == 24
    assert 2 <= Slow.most <= 4


def test_a_proxy_in_the_environment_is_never_used(monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead)
    with FakePushService() as push, make_sender() as sender:
        subscriber = push.subscriber()
        assert sender.send(job(subscriber.endpoint, subscriber.subscription())).kind == "sent"


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("https://evil.example/push/1", "host evil.example is not a known push service"),
        ("https://push.example:8443/push/1", "must not name a port"),
        ("ftp://127.0.0.1/push/1", "must be https://"),
    ],
)
def test_the_allow_list_is_checked_for_every_message(endpoint, why):
    with make_sender() as sender:
        outcome = sender.send(job(endpoint))
    assert outcome.kind == "failed"
    assert why in outcome.detail


def test_over_https_every_message_arrives_on_kept_alive_connections(monkeypatch):
    """A real TLS server (nginx) in front of the fake push service, trusted as SSL_CERT_FILE says."""
    from tests.nginx import Nginx

    with FakePushService() as push:
        upstream = int(push.origin.rsplit(":", 1)[1])
        with Nginx(upstream) as nginx:
            # Subscriptions as the browser would hand them out for this HTTPS push service.
            push.origin = nginx.origin
            monkeypatch.setenv("SSL_CERT_FILE", str(nginx.cert))
            with Sender(VapidHeaders(CountingVapid.fresh(), SUBJECT), ["127.0.0.1"], False, 4) as sender:
                subscribers = [push.subscriber() for _ in range(30)]
                kinds = [o.kind for _, o in sender.send_all(job(s.endpoint, s.subscription()) for s in subscribers)]
            deadline = time.monotonic() + 5
            while len(nginx.protocols()) < 30 and time.monotonic() < deadline:
                time.sleep(0.05)  # nginx writes its log after answering
            protocols = nginx.protocols()
            connections = nginx.connections()
    assert kinds == ["sent"] * 30
    assert push.rejected == []  # VAPID verified (aud is the HTTPS origin) and every message decrypted
    assert len(push.messages) == 30
    assert protocols == ["HTTP/1.1"] * 30
    assert len(set(connections)) <= 4  # at most in_flight connections, each kept alive for many messages


def test_an_untrusted_certificate_is_no_answer_and_nothing_is_sent():
    from tests.nginx import Nginx

    with FakePushService() as push:
        upstream = int(push.origin.rsplit(":", 1)[1])
        with Nginx(upstream) as nginx:
            push.origin = nginx.origin
            with Sender(VapidHeaders(CountingVapid.fresh(), SUBJECT), ["127.0.0.1"], False) as sender:
                subscriber = push.subscriber()
                outcome = sender.send(job(subscriber.endpoint, subscriber.subscription()))
    assert outcome.kind == "retry" and outcome.status is None
    assert "certificate" in outcome.detail.lower()
    assert push.messages == []


def test_each_message_has_its_own_sender_key_and_salt_and_decrypts_with_http_ece(push):
    with make_sender() as sender:
        subscriber = push.subscriber()
        kinds = [
            o.kind for _, o in sender.send_all(job(subscriber.endpoint, subscriber.subscription()) for _ in range(3))
        ]
    assert kinds == ["sent"] * 3
    bodies = [m.body for m in push.messages]
    assert [m.payload["title"] for m in push.messages] == ["Bedtime stretches"] * 3  # decrypted by http_ece
    for body in bodies:
        assert body[20] == 65 and body[21] == 4  # the header names the sender's uncompressed P-256 point
    assert len({body[:16] for body in bodies}) == 3  # salts
    assert len({body[21:86] for body in bodies}) == 3  # sender keys


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "BA" + "A" * 85, "auth": FAKE_KEYS["auth"]},  # base64, but not a point on the curve
        {"p256dh": "not base64!", "auth": FAKE_KEYS["auth"]},
        {"p256dh": FAKE_KEYS["p256dh"], "auth": "é"},
        {"auth": FAKE_KEYS["auth"]},
    ],
)
def test_a_subscription_with_broken_keys_fails_alone_and_the_others_are_sent(push, keys):
    good = push.subscriber()
    broken = push.subscriber()
    with make_sender() as sender:
        jobs = [job(broken.endpoint, {"endpoint": broken.endpoint, "keys": keys}, tag="broken")]
        jobs += [job(good.endpoint, good.subscription(), tag=i) for i in range(3)]
        outcomes = {j.tag: o for j, o in sender.send_all(jobs)}
    assert outcomes["broken"].kind == "failed"
    assert outcomes["broken"].detail.startswith("bad keys")
    assert [outcomes[i].kind for i in range(3)] == ["sent"] * 3
    assert push.received(broken) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=100), st.text(max_size=30))
def test_keys_of_any_text_fail_alone_as_bad_keys_and_never_stop_the_sender(p256dh, auth):
    """Keys are validated when stored; a row changed since (or a bug) must still fail only its own message."""
    endpoint = f"http://127.0.0.1:{free_port()}/push/x"  # nothing listens: a message that got through would retry
    with make_sender() as sender:
        outcome = sender.send(job(endpoint, {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}))
    assert outcome.kind == "failed" and outcome.detail.startswith("bad keys")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"reason":"BadJwtToken"}', "BadJwtToken"),  # Apple
        (
            b'{"code": 401, "errno": 109, "error": "Unauthorized", "message": "Request did not validate"}',
            "Request did not validate",
        ),  # Mozilla
        (
            b"the key in the authorization header does not correspond to the sender ID\n",
            "the key in the authorization header does not correspond to the sender ID",
        ),  # FCM
        (b"line one\r\nInjected: 200 OK\x1b[2J", "line one Injected: 200 OK [2J"),  # one plain line in the log
        (b"x" * 5000, "x" * 159 + "…"),
        (b"", ""),
    ],
)
def test_a_refusal_keeps_the_push_services_reason_as_one_short_line(push, body, reason):
    with make_sender() as sender:
        subscriber = push.subscriber()
        push.answer(subscriber, (403, {"Content-Type": "text/plain"}, body))
        outcome = sender.send(job(subscriber.endpoint, subscriber.subscription()))
    assert (outcome.kind, outcome.status, outcome.reason) == ("failed", 403, reason)
    assert outcome.detail == (f"HTTP 403 ({reason})" if reason else "HTTP 403")


def test_only_the_first_kilobyte_of_an_answer_counts_for_the_reason(push):
    subscriber = push.subscriber()
    push.answer(subscriber, (400, {}, b"x" * 100 + b"y" * 100_000))
    with make_sender() as sender:
        outcome = sender.send(job(subscriber.endpoint, subscriber.subscription()))
    assert (outcome.kind, outcome.status) == ("failed", 400)
    assert outcome.reason == "x" * 100 + "y" * 59 + "…"
    assert BODY_KEPT == 1024


def test_an_answer_whose_body_is_not_text_still_counts_by_its_status(push):
    subscriber = push.subscriber()
    push.answer(
        subscriber, (503, {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "120"}, b"\xff\xfe\x00 busy")
    )
    with make_sender() as sender:
        outcome = sender.send(job(subscriber.endpoint, subscriber.subscription()))
    assert (outcome.kind, outcome.status, outcome.header) == ("retry", 503, "120")

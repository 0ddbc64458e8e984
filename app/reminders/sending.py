"""Sending web push messages with pywebpush, efficiently and safely.

One aiohttp session with keep-alive for every send (pywebpush's send_async),
bounded concurrency, explicit timeouts, no redirects followed, and a VAPID
Authorization header cached per push-service origin and signed again well
before it expires (a fresh claims dict each time: py_vapid and pywebpush change
the dict they are given).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from py_vapid import Vapid02
from pywebpush import WebPusher

from .validation import Invalid, check_endpoint
from .vapid import shared_vapid

VAPID_LIFETIME_S = 12 * 3600  # push services accept up to 24 h
VAPID_RESIGN_BEFORE_S = 3600  # sign again when less than this is left
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5, sock_read=15)


class NoRedirects:
    """The session as pywebpush sees it: every post refuses redirects.

    A push service that redirects is not trusted with the message.
    """

    def __init__(self, session: aiohttp.ClientSession):
        self.session = session

    def post(self, url, **kwargs):
        return self.session.post(url, allow_redirects=False, **kwargs)


class VapidHeaders:
    """Authorization headers per push-service origin, signed again before they expire."""

    def __init__(self, vapid: Vapid02, subject: str):
        self.vapid = vapid
        self.subject = subject
        self.cache: dict[str, tuple[dict, float]] = {}
        self.lock = threading.Lock()
        self.signed = 0

    def for_endpoint(self, endpoint: str, now: float | None = None) -> dict:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.time() if now is None else now
        with self.lock:
            cached = self.cache.get(origin)
            if cached and cached[1] - now > VAPID_RESIGN_BEFORE_S:
                return dict(cached[0])
            expires = int(now) + VAPID_LIFETIME_S
            claims = {"sub": self.subject, "aud": origin, "exp": expires}  # a fresh dict each time
            headers = self.vapid.sign(claims)
            self.cache[origin] = (headers, expires)
            self.signed += 1
            return dict(headers)


@dataclass
class Outcome:
    """What became of one send: sent, gone (prune), retry (429, 5xx, no answer) or failed.

    The dispatcher adds its own kinds: deferred (push service paused) and late (past the window).
    """

    kind: str
    status: int | None = None
    detail: str = ""
    header: str | None = None  # Retry-After, as the push service sent it
    retry_at: datetime | None = None


class Sender:
    """Sends encrypted messages to subscriptions; use `async with Sender(...) as sender`."""

    def __init__(
        self,
        headers: VapidHeaders,
        allowed_hosts: list[str],
        allow_http: bool,
        concurrency: int = 64,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ):
        self.headers = headers
        self.timeout = timeout
        self.allowed_hosts = allowed_hosts
        self.allow_http = allow_http
        self.concurrency = concurrency
        self.session: aiohttp.ClientSession | None = None
        self.slots: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Sender:
        connector = aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=300)
        # trust_env=False: push services are contacted directly, never through a proxy from the environment.
        self.session = aiohttp.ClientSession(connector=connector, timeout=self.timeout, trust_env=False)
        self.slots = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    def refusal(self, endpoint: str) -> Outcome | None:
        """The allow-list is checked again at send time: the configuration may have changed."""
        try:
            check_endpoint(endpoint, self.allowed_hosts, self.allow_http)
        except Invalid as problem:
            return Outcome("failed", detail=problem.message)
        return None

    async def send(self, subscription: dict, message: str, ttl: int) -> Outcome:
        """Encrypt (aes128gcm) and post one message (JSON text); classify the push service's answer."""
        refused = self.refusal(subscription["endpoint"])
        if refused:
            return refused
        headers = self.headers.for_endpoint(subscription["endpoint"])
        headers.update({"Urgency": "normal", "Topic": "bedtime"})
        assert self.session is not None and self.slots is not None, "use: async with Sender(...)"
        async with self.slots:
            try:
                response = await WebPusher(subscription, aiohttp_session=NoRedirects(self.session)).send_async(
                    message,
                    headers=headers,
                    ttl=max(60, ttl),
                    content_encoding="aes128gcm",
                    timeout=self.timeout,
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                return Outcome("retry", detail=f"no answer ({type(exc).__name__})")
        status = response.status
        if 200 <= status < 300:
            return Outcome("sent", status)
        if status in (404, 410):
            return Outcome("gone", status)
        if status == 429 or status >= 500:
            return Outcome("retry", status, f"HTTP {status}", response.headers.get("Retry-After"))
        return Outcome("failed", status, detail=f"HTTP {status}")


def payload(lang: str) -> dict:
    """The message: opens the bedtime routine when tapped."""
    with force_locale(lang or "en"):
        return {
            "title": _("Bedtime stretches"),
            "body": _("Three minutes of calf stretches before bed?"),
            "url": "/bedtime",
            "tag": "bedtime",
        }


def encode(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


def run_coroutine(coroutine):
    """Run a coroutine to completion from synchronous code.

    Where this thread already runs an event loop (an async server, or a test
    harness), asyncio.run() is refused, so a fresh thread runs it instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(asyncio.run, coroutine).result()


def vapid_headers(app: Flask) -> VapidHeaders:
    """Signed VAPID headers for this app's key, cached per push service."""
    return VapidHeaders(shared_vapid(app), app.config["VAPID_SUBJECT"])


def sender_for(
    app: Flask, headers: VapidHeaders, concurrency: int = 64, timeout: aiohttp.ClientTimeout = TIMEOUT
) -> Sender:
    hosts, allow_http = app.config["PUSH_SERVICE_HOSTS"], bool(app.config["PUSH_ALLOW_HTTP"])
    return Sender(headers, hosts, allow_http, concurrency, timeout)


async def send_now(app: Flask, subscription: dict, message: dict, ttl: int, timeout_s: float) -> Outcome:
    """Send one message at once (the "Send a test reminder" button), giving up after timeout_s."""
    timeout = aiohttp.ClientTimeout(total=timeout_s, connect=timeout_s, sock_read=timeout_s)
    async with sender_for(app, vapid_headers(app), concurrency=1, timeout=timeout) as sender:
        return await sender.send(subscription, encode(message), ttl)

"""Sending web push messages with pywebpush, many at once on one aiohttp session.

pywebpush (`WebPusher.send_async`) encrypts each message (aes128gcm, RFC 8291: a fresh
P-256 key per message, by http_ece) and posts it on the session, which keeps its
connections alive; at most `in_flight` messages are out at once. The VAPID
Authorization header is signed once per push-service origin by `vapid.VapidHeaders`
and handed to pywebpush with the other constant headers. No redirect is followed, no
proxy from the environment is used, and every post times out. The allow-list, and the
VAPID subject, are checked again for each push service at send time. A refusal keeps
the push service's reason (Apple's JSON `reason`, FCM's text).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from .answers import Outcome, classify
from .vapid import VapidHeaders, is_local_host, local_subject, subject_refused

# pywebpush, aiohttp and http_ece are imported by the first Sender, not here: a dispatcher with
# nothing due never loads them.

CONSTANT_HEADERS = {"Urgency": "normal", "Topic": "bedtime"}  # pywebpush adds TTL and Content-Encoding
CONNECT_TIMEOUT_S = 5
MAX_HOST_CONNECTIONS = 32  # to one push service: more would only cost handshakes
WAIT_S = 0.1  # the longest wait for an answer before `on_idle` is called


def origin_of(endpoint: str) -> str:
    """The "scheme://host[:port]" of an endpoint URL (stored endpoints are validated absolute URLs)."""
    start = endpoint.find("//") + 2
    end = endpoint.find("/", start)
    return endpoint if end < 0 else endpoint[:end]


@dataclass(slots=True)
class Job:
    """One message for one subscription, as the browser gave it: {"endpoint", "keys": {"p256dh", "auth"}}.

    `tag` is the caller's own, handed back with the outcome.
    """

    subscription: dict
    message: bytes
    ttl: int
    tag: Any = None
    origin: str = ""  # the endpoint's "scheme://host[:port]", found once

    def __post_init__(self) -> None:
        if not self.origin:
            self.origin = origin_of(self.subscription["endpoint"])


class _OnePost:
    """The session as pywebpush sees it, for one message: no redirect is followed, and the answer is kept
    (so its status counts even if pywebpush cannot read the body as text)."""

    __slots__ = ("answer", "session")

    def __init__(self, session: Any):
        self.session = session
        self.answer: Any = None

    async def post(self, url: str, **kwargs: Any) -> Any:
        self.answer = await self.session.post(url, allow_redirects=False, **kwargs)
        return self.answer


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _said(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__  # (a timeout says nothing of itself)


class Sender:
    """Sends messages with pywebpush, at most `in_flight` at once; use `with Sender(...) as sender`."""

    def __init__(
        self,
        headers: VapidHeaders,
        allowed_hosts: list[str],
        allow_http: bool,
        in_flight: int = 64,
        timeout_ms: int = 20_000,
    ):
        import aiohttp
        import http_ece
        from pywebpush import WebPusher, WebPushException

        self.headers = headers
        self.allowed_hosts = allowed_hosts
        self.allow_http = allow_http
        self.in_flight = in_flight
        self.pusher = WebPusher
        # (pywebpush raises IndexError for an empty p256dh; binascii.Error is a ValueError)
        self.key_errors = (WebPushException, http_ece.ECEException, ValueError, TypeError, LookupError)
        self.net_errors = (aiohttp.ClientError, OSError)  # OSError: TimeoutError too
        total = timeout_ms / 1000
        self.timeout = aiohttp.ClientTimeout(total=total, sock_connect=min(CONNECT_TIMEOUT_S, total))
        self.constant: dict[str, tuple[dict, dict]] = {}  # origin → (its VAPID headers, every header)
        self.refusals: dict[str, Outcome | None] = {}
        self.pending: set[asyncio.Task] = set()
        self.done: list[tuple[Job, Outcome | Exception]] = []
        self.loop = asyncio.new_event_loop()
        # Called from async code (an async server, a test harness), this thread already runs a loop:
        # then the sender's own loop runs on a thread of its own, one step at a time as here.
        self.thread = ThreadPoolExecutor(1) if _loop_running() else None
        try:
            self.session = self._run(self._open(aiohttp))
        except BaseException:
            self._shut()
            raise
        self.answered = asyncio.Event()

    async def _open(self, aiohttp: Any) -> Any:
        limit = self.in_flight
        # The system's trusted certificates as they are now (SSL_CERT_FILE, if set, names them).
        tls = ssl.create_default_context()
        connector = aiohttp.TCPConnector(limit=limit, limit_per_host=min(limit, MAX_HOST_CONNECTIONS), ssl=tls)
        return aiohttp.ClientSession(connector=connector)  # trust_env is off: no proxy from the environment

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop what is still in flight (a caller that stopped early) and close every connection."""
        for task in self.pending:
            task.cancel()
        try:
            self._run(self._close())
        finally:
            self._shut()

    def _shut(self) -> None:
        self.loop.close()
        if self.thread:
            self.thread.shutdown()

    def _run(self, step: Coroutine) -> Any:
        """Run the sender's loop until `step` is done."""
        if self.thread is None:
            return self.loop.run_until_complete(step)
        return self.thread.submit(self.loop.run_until_complete, step).result()

    async def _close(self) -> None:
        if self.pending:
            await asyncio.wait(self.pending)
        await self.session.close()

    def refusal(self, origin: str) -> Outcome | None:
        """The allow-list and the VAPID subject are checked again at send time: the configuration may have changed.

        `origin` is an endpoint's origin_of(); one check per push service and run, not per message.
        """
        if origin not in self.refusals:
            self.refusals[origin] = self._check(origin)
        return self.refusals[origin]

    def _check(self, origin: str) -> Outcome | None:
        """Scheme, host, port and allow-list of one push service (each path was checked when it was stored),
        and whether it could reach us at our VAPID subject."""
        from .validation import Invalid, check_endpoint  # with cryptography: loaded when there is sending

        try:
            check_endpoint(origin + "/", self.allowed_hosts, self.allow_http)
        except Invalid as problem:
            return Outcome("failed", detail=problem.message)
        subject = self.headers.subject
        if local_subject(subject) and not is_local_host(urlsplit(origin).hostname or ""):
            return Outcome("misconfigured", detail=subject_refused(subject))
        return None

    def headers_for(self, origin: str) -> dict:
        """Every header but TTL for this origin, made again only when the VAPID header is re-signed.

        pywebpush copies what it is given, so one dict serves every message to the origin.
        """
        vapid = self.headers.for_origin(origin)
        cached = self.constant.get(origin)
        if cached and cached[0] is vapid:
            return cached[1]
        headers = {**vapid, **CONSTANT_HEADERS}
        self.constant[origin] = (vapid, headers)
        return headers

    async def _send(self, job: Job) -> None:
        try:
            outcome: Outcome | Exception = await self._outcome(job)
        except Exception as exc:  # not the push service's doing: raised to the caller of send_all
            outcome = exc
        self.done.append((job, outcome))
        self.answered.set()

    async def _outcome(self, job: Job) -> Outcome:
        post = _OnePost(self.session)
        try:
            pusher = self.pusher(job.subscription, aiohttp_session=post)
            await pusher.send_async(
                job.message, headers=self.headers_for(job.origin), ttl=max(60, job.ttl), timeout=self.timeout
            )
        except self.net_errors as exc:
            if post.answer is None:
                return Outcome("retry", detail=f"no answer ({_said(exc)})")
        except self.key_errors as exc:  # keys that are not base64 or not a P-256 point: this one fails
            if post.answer is None:
                return Outcome("failed", detail=f"bad keys ({_said(exc)})")
        answer = post.answer  # the push service answered, even if its body could not be read
        try:
            if 200 <= answer.status < 300:
                return classify(answer.status)
            try:
                body = await answer.read()  # (already read by pywebpush)
            except self.net_errors:
                body = b""
            retry_after = answer.headers.getall("Retry-After", [])
            return classify(answer.status, body, retry_after[-1] if retry_after else None)
        finally:
            answer.release()

    async def _answers(self) -> None:
        """Wait for at least one answer, at most WAIT_S (called only when none is waiting)."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self.answered.wait(), WAIT_S)
        self.answered.clear()

    def send_all(self, jobs: Iterable[Job], on_idle: Callable[[], None] | None = None) -> Iterator[tuple[Job, Outcome]]:
        """Send every job; yield each with its outcome as soon as it is known (in any order).

        `on_idle` is called whenever the sender has waited WAIT_S with no answer in (to keep leases, say).
        """
        jobs = iter(jobs)
        more = True
        while True:
            while more and len(self.pending) < self.in_flight:
                job = next(jobs, None)
                if job is None:
                    more = False
                    break
                refusal = self.refusal(job.origin)
                if refusal is not None:
                    yield job, refusal
                    continue
                task = self.loop.create_task(self._send(job))
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)
            if not self.pending and not self.done:
                return
            if not self.done:
                self._run(self._answers())
                if not self.done:
                    if on_idle:
                        on_idle()
                    continue
            answers, self.done = self.done, []
            for job, outcome in answers:
                if isinstance(outcome, Exception):
                    raise outcome
                yield job, outcome

    def send(self, job: Job) -> Outcome:
        """Send one message and wait for its outcome."""
        return next(iter(self.send_all([job])))[1]


def sender_for(app: Flask, headers: VapidHeaders, in_flight: int = 64, timeout_ms: int = 20_000) -> Sender:
    """A sender with this app's allow-list."""
    return Sender(headers, app.config["PUSH_SERVICE_HOSTS"], bool(app.config["PUSH_ALLOW_HTTP"]), in_flight, timeout_ms)

"""Sending web push messages: encrypt each with http_ece, post them all with libcurl.

Per message, only what must differ is done: a fresh ephemeral key and the aes128gcm
encryption (RFC 8291), both by http_ece (the library pywebpush uses) called as
documented, and one POST handed to libcurl's multi interface (`posting`), which
keeps the connections alive, speaks HTTP/2 where a push service offers it, follows
no redirect and times out. The VAPID Authorization header and every other header
line are made once per push-service origin (and TTL) by `vapid.VapidHeaders`. The
allow-list, and the VAPID subject, are checked again for each push service at send
time. A refusal keeps the push service's reason (Apple's JSON `reason`, FCM's text).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..routine import ROUTINE_MINUTES
from .vapid import VapidHeaders, is_local_host, local_subject, shared_vapid, subject_refused

if TYPE_CHECKING:
    from .posting import Answer, Post

# http_ece and cryptography, pycurl (.posting) and py_vapid are imported by the first Sender or
# signature, not here: a dispatcher with nothing due never loads them.

CONSTANT_HEADERS = (
    b"Content-Type: application/octet-stream",
    b"Content-Encoding: aes128gcm",
    b"Urgency: normal",
    b"Topic: bedtime",
    b"Expect:",  # no "100-continue" round trip for a small body
)
ENCRYPT_GROUP = 32  # messages encrypted together before any of them is handed to libcurl


@dataclass(slots=True)
class Outcome:
    """What became of one send: sent, gone (prune), retry (429, 5xx, no answer), failed,
    or misconfigured (this server's own settings stop it: a local VAPID subject).

    The dispatcher adds its own kinds: deferred (push service paused), late (past the window) and
    refused (a failure that is this subscription's own: its push service takes others' messages).
    """

    kind: str
    status: int | None = None
    detail: str = ""
    header: str | None = None  # Retry-After, as the push service sent it
    retry_at: datetime | None = None
    reason: str = ""  # why the push service refused, in its own words (capped)


def origin_of(endpoint: str) -> str:
    """The "scheme://host[:port]" of an endpoint URL (stored endpoints are validated absolute URLs)."""
    start = endpoint.find("//") + 2
    end = endpoint.find("/", start)
    return endpoint if end < 0 else endpoint[:end]


def key_bytes(text: str) -> bytes:
    """A stored base64url key (padding optional) as bytes. ValueError for text that is not base64."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(slots=True)
class Job:
    """One message for one subscription: keys already decoded, `tag` is the caller's own."""

    endpoint: str
    p256dh: bytes
    auth: bytes
    message: bytes
    ttl: int
    tag: Any = None
    origin: str = ""  # the endpoint's "scheme://host[:port]", found once

    def __post_init__(self) -> None:
        if not self.origin:
            self.origin = origin_of(self.endpoint)

    @classmethod
    def for_subscription(cls, subscription: dict, message: str | bytes, ttl: int, tag: Any = None) -> Job:
        """A job from a subscription as the browser gives it (base64url keys)."""
        keys = subscription["keys"]
        body = message.encode() if isinstance(message, str) else message
        return cls(subscription["endpoint"], key_bytes(keys["p256dh"]), key_bytes(keys["auth"]), body, ttl, tag)


def classify(answer: Answer) -> Outcome:
    """What the push service's answer means for this reminder."""
    status = answer.status
    if status == 0:
        return Outcome("retry", detail=f"no answer ({answer.error})")
    if 200 <= status < 300:
        return Outcome("sent", status)
    reason = answer.reason()
    detail = f"HTTP {status} ({reason})" if reason else f"HTTP {status}"
    if status in (404, 410):
        return Outcome("gone", status, detail, reason=reason)
    if status == 429 or status >= 500:
        return Outcome("retry", status, detail, answer.retry_after, reason=reason)
    return Outcome("failed", status, detail, reason=reason)


class Sender:
    """Encrypts and posts messages, at most `in_flight` at once; use `with Sender(...) as sender`."""

    def __init__(
        self,
        headers: VapidHeaders,
        allowed_hosts: list[str],
        allow_http: bool,
        in_flight: int = 64,
        timeout_ms: int = 20_000,
    ):
        self.headers = headers
        self.allowed_hosts = allowed_hosts
        self.allow_http = allow_http
        import http_ece
        from cryptography.hazmat.primitives.asymmetric import ec

        from .posting import Post, Poster

        self.ece = http_ece
        self.new_key = ec.generate_private_key
        self.curve = ec.SECP256R1()
        self.post = Post
        self.poster = Poster(allow_http, in_flight, timeout_ms)
        self.lines: dict[tuple[str, int], tuple[list[bytes], dict]] = {}
        self.refusals: dict[str, Outcome | None] = {}

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.poster.close()

    def refusal(self, origin: str) -> Outcome | None:
        """The allow-list and the VAPID subject are checked again at send time: the configuration may have changed.

        `origin` is an endpoint's origin_of(); one check per push service and run, not per message.
        """
        try:
            return self.refusals[origin]
        except KeyError:
            refused = self.refusals[origin] = self._check(origin)
            return refused

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

    def encrypt(self, job: Job) -> bytes:
        """The aes128gcm body (RFC 8291) by http_ece, with a fresh P-256 key. ValueError: p256dh is not a point."""
        key = self.new_key(self.curve)
        body: bytes = self.ece.encrypt(
            job.message, private_key=key, dh=job.p256dh, auth_secret=job.auth, version="aes128gcm"
        )
        return body

    def header_lines(self, origin: str, ttl: int) -> list[bytes]:
        """Every header line for this origin and TTL, made again only when the VAPID header is re-signed."""
        vapid = self.headers.for_origin(origin)
        cached = self.lines.get((origin, ttl))
        if cached and cached[1] is vapid:
            return cached[0]
        lines = [f"{name}: {value}".encode("latin-1") for name, value in vapid.items()]
        lines += [b"TTL: %d" % max(60, ttl), *CONSTANT_HEADERS]
        self.lines[(origin, ttl)] = (lines, vapid)
        return lines

    def _posts(self, jobs: Iterable[Job], refused: list[tuple[Job, Outcome]]) -> Iterator[Post]:
        """Encrypt the jobs as libcurl asks for more, ENCRYPT_GROUP at a time (memory stays flat whatever the count).

        A group is encrypted in one tight loop, apart from libcurl's and the database's work:
        about a tenth less CPU a message than one at a time between them (bench/dispatch.py).
        """
        jobs = iter(jobs)
        while group := list(islice(jobs, ENCRYPT_GROUP)):
            yield from self._encrypted(group, refused)

    def _encrypted(self, group: list[Job], refused: list[tuple[Job, Outcome]]) -> list[Post]:
        encrypt, post = self.encrypt, self.post  # (looked up once per group)
        posts = []
        for job in group:
            refusal = self.refusal(job.origin)
            if refusal:
                refused.append((job, refusal))
                continue
            try:
                body = encrypt(job)
            except ValueError as exc:  # keys that are not a P-256 point: this one fails, the others go on
                refused.append((job, Outcome("failed", detail=f"cannot encrypt ({exc})")))
                continue
            posts.append(post(job.endpoint, body, self.header_lines(job.origin, job.ttl), job))
        return posts

    def send_all(self, jobs: Iterable[Job], on_idle: Callable[[], None] | None = None) -> Iterator[tuple[Job, Outcome]]:
        """Send every job; yield each with its outcome as soon as it is known (in any order).

        `on_idle` is called whenever the sender waits for answers (to keep leases, say).
        """
        refused: list[tuple[Job, Outcome]] = []
        for answer in self.poster.post_all(self._posts(jobs, refused), on_idle):
            while refused:
                yield refused.pop()
            yield answer.post.tag, classify(answer)
        yield from refused

    def send(self, job: Job) -> Outcome:
        """Send one message and wait for its outcome."""
        return next(iter(self.send_all([job])))[1]


def payload(lang: str, quiet: bool = False) -> dict:
    """The message: opens the bedtime routine when tapped; "Later" asks for one snooze.

    `quiet`: the person asked for no sound or vibration (the worker shows it silently).
    """
    with force_locale(lang or "en"):
        return {
            "title": _("Bedtime stretches"),
            "body": ngettext(
                "About %(num)s minute of calf stretches before bed?",
                "About %(num)s minutes of calf stretches before bed?",
                ROUTINE_MINUTES,
            ),
            "url": "/bedtime",
            "tag": "bedtime",
            "actions": actions(),
            **({"quiet": True} if quiet else {}),
        }


def actions() -> list[dict]:
    """The notification's buttons, where the browser shows them: open the routine, or one snooze."""
    return [
        {"action": "routine", "title": _("Start routine")},
        {"action": "later", "title": _("Later")},
    ]


def encode(message: dict) -> str:
    """The message as compact JSON text."""
    return json.dumps(message, separators=(",", ":"))


def vapid_headers(app: Flask) -> VapidHeaders:
    """Signed VAPID headers for this app's key, cached per push service."""
    return VapidHeaders(lambda: shared_vapid(app), app.config["VAPID_SUBJECT"])


def preload(app: Flask) -> None:
    """Import the sending stack and load the VAPID key now: before forking, so each process need not."""
    import http_ece  # noqa: F401
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: F401

    from . import posting, validation  # noqa: F401

    shared_vapid(app)


def sender_for(app: Flask, headers: VapidHeaders, in_flight: int = 64, timeout_ms: int = 20_000) -> Sender:
    """A sender with this app's allow-list."""
    return Sender(headers, app.config["PUSH_SERVICE_HOSTS"], bool(app.config["PUSH_ALLOW_HTTP"]), in_flight, timeout_ms)


def send_now(app: Flask, subscription: dict, message: dict, ttl: int, timeout_s: float) -> Outcome:
    """Send one message at once (the "Send a test reminder" button), giving up after timeout_s."""
    with sender_for(app, vapid_headers(app), in_flight=1, timeout_ms=int(timeout_s * 1000)) as sender:
        return sender.send(Job.for_subscription(subscription, encode(message), ttl))

"""A local push service for tests: checks VAPID like a real one and decrypts every message.

It listens on 127.0.0.1 and speaks HTTP/1.1 with keep-alive. For each POST it
verifies the VAPID JWT (ES256 signature with the key in the header, `aud` equal to
its own origin, `exp` within 24 hours, a `sub`), decrypts the aes128gcm body with
http_ece using the subscriber's private key, and records the message. Tests
program answers per endpoint (e.g. 410, or 429 with Retry-After, then 201), and
faults for everyone: one answer for every request (`outage`, e.g. 503), a delay
before each answer (`delay`), or no listening socket at all (`refuse()`, then
`restore()` on the same port). An answer may carry a body, as real refusals do.

`FakePushService(like_apple=True)` answers as Apple's push service does: a JWT it
does not accept, or a subject on a local name (localhost, .local, .invalid), gets
403 with {"reason": "BadJwtToken"} (web-push-libs/web-push issues 787 and 947).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from py_vapid import Vapid02
from requests.structures import CaseInsensitiveDict


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Subscriber:
    """A browser's side of a subscription: its keys, so messages can be decrypted."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64e(public), "auth": b64e(self.auth)}}


@dataclass
class Message:
    path: str
    headers: dict
    claims: dict
    payload: dict
    at: float = field(default_factory=time.time)
    body: bytes = field(default=b"", repr=False)  # as it came, encrypted


def verify_vapid(authorization: str, audience: str) -> dict:
    """The JWT claims, after checking signature, audience, expiry and subject (raises ValueError)."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError(f"expected a 'vapid' Authorization scheme, got {scheme!r}")
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64d(header_b64))
    if header.get("alg") != "ES256":
        raise ValueError("VAPID JWT must be ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(key))
    signature = b64d(signature_b64)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("VAPID signature does not verify") from None
    claims = json.loads(b64d(claims_b64))
    if claims.get("aud") != audience:
        raise ValueError(f"aud {claims.get('aud')!r} is not {audience!r}")
    if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
        raise ValueError("exp must be in the future and within 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("sub must be a mailto: or https: URL")
    return claims


class CountingVapid(Vapid02):
    """A VAPID key that counts its signatures: how tests see that headers are signed once per push service."""

    signed = 0

    def sign(self, claims: dict, crypto_key: str | None = None) -> dict:
        self.signed += 1
        headers: dict = super().sign(claims, crypto_key)
        return headers

    @classmethod
    def fresh(cls) -> CountingVapid:
        """A new key pair."""
        vapid = cls()
        vapid.generate_keys()
        return vapid


def local_name(subject: str) -> bool:
    """Whether a VAPID subject names a host on a local name, as Apple's push service judges it."""
    host = subject.rpartition("@")[2] if subject.startswith("mailto:") else subject.split("/")[2].split(":")[0]
    return host == "localhost" or host.endswith((".localhost", ".local", ".invalid"))


class QuietServer(ThreadingHTTPServer):
    """A sender that was killed or timed out drops its connection: not an error worth a traceback.

    The listen backlog is as deep as a real push service's: with the default of 5, a burst of
    new connections waits in SYN retries, a sender times out, and the request is still read
    and delivered later, which no real push service does to a burst this small.
    """

    request_queue_size = 1024

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakePushService:
    """Start with `with FakePushService() as push:`; `push.subscriber()` makes a subscription."""

    def __init__(self, verify: bool = True, like_apple: bool = False):
        self.verify = verify
        self.like_apple = like_apple
        self.messages: list[Message] = []
        self.rejected: list[str] = []
        self.attempts: dict[str, int] = {}
        self.answers: dict[str, list[tuple]] = {}  # (status, headers) or (status, headers, body)
        self.subscribers: dict[str, Subscriber] = {}
        self.lock = threading.Lock()
        self.outage: tuple | None = None  # answered to every request while set, as in `answers`
        self.delay = 0.0  # seconds before each answer
        self.connections: set = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with service.lock:
                    service.connections.add(self.connection)

            def finish(self):
                with service.lock:
                    service.connections.discard(self.connection)
                super().finish()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # Header names are case-insensitive (pywebpush sends them in lower case).
                status, extra, *said = service.handle(self.path, CaseInsensitiveDict(self.headers.items()), body)
                answer = said[0] if said else b""
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.handler = Handler
        self.server: ThreadingHTTPServer | None = self.listen(0)
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"

    def listen(self, port: int) -> ThreadingHTTPServer:
        server = QuietServer(("127.0.0.1", port), self.handler)
        server.daemon_threads = True
        return server

    def __enter__(self):
        self.start()
        return self

    def start(self) -> None:
        assert self.server is not None
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def __exit__(self, *exc):
        self.refuse()

    def refuse(self) -> None:
        """Stop listening and drop every open connection: senders get "connection refused"."""
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        with self.lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self.connections.clear()

    def restore(self) -> None:
        """Listen again on the same port."""
        if self.server is None:
            self.server = self.listen(self.port)
            self.start()

    def subscriber(self, name: str | None = None) -> Subscriber:
        name = name or b64e(os.urandom(9))
        sub = Subscriber(f"{self.origin}/push/{name}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.subscribers[f"/push/{name}"] = sub
        return sub

    def answer(self, subscriber: Subscriber, *answers: tuple) -> None:
        """The next answers for this endpoint, in order (afterwards: 201): (status, headers[, body])."""
        self.answers[subscriber.endpoint.removeprefix(self.origin)] = list(answers)

    def handle(self, path: str, headers: dict, body: bytes) -> tuple:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.attempts[path] = self.attempts.get(path, 0) + 1
            if self.outage is not None:
                return self.outage
            queued = self.answers.get(path)
            if queued:
                return queued.pop(0)
        if path not in self.subscribers:
            return 404, {}
        if not self.verify:
            with self.lock:
                self.messages.append(Message(path, headers, {}, {}))
            return 201, {}
        try:
            claims = verify_vapid(headers.get("Authorization", ""), self.origin)
            if self.like_apple and local_name(str(claims["sub"])):
                raise ValueError(f"Apple refuses the subject {claims['sub']}")
            if headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("Content-Encoding must be aes128gcm")
            sub = self.subscribers[path]
            plain = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm")
            message = Message(path, headers, claims, json.loads(plain), body=body)
        except Exception as exc:  # a real push service answers 400/401/403
            with self.lock:
                self.rejected.append(f"{path}: {exc}")
            if self.like_apple:
                return 403, {"Content-Type": "application/json"}, b'{"reason":"BadJwtToken"}'
            return 401, {}
        with self.lock:
            self.messages.append(message)
        return 201, {}

    def tally(self, subscribers: list[Subscriber]) -> dict[str, int]:
        """From the messages this service decrypted: how many subscribers got 1, 0 or more than 1."""
        with self.lock:
            counts = Counter(m.path for m in self.messages)
        paths = [s.endpoint.removeprefix(self.origin) for s in subscribers]
        return {
            "delivered": sum(1 for p in paths if counts[p] >= 1),
            "lost": sum(1 for p in paths if counts[p] == 0),
            "doubled": sum(1 for p in paths if counts[p] > 1),
        }

    def received(self, subscriber: Subscriber) -> list[Message]:
        path = subscriber.endpoint.removeprefix(self.origin)
        return [m for m in self.messages if m.path == path]

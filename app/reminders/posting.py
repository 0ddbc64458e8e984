"""Posting encrypted messages to push services with libcurl's multi interface (pycurl).

libcurl does the HTTP in C: keep-alive connections shared by every request, HTTP/2
multiplexing where the push service offers it (ALPN), TLS verification, timeouts.
Python only hands it a URL, a body and a header list per message, and reads the
status (and, for a refusal, Retry-After and the first KB of the body, where push
services say why) when the answer is in. No redirect is followed, no proxy
from the environment is used, and only https (or http, for local tests) is allowed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pycurl

CONNECT_TIMEOUT_MS = 5_000
TOTAL_TIMEOUT_MS = 20_000
MAX_HOST_CONNECTIONS = 32
BODY_KEPT = 1024  # of an answer's body: push services say why in a short JSON object or line of text
REASON_CHARS = 160  # of the push service's reason, in the log and the summary
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")  # the reason is the push service's text: one plain line


@dataclass(slots=True)
class Post:
    """One HTTP POST to make: `tag` is the caller's own, handed back with the answer."""

    url: str
    body: bytes
    headers: list[bytes]  # not changed once given: handles that sent the same list keep it
    tag: Any = None


@dataclass(slots=True)
class Answer:
    """The push service's answer (status 0: no answer, with curl's error in `error`)."""

    post: Post
    status: int
    retry_after: str | None = None
    error: str = ""
    body: bytes = b""  # the answer's first BODY_KEPT bytes (success bodies are not read)

    def reason(self) -> str:
        """The push service's reason for a refusal, as one short line of plain text ("" if it gave none).

        Apple answers {"reason": "BadJwtToken"}; Mozilla {"errno": …, "message": "…"}; FCM a line of text.
        """
        text = self.body.decode("utf-8", "replace").strip()
        try:
            said = json.loads(text)
        except ValueError:
            said = text
        if isinstance(said, dict):
            said = next((said[key] for key in ("reason", "message", "error") if isinstance(said.get(key), str)), text)
        line = _UNPRINTABLE.sub(" ", str(said)).strip()  # no line breaks or control characters in the log
        return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"


@dataclass
class _Handle:
    """A reusable easy handle and what its current transfer has heard."""

    curl: Any
    post: Post | None = None
    lines: list[bytes] = field(default_factory=list)  # the answer's header lines, read only when it is not a 2xx
    headers: list[bytes] | None = None  # the header list last given to libcurl (kept by the handle)
    body: bytearray = field(default_factory=bytearray)

    def take(self, data: bytes) -> None:
        """libcurl's write callback: keep the first BODY_KEPT bytes of the answer's body, drop the rest."""
        if len(self.body) < BODY_KEPT:
            self.body += data[: BODY_KEPT - len(self.body)]


class Poster:
    """Makes POSTs concurrently, at most `in_flight` at a time, on shared connections."""

    def __init__(self, allow_http: bool = False, in_flight: int = 128, timeout_ms: int = TOTAL_TIMEOUT_MS):
        self.in_flight = in_flight
        self.timeout_ms = timeout_ms
        self.protocols = pycurl.PROTO_HTTPS | (pycurl.PROTO_HTTP if allow_http else 0)
        # libcurl does not read SSL_CERT_FILE itself; OpenSSL-based clients do, so honour it the same way.
        self.ca_file = os.environ.get("SSL_CERT_FILE")
        self.multi = pycurl.CurlMulti()
        self.multi.setopt(pycurl.M_PIPELINING, pycurl.PIPE_MULTIPLEX)
        self.multi.setopt(pycurl.M_MAXCONNECTS, max(16, in_flight))
        # At most this many connections to one push service (HTTP/1.1; HTTP/2 shares one): more
        # would only cost handshakes. Posts beyond them wait inside libcurl for a free connection.
        self.multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, min(in_flight, MAX_HOST_CONNECTIONS))
        self.idle: list[_Handle] = []
        self.busy: dict[Any, _Handle] = {}

    def close(self) -> None:
        """Close every connection and handle."""
        for handle in list(self.busy.values()):
            self.multi.remove_handle(handle.curl)
        for handle in self.idle + list(self.busy.values()):
            handle.curl.close()
        self.idle.clear()
        self.busy.clear()
        self.multi.close()

    def __enter__(self) -> Poster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _new_handle(self) -> _Handle:
        """An easy handle with every option that is the same for all posts set once."""
        curl = pycurl.Curl()
        handle = _Handle(curl)
        curl.setopt(pycurl.POST, 1)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)  # a push service that redirects is not trusted with the message
        curl.setopt(pycurl.PROTOCOLS, self.protocols)
        curl.setopt(pycurl.PROXY, "")  # never a proxy from the environment
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS)
        curl.setopt(pycurl.TIMEOUT_MS, self.timeout_ms)
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2TLS)
        curl.setopt(pycurl.PIPEWAIT, 1)  # wait to share an HTTP/2 connection rather than open another
        # Push services answer in a few hundred bytes and the bodies are small: smaller buffers than
        # libcurl's defaults (16 KB down, 64 KB up) keep every handle's memory in the CPU's caches.
        curl.setopt(pycurl.BUFFERSIZE, 4096)
        curl.setopt(pycurl.UPLOAD_BUFFERSIZE, 16384)  # libcurl's least
        curl.setopt(pycurl.WRITEFUNCTION, handle.take)  # called only for an answer with a body
        curl.setopt(pycurl.HEADERFUNCTION, handle.lines.append)  # no Python frame per header line
        if self.ca_file:
            curl.setopt(pycurl.CAINFO, self.ca_file)
        return handle

    def _start(self, post: Post) -> None:
        handle = self.idle.pop() if self.idle else self._new_handle()
        handle.post = post
        handle.lines.clear()
        handle.body.clear()
        curl = handle.curl
        curl.setopt(pycurl.URL, post.url)
        curl.setopt(pycurl.POSTFIELDS, post.body)
        if handle.headers is not post.headers:  # most posts share one list per push service
            curl.setopt(pycurl.HTTPHEADER, post.headers)
            handle.headers = post.headers
        self.busy[curl] = handle
        self.multi.add_handle(curl)

    def _finish(self, curl: Any, error: str = "") -> Answer:
        handle = self.busy.pop(curl)
        self.multi.remove_handle(curl)
        post = handle.post
        assert post is not None
        status = 0 if error else int(curl.getinfo(pycurl.RESPONSE_CODE))
        if 200 <= status < 300:
            answer = Answer(post, status, None, error)
        else:
            answer = Answer(post, status, _retry_after(handle.lines), error, bytes(handle.body))
        handle.post = None
        self.idle.append(handle)
        return answer

    def post_all(self, posts: Iterable[Post], on_idle: Callable[[], None] | None = None) -> Iterator[Answer]:
        """Make every post, yielding each answer as soon as it is in (not in the order given).

        `on_idle` is called each time it waits for the network with no answer in.
        """
        queue = iter(posts)
        more = True
        while True:
            while more and len(self.busy) < self.in_flight:
                post = next(queue, None)
                if post is None:
                    more = False
                    break
                self._start(post)
            if not self.busy:
                return
            while self.multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                pass
            finished = False
            while True:
                remaining, done, failed = self.multi.info_read()
                for curl in done:
                    finished = True
                    yield self._finish(curl)
                for curl, _code, message in failed:
                    finished = True
                    yield self._finish(curl, message or "no answer")
                if not remaining:
                    break
            if not finished:
                if on_idle:
                    on_idle()
                self.multi.select(0.1)


def _retry_after(lines: list[bytes]) -> str | None:
    """The answer's last Retry-After header (the only one the sender needs), or None."""
    for line in reversed(lines):
        if line[:12].lower() == b"retry-after:":
            return line[12:].decode("latin-1").strip()
    return None

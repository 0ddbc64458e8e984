"""Pages cost almost nothing to serve: rendered once, compressed once, answered with 304s.

Every page is the same for everyone of one language and app version, so the first
request for (endpoint, path, language, version) renders it and keeps its bytes,
gzip and brotli encodings and a strong ETag; later requests are answered from
that, or with a 304 when If-None-Match matches. Other text responses (the API,
the 404 page) are compressed on the way out.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from threading import Lock

import brotli
from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale
from werkzeug.http import parse_etags

from .i18n import vary_headers
from .versions import configured_version

# What a rendered page's bytes depend on besides the URL and the app version: its
# encoding, and the request headers that choose its language (Accept-Language, Cookie).
PAGE_VARY = ("Accept-Encoding", *vary_headers())
RENDER_ONCE_BLUEPRINTS = {"pages", "pwa"}
# Pages that htmx asks for parts of: asked with HX-Request they answer a fragment, never cached
# as the page, and the page itself varies on that header.
HTMX_PAGES = {"pages.reminders"}
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/manifest+json", "image/svg+xml")
MIN_SIZE = 256  # smaller bodies are not worth a Content-Encoding
MAX_PAGES = 512  # rendered variants kept per process (pages x languages; bounded, so URLs cannot fill memory)
# Seconds nginx may keep a rendered page in its own cache (it ignores this header for browsers,
# which still revalidate every time with the ETag).
PROXY_CACHE_SECONDS = 10


@dataclass(frozen=True)
class Representation:
    """One resource's bytes, its encodings (only those smaller than the original), and its tag."""

    body: bytes
    content_type: str
    tag: str  # strong ETag value without quotes; encodings add a suffix
    encoded: dict[str, bytes] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()

    def etag(self, coding: str | None) -> str:
        return f'"{self.tag}-{coding}"' if coding else f'"{self.tag}"'


def compressible(content_type: str) -> bool:
    return content_type.startswith(COMPRESSIBLE)


def represent(body: bytes, content_type: str, headers: Iterable[tuple[str, str]] = ()) -> Representation:
    """Hash and compress once, at the strongest settings: the result is kept."""
    encoded: dict[str, bytes] = {}
    if len(body) >= MIN_SIZE and compressible(content_type):
        candidates = {
            "br": brotli.compress(body, quality=11),
            "gzip": gzip.compress(body, compresslevel=9, mtime=0),
        }
        encoded = {coding: data for coding, data in candidates.items() if len(data) < len(body)}
    tag = hashlib.sha256(body).hexdigest()[:24]
    return Representation(body, content_type, tag, encoded, tuple(headers))


def choose_coding(rep: Representation) -> str | None:
    """The best encoding the client accepts: brotli, then gzip, else none."""
    accepted = request.accept_encodings
    for coding in ("br", "gzip"):
        if coding in rep.encoded and accepted[coding] > 0:
            return coding
    return None


def not_modified(rep: Representation) -> bool:
    """If-None-Match names this resource in any of its encodings (weak comparison, as RFC 9110 says)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    etags = parse_etags(header)
    tags = [rep.tag] + [f"{rep.tag}-{coding}" for coding in rep.encoded]
    return etags.star_tag or any(etags.contains_weak(tag) for tag in tags)


def respond(rep: Representation, cache_control: str, vary: tuple[str, ...] = ("Accept-Encoding",)) -> Response:
    """A 200 in the best encoding, or a 304; with ETag, Cache-Control and Vary."""
    coding = choose_coding(rep)
    if not_modified(rep):
        response = Response(status=304)
    else:
        response = Response(rep.encoded[coding] if coding else rep.body, content_type=rep.content_type)
        if coding:
            response.headers["Content-Encoding"] = coding
    for name, value in rep.headers:
        response.headers[name] = value
    response.headers["ETag"] = rep.etag(coding)
    response.headers.setdefault("Cache-Control", cache_control)
    if rep.encoded or len(vary) > 1:
        response.headers["Vary"] = ", ".join(vary if rep.encoded else [v for v in vary if v != "Accept-Encoding"])
    return response


class BoundedCache:
    """A small thread-safe LRU map (rendering twice in a race is harmless)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[Hashable, Representation] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Hashable) -> Representation | None:
        with self.lock:
            rep = self.items.get(key)
            if rep is not None:
                self.items.move_to_end(key)
            return rep

    def put(self, key: Hashable, rep: Representation) -> None:
        with self.lock:
            self.items[key] = rep
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def page_key() -> tuple | None:
    """The render-once key of this request, or None when it is not a cacheable page."""
    if request.method not in ("GET", "HEAD") or request.blueprint not in RENDER_ONCE_BLUEPRINTS:
        return None
    if "HX-Request" in request.headers:
        return None  # a fragment: not the page
    return (request.endpoint, request.path, str(get_locale()), configured_version())


def _page_cache() -> BoundedCache:
    cache: BoundedCache = current_app.extensions["calmcalf_pages"]
    return cache


def page_vary() -> tuple[str, ...]:
    """What this page's bytes depend on: its encoding and language, and for htmx pages HX-Request."""
    return (*PAGE_VARY, "HX-Request") if request.endpoint in HTMX_PAGES else PAGE_VARY


def _page_response(rep: Representation) -> Response:
    response = respond(rep, "no-cache", page_vary())
    response.headers.setdefault("X-Accel-Expires", str(PROXY_CACHE_SECONDS))
    return response


def serve_rendered() -> Response | None:
    """before_request: answer a page from the render-once cache."""
    key = page_key()
    g.calmcalf_page_key = key
    rep = _page_cache().get(key) if key else None
    if rep is None:
        return None
    g.calmcalf_answered = True
    return _page_response(rep)


# Headers a view sets that belong to the resource (kept in the cache); others (a Set-Cookie,
# say) go out with the response that rendered the page only, and the entity headers are recomputed.
KEPT_HEADERS = ("Cache-Control",)
RECOMPUTED = {"content-length", "content-encoding", "content-type", "etag", "vary"}


def _keep_page(response: Response, key: tuple) -> Response:
    """Store a freshly rendered page and answer with its best encoding."""
    headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
    rep = represent(response.get_data(), response.content_type or "text/html", headers)
    _page_cache().put(key, rep)
    answer = _page_response(rep)
    for name, value in response.headers.items():
        if name.lower() not in RECOMPUTED and name not in KEPT_HEADERS:
            answer.headers.add(name, value)
    return answer


def _compress(response: Response) -> Response:
    """A one-off text response: compressed quickly in the one encoding the client prefers."""
    body = response.get_data()
    accepted = request.accept_encodings
    coding = next((c for c in ("br", "gzip") if accepted[c] > 0), None)
    response.vary.add("Accept-Encoding")
    if coding and len(body) >= MIN_SIZE:
        data = brotli.compress(body, quality=5) if coding == "br" else gzip.compress(body, compresslevel=6, mtime=0)
        if len(data) < len(body):
            response.set_data(data)
            response.headers["Content-Encoding"] = coding
    return response


def keep_or_compress(response: Response) -> Response:
    """after_request: keep a freshly rendered page, or compress another text response."""
    if g.get("calmcalf_answered") or response.direct_passthrough or response.status_code != 200:
        return response
    if "Content-Encoding" in response.headers or response.is_streamed:
        return response
    key = g.get("calmcalf_page_key")
    if key:
        return _keep_page(response, key)
    if request.endpoint in HTMX_PAGES:  # the fragment of an htmx page
        response.vary.update(page_vary())
        response.headers["Cache-Control"] = "no-store"
    if compressible(response.content_type or ""):
        return _compress(response)
    return response


def init_app(app: Flask) -> None:
    """Register the cache; its after_request runs before the security headers are added."""
    app.extensions["calmcalf_pages"] = BoundedCache(MAX_PAGES)
    app.before_request(serve_rendered)
    app.after_request(keep_or_compress)

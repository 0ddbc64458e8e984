"""What a browser fetches on a first visit to a page: the static files the page names, and
the modules main.js loads on every page once it has loaded (the install and update offers,
the language menu, the source links) with what they import in turn. Icons are left out
(the budget excludes them, as bench/first_load.py does).

Used by tests/test_caching.py (straight at the app) and tests/test_arrangement.py
(through nginx over HTTPS). bench/first_load.py measures the same thing in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# What Chromium sends over HTTPS (and to loopback).
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
BUDGET = 30 * 1024  # the bodies, as sent (compressed)
# Bodies and headers as sent over HTTP/1.1, as the default server sends them (HTTP/2 through nginx
# compresses repeated headers to a few bytes each, so this is the larger figure).
WIRE_BUDGET = 36 * 1024
# What waitress (the default server) adds to every response's headers.
SERVER_ADDS = (("Server", "calmcalf"), ("Date", "Sat, 05 Dec 2026 23:00:00 GMT"))


def header_bytes(status: str, headers: Iterable[tuple[str, str]]) -> int:
    """The bytes of a response's status line and headers as HTTP/1.1 sends them ("200 OK", [(name, value)])."""
    return len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{name}: {value}\r\n") for name, value in headers) + 2


def named_static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def first_load_urls(html: str, get_text: Callable[[str], str]) -> list[str]:
    """The static URLs of a first load, icons excluded; `get_text(url)` fetches a module's source."""
    named = [url for url in named_static_urls(html) if "/icons/" not in url and not url.endswith(".png")]
    main = next(url for url in named if url.endswith("/js/main.js"))
    folder = main.rsplit("/", 1)[0]
    later: list[str] = []
    waiting = [f"{folder}/{name}" for name in re.findall(r"import\('\./([\w-]+\.js)'\)", get_text(main))]
    while waiting:
        url = waiting.pop(0)
        if url in later or url in named:
            continue
        later.append(url)
        waiting += [
            f"{folder}/{name}" for name in re.findall(r"^import [^;]*? from '\./([\w-]+\.js)'", get_text(url), re.M)
        ]
    return named + later

"""Who a request comes from, and how many API calls each client may make.

Behind reverse proxies, `CALMCALF_TRUSTED_PROXIES` (default 0) says how many
of them to believe: Werkzeug's ProxyFix then takes the client's address, scheme,
host and port from that many X-Forwarded-* entries. Every client has one budget
for the whole API and the Reminders page's own requests (`CALMCALF_API_RATE_LIMIT`), kept in the storage that
`CALMCALF_RATELIMIT_STORAGE_URI` names: memory:// for one process, a shared
redis://host:6379 when several servers or processes run.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError

# The JSON API and the Reminders page's htmx requests (/reminders/…, not the page itself) share one budget.
LIMITED = ("/api", "/reminders")


def trusted_proxies(app: Flask) -> int:
    value = app.config.get("TRUSTED_PROXIES", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"CALMCALF_TRUSTED_PROXIES must be a number of proxies (0 or more), not {value!r}")
    return value


# How long a request waits for the shared storage before the limiter counts in this process's
# memory instead. Redis answers a hit in well under a millisecond on a LAN; a frozen one (a stopped
# process, a stalled host) still accepts connections and never answers, so each wait costs the
# request it falls on: the first hit, then each health check Flask-Limiter makes (1, 2, 4 … 32 s apart).
STORAGE_TIMEOUT_S = 0.1


def storage_options(uri: str) -> dict:
    """Short timeouts: a storage that is down or frozen must not hold requests (they pass, limited in memory)."""
    if uri.startswith(("redis://", "rediss://")):
        return {"socket_timeout": STORAGE_TIMEOUT_S, "socket_connect_timeout": STORAGE_TIMEOUT_S}
    return {}


def init_app(app: Flask) -> None:
    """ProxyFix for the trusted proxies, and one rate-limit budget per client across /api/."""
    proxies = trusted_proxies(app)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)  # type: ignore[method-assign]
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    limiter = Limiter(
        get_remote_address,  # request.remote_addr: the real client once ProxyFix has run
        app=app,
        storage_uri=uri,
        storage_options=storage_options(uri),
        # The budget's figures are sent only with a 429 (limit_headers, below): on every answer
        # they would cost each request a second storage round trip, for headers no client reads.
        headers_enabled=False,
        in_memory_fallback_enabled=True,
        key_prefix="calmcalf",
        # One storage round trip a request (the hit), and no burst of twice the budget across a window's edge.
        strategy="sliding-window-counter",
    )
    budget = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, Blueprint) and (blueprint.url_prefix or "").startswith(LIMITED):
            budget(blueprint)
    app.extensions["calmcalf_limiter"] = limiter
    app.after_request(limit_headers)


def limit_headers(response: Response) -> Response:
    """On a 429: when to try again (Retry-After, in seconds) and the budget (X-RateLimit-*)."""
    if response.status_code != 429:
        return response
    limiter: Limiter = current_app.extensions["calmcalf_limiter"]
    breached = limiter.current_limit
    if breached is None:  # a 429 that is not the budget's (none is made elsewhere today)
        return response
    now = time.time()
    try:
        resets = breached.window.reset_time  # when the next request is let through (a float)
        reset_at = breached.reset_at  # that, rounded up to a whole second
    except Exception:  # the storage went away meanwhile: a 429 still says to wait
        resets = now + 60
        reset_at = int(now) + 60
    # Rounded up once, from the exact wait: the whole-second reset_at less the clock rounded down
    # said 61 s for a 60 s window in a minute's first second.
    response.headers["Retry-After"] = str(max(1, math.ceil(resets - now)))
    response.headers["X-RateLimit-Limit"] = str(breached.limit.amount)
    response.headers["X-RateLimit-Remaining"] = "0"
    response.headers["X-RateLimit-Reset"] = str(reset_at)
    return response

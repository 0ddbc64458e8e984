"""Who a request comes from, and how many API calls each client may make.

Behind reverse proxies, `CALMCALF_TRUSTED_PROXIES` (default 0) says how many
of them to believe: Werkzeug's ProxyFix then takes the client's address, scheme,
host and port from that many X-Forwarded-* entries. Every client has one budget
for the whole API and the Reminders page's own requests (`CALMCALF_API_RATE_LIMIT`), kept in the storage that
`CALMCALF_RATELIMIT_STORAGE_URI` names: memory:// for one process, a shared
redis://host:6379 when several servers or processes run.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
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


def storage_options(uri: str) -> dict:
    """Short timeouts: a storage that is down must not hold requests (they pass, limited in memory)."""
    if uri.startswith(("redis://", "rediss://")):
        return {"socket_timeout": 1, "socket_connect_timeout": 1}
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
        headers_enabled=True,
        in_memory_fallback_enabled=True,
        key_prefix="calmcalf",
        # Two storage round trips a request (the hit, and the figures for the X-RateLimit headers), where
        # a fixed window takes three; and no burst of twice the budget across a window's edge.
        strategy="sliding-window-counter",
    )
    budget = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, Blueprint) and (blueprint.url_prefix or "").startswith(LIMITED):
            budget(blueprint)
    app.extensions["calmcalf_limiter"] = limiter

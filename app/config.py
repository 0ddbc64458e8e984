"""Where the app's files are, and the defaults every setting starts from."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

# The design keeps templates/, static/, service_worker.js and migrations/ at the top
# level of the checkout, beside this package. A built wheel carries them inside the
# package, under _files/ (see pyproject.toml).
ROOT = _PACKAGE / "_files" if (_PACKAGE / "_files").is_dir() else _PACKAGE.parent

# The real push services of Chrome, Firefox, Safari and Edge. "*." matches subdomains.
DEFAULT_PUSH_SERVICE_HOSTS = [
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "web.push.apple.com",
    "*.push.apple.com",
    "*.notify.windows.com",
]


class ConfigError(RuntimeError):
    """The server cannot start with this configuration."""


def defaults() -> dict:
    """Every setting with its default; CALMCALF_<NAME> in the environment overrides it."""
    return {
        # Empty means "a hash of what phones keep offline, as rendered" (see web.versions.asset_version).
        "ASSET_VERSION": "",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "DATABASE_URL": "",  # empty: SQLite in the instance folder
        "VAPID_PRIVATE_KEY": "",  # empty: generated once and kept in the database
        "VAPID_SUBJECT": "",  # empty: mailto:webpush@localhost (set a real one in production)
        "PUSH_SERVICE_HOSTS": list(DEFAULT_PUSH_SERVICE_HOSTS),
        "PUSH_ALLOW_HTTP": False,  # only for local tests against a fake push service
        "API_RATE_LIMIT": "60 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",  # one process; several need redis://host:6379 (see README)
        "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-* headers are believed
        "DISPATCH_INTERVAL_SECONDS": 30,
        "DISPATCH_LEASE_SECONDS": 60,  # a dead dispatcher's reminders are taken over after this
        "TEST_SEND_TIMEOUT_SECONDS": 5,  # "Send a test reminder" never holds a web thread longer
        "TEST_SENDS_AT_ONCE": 2,  # beyond this many at once, a test send answers 503
        "TEST_SEND_LIMIT": "3 per hour",  # test reminders per subscription (then 429)
        "MAX_REQUEST_BODY_BYTES": 16384,  # waitress refuses bigger bodies before the app reads them
    }

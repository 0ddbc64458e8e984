"""VAPID: the key pair (generated once and kept in the database, so every process shares it),
the subject (the sender's contact, which Apple's push service checks), and the signed
Authorization headers, cached per push service.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy.exc import IntegrityError

from ..config import ConfigError
from ..db import get_db
from .models import Setting

if TYPE_CHECKING:
    from py_vapid import Vapid02

# py_vapid and cryptography are imported where a key is used, not at import: a dispatcher with
# nothing due never needs them, and starts that much sooner.

KEY_SETTING = "vapid_private_key_pem"
_loading = threading.Lock()
# A zero-configuration start keeps working against a push service on this machine (tests, trying
# it out); real push services need a real contact, and `serve`/`dispatch` say so at start.
DEFAULT_SUBJECT = "mailto:webpush@localhost"
SUBJECT = re.compile(r"^(mailto:[^@\s/]+@[^@\s/]+|https://[^\s/?#]+\.[^\s/?#]+(/\S*)?)$")
# Names no one outside this machine or network can reach. Apple's push service answers
# "403 BadJwtToken" to a subject naming one (web-push-libs/web-push issues 787 and 947).
LOCAL_SUFFIXES = (".localhost", ".local", ".invalid")
VAPID_LIFETIME_S = 12 * 3600  # push services accept up to 24 h
VAPID_RESIGN_BEFORE_S = 3600  # sign again when less than this is left


def check_subject(subject: str) -> str:
    """A real mailto: address or https: URL, for push services to contact the sender."""
    if not SUBJECT.fullmatch(subject):
        raise ConfigError(f"CALMCALF_VAPID_SUBJECT must be a mailto: address or an https: URL, not {subject!r}")
    return subject


def is_local_host(host: str) -> bool:
    """Whether a host name or address names this machine or a local network only."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def subject_host(subject: str) -> str:
    """The domain of a mailto: subject, or the host of an https: one."""
    if subject.startswith("mailto:"):
        return subject.rpartition("@")[2]
    return subject.removeprefix("https://").split("/", 1)[0].rsplit(":", 1)[0]


def local_subject(subject: str) -> bool:
    """Whether no push service could reach the sender at this subject (Apple's refuses it)."""
    return is_local_host(subject_host(subject))


def subject_refused(subject: str) -> str:
    """What to do about a local subject, in one line (for the log, the start and the test send)."""
    return (
        f"CALMCALF_VAPID_SUBJECT is {subject}, a local address push services cannot reach (Apple's answers "
        "403 BadJwtToken); set it to your real mailto: address or https: URL"
    )


def start_warning(app: Flask) -> str | None:
    """The line `serve` and `dispatch` print at start when only a push service on this machine would be sent to."""
    subject = app.config["VAPID_SUBJECT"]
    hosts = app.config["PUSH_SERVICE_HOSTS"]
    if local_subject(subject) and not all(is_local_host(host.removeprefix("*.")) for host in hosts):
        return f"calmcalf: {subject_refused(subject)}; until then reminders go only to a push service on this machine"
    return None


class VapidHeaders:
    """Authorization headers per push-service origin, signed again before they expire.

    `vapid` is the key, or a function that loads it (called at the first signature).
    """

    def __init__(self, vapid: Vapid02 | Callable[[], Vapid02], subject: str):
        self.key = vapid
        self.subject = subject
        self.cache: dict[str, tuple[dict, float]] = {}
        self.lock = threading.Lock()

    @property
    def vapid(self) -> Vapid02:
        if callable(self.key):
            self.key = self.key()
        return self.key

    def for_origin(self, origin: str, now: float | None = None) -> dict:
        """The cached headers for one origin: the same object until they are signed again. Do not change it."""
        now = time.time() if now is None else now
        fresh = self._fresh(origin, now)  # without the lock (asked for every message): it guards signing
        if fresh is not None:
            return fresh
        with self.lock:
            fresh = self._fresh(origin, now)  # another thread may have signed meanwhile
            if fresh is not None:
                return fresh
            expires = int(now) + VAPID_LIFETIME_S
            # A fresh claims dict each time: py_vapid changes the dict it is given.
            headers: dict = self.vapid.sign({"sub": self.subject, "aud": origin, "exp": expires})
            self.cache[origin] = (headers, expires)
            return headers

    def _fresh(self, origin: str, now: float) -> dict | None:
        """The cached headers for this origin while they are not yet due to be signed again."""
        cached = self.cache.get(origin)
        return cached[0] if cached and cached[1] - now > VAPID_RESIGN_BEFORE_S else None


def vapid_headers(app: Flask) -> VapidHeaders:
    """Signed VAPID headers for this app's key, cached per push service."""
    return VapidHeaders(lambda: shared_vapid(app), app.config["VAPID_SUBJECT"])


def _from_config(text: str) -> Vapid02:
    from py_vapid import Vapid02

    try:
        if text.strip().startswith("-----BEGIN"):
            return Vapid02.from_pem(text.strip().encode())
        return Vapid02.from_string(text.strip())
    except Exception as exc:  # py_vapid raises several kinds for a bad key
        raise ConfigError(f"CALMCALF_VAPID_PRIVATE_KEY is not a usable P-256 private key: {exc}") from None


def load_vapid(app: Flask) -> Vapid02:
    """The configured key, else the stored one, else a new one stored for everyone."""
    from py_vapid import Vapid02

    configured = app.config.get("VAPID_PRIVATE_KEY")
    if configured:
        return _from_config(str(configured))
    db = get_db(app)
    with db.session() as session:
        stored = session.get(Setting, KEY_SETTING)
        if stored:
            return Vapid02.from_pem(stored.value.encode())
    vapid = Vapid02()
    vapid.generate_keys()
    try:
        with db.session() as session:
            session.add(Setting(key=KEY_SETTING, value=vapid.private_pem().decode()))
    except IntegrityError:
        # Another process stored one first: use that, so all agree.
        with db.session() as session:
            stored = session.get(Setting, KEY_SETTING)
            assert stored is not None  # the IntegrityError says it is there
            return Vapid02.from_pem(stored.value.encode())
    return vapid


def shared_vapid(app: Flask) -> Vapid02:
    """This process's key, loaded once: the API and every sender use the same one."""
    cache = app.extensions.setdefault("calmcalf_vapid", {})
    with _loading:
        if "key" not in cache:
            cache["key"] = load_vapid(app)
        return cache["key"]


def public_key(vapid: Vapid02) -> str:
    """The applicationServerKey for pushManager.subscribe: base64url of the uncompressed point."""
    from cryptography.hazmat.primitives import serialization
    from py_vapid import b64urlencode

    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return str(b64urlencode(raw))


def init_app(app: Flask) -> None:
    """Check the subject now, so a bad one stops the server at start."""
    app.config["VAPID_SUBJECT"] = check_subject(app.config.get("VAPID_SUBJECT") or DEFAULT_SUBJECT)

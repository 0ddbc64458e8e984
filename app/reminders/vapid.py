"""The VAPID key pair: generated once and kept in the database, so every process shares it."""

from __future__ import annotations

import re
import threading
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
DEFAULT_SUBJECT = "mailto:webpush@localhost"
SUBJECT = re.compile(r"^(mailto:[^@\s/]+@[^@\s/]+|https://[^\s/?#]+\.[^\s/?#]+(/\S*)?)$")


def check_subject(subject: str) -> str:
    """A real mailto: address or https: URL, for push services to contact the sender."""
    if not SUBJECT.fullmatch(subject):
        raise ConfigError(f"CALMCALF_VAPID_SUBJECT must be a mailto: address or an https: URL, not {subject!r}")
    return subject


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

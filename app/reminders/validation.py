"""Checks for the reminders API. Every problem is a 4xx naming the field, never a 500."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import b64urlencode

from .schedule import DAYS

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class Invalid(ValueError):
    """A request problem: `status` and a message that names the field."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def b64url_bytes(value, field: str) -> bytes:
    """Decode base64url (padding optional), or name the field. Nothing else may be mixed in."""
    if not isinstance(value, str) or not value or len(value) > 200:
        raise Invalid(f"{field} must be a base64url string")
    if not BASE64URL.fullmatch(value):
        raise Invalid(f"{field} must be base64url (A-Z a-z 0-9 - _)")
    bare = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        raise Invalid(f"{field} must be base64url") from None


def check_url_text(value, field: str) -> str:
    """A URL-sized string with no spaces or control characters (which no push service uses)."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field} is required and must be a URL")
    if len(value) > 2048:
        raise Invalid(f"{field} is longer than 2048 characters")
    if any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in value):
        raise Invalid(f"{field} must not contain spaces or control characters")
    return value


def host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("*.") and host.endswith(entry[1:]) and host != entry[2:]:
            return True
        if host == entry:
            return True
    return False


def check_endpoint(endpoint, allowed_hosts: list[str], allow_http: bool) -> str:
    """An https URL on an allow-listed push service (plain http only when allowed, for tests)."""
    field = "subscription.endpoint"
    check_url_text(endpoint, field)
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise Invalid(f"{field} is not a valid URL") from None
    schemes = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in schemes:
        raise Invalid(f"{field} must use https")
    if not parts.hostname or parts.username or parts.password or port == 0:
        raise Invalid(f"{field} is not a valid push service URL")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise Invalid(f"{field} host {parts.hostname} is not a known push service")
    return str(endpoint)


def check_keys(keys) -> tuple[str, str]:
    """p256dh: a 65-byte uncompressed P-256 point; auth: 16 bytes."""
    if not isinstance(keys, dict):
        raise Invalid("subscription.keys must be an object with p256dh and auth")
    p256dh = b64url_bytes(keys.get("p256dh"), "subscription.keys.p256dh")
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise Invalid("subscription.keys.p256dh must be a 65-byte uncompressed P-256 public key")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise Invalid("subscription.keys.p256dh is not a point on the P-256 curve") from None
    auth = b64url_bytes(keys.get("auth"), "subscription.keys.auth")
    if len(auth) != 16:
        raise Invalid("subscription.keys.auth must be 16 bytes")
    return b64urlencode(p256dh), b64urlencode(auth)  # stored in one form: base64url without padding


def check_time(value) -> str:
    if not isinstance(value, str) or not TIME.fullmatch(value):
        raise Invalid("time must be HH:MM, from 00:00 to 23:59")
    return value


def check_timezone(value) -> str:
    if not isinstance(value, str) or value not in _zones():
        raise Invalid("timezone must be an IANA time zone name, such as Europe/London")
    return value


def check_days(value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid(f"days must be a non-empty list of {', '.join(DAYS)}")
    if any(not isinstance(d, str) or d not in DAYS for d in value) or len(set(value)) != len(value):
        raise Invalid(f"days may only hold {', '.join(DAYS)}, each once")
    return [d for d in DAYS if d in value]


def check_object(body) -> dict:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    return body


def check_reminder(body, allowed_hosts: list[str], allow_http: bool) -> dict:
    """A whole POST /api/reminders body, cleaned."""
    body = check_object(body)
    subscription = body.get("subscription")
    if not isinstance(subscription, dict):
        raise Invalid("subscription is required: {endpoint, keys: {p256dh, auth}}")
    endpoint = check_endpoint(subscription.get("endpoint"), allowed_hosts, allow_http)
    p256dh, auth = check_keys(subscription.get("keys"))
    return {
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "time": check_time(body.get("time")),
        "timezone": check_timezone(body.get("timezone")),
        "days": check_days(body.get("days")),
    }


def check_endpoint_only(body) -> str:
    """The body of DELETE /api/reminders and of the test send: {endpoint}."""
    return check_url_text(check_object(body).get("endpoint"), "endpoint")

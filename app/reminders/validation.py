"""Checks for the reminders API. Every problem is a 4xx naming the field, never a 500."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import TZPATH, available_timezones

from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import b64urlencode

from .schedule import DAYS

# ASCII only: \d would also take Arabic-Indic or fullwidth digits, which no clock reads.
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
# A push endpoint, read strictly: no user info, an ASCII host (IDNA-encoded names are ASCII),
# an optional port, a path and query of URL-safe characters (RFC 3986), no fragment.
ENDPOINT = re.compile(
    r"(?P<scheme>https?)://(?P<host>[A-Za-z0-9.-]{1,253})(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*)(?:\?(?P<query>[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*))?",
    re.ASCII,
)
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
DEFAULT_PORTS = {"https": 443, "http": 80}
LOCAL_TEST_HOSTS = {"127.0.0.1", "localhost"}
MAX_DEPTH = 8  # a reminder body is 3 levels deep; deeper input is refused before it is parsed


class Invalid(ValueError):
    """A request problem: `status` and a message that names the field."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}

    @property
    def field(self) -> str:
        """The field the message names: its first word ("time", "subscription.keys.auth", …)."""
        return self.message.split(" ", 1)[0].rstrip(":")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """The IANA zones by name (from tzdata.zi), plus Area/Location links that browsers still report.

    Not "localtime" (the server's own zone), "Factory", "posixrules", posix/ or right/ copies,
    nor old one-word links such as "GB" or "Japan"; "UTC" is kept.
    """
    for folder in TZPATH:
        index = Path(folder) / "tzdata.zi"
        if index.is_file():
            names = set()
            for line in index.read_text(encoding="utf-8").splitlines():
                fields = line.split()
                if fields[:1] == ["Z"]:
                    names.add(fields[1])
                elif fields[:1] == ["L"] and "/" in fields[2]:
                    names.add(fields[2])
            break
    else:  # no index: every name zoneinfo knows, in Area/Location form
        names = {name for name in available_timezones() if "/" in name}
    names = {n for n in names if not n.startswith(("posix/", "right/"))} - {"Factory", "localtime", "posixrules"}
    return frozenset(names | {"UTC"})


def check_depth(raw: bytes, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` before parsing it (deep input exhausts the parser)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                raise Invalid(f"the request body is nested deeper than {limit} levels")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def b64url_bytes(value: object, field: str) -> bytes:
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


def check_url_text(value: object, field: str) -> str:
    """A URL-sized string with no spaces or control characters (which no push service uses)."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field} is required and must be a URL")
    if len(value) > 2048:
        raise Invalid(f"{field} is longer than 2048 characters")
    if any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in value):
        raise Invalid(f"{field} must not contain spaces or control characters")
    return value


def valid_host(host: str) -> bool:
    """Dot-separated labels of ASCII letters, digits and inner hyphens; no empty label, no trailing dot."""
    labels = host.lower().split(".")
    return len(host) <= 253 and all(LABEL.fullmatch(label) for label in labels)


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Equal to an allowed host, or a real subdomain of a "*." entry, compared label by label."""
    if not valid_host(host):
        return False
    labels = host.lower().split(".")
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("*."):
            suffix = entry[2:].split(".")
            if len(labels) > len(suffix) and labels[-len(suffix) :] == suffix:
                return True
        elif labels == entry.split("."):
            return True
    return False


def check_endpoint(endpoint: object, allowed_hosts: list[str], allow_http: bool) -> str:
    """An https URL on an allow-listed push service (plain http only when allowed, for tests)."""
    field = "subscription.endpoint"
    url = check_url_text(endpoint, field)
    parts = ENDPOINT.fullmatch(url)
    if parts is None:
        raise Invalid(f"{field} must be https://<push service host>/<path> in URL-safe ASCII characters")
    scheme, host, port = parts["scheme"], parts["host"], parts["port"]
    if scheme != "https" and not allow_http:
        raise Invalid(f"{field} must use https")
    if not valid_host(host):
        raise Invalid(f"{field} host must be letters, digits, hyphens and dots (IDNA), with no trailing dot")
    local = host.lower() in LOCAL_TEST_HOSTS  # a fake push service in tests (still only if allow-listed)
    if port is not None and int(port) != DEFAULT_PORTS[scheme] and not (local and 0 < int(port) < 65536):
        raise Invalid(f"{field} must not name a port other than {DEFAULT_PORTS[scheme]}")
    if BAD_PERCENT.search(url):
        raise Invalid(f"{field} has a % that is not followed by two hex digits")
    if any(unquote(segment) in (".", "..") for segment in parts["path"].split("/")):
        raise Invalid(f"{field} path must not contain . or .. segments")
    if not host_allowed(host, allowed_hosts):
        raise Invalid(f"{field} host {host} is not a known push service")
    return url


def check_keys(keys: object) -> tuple[str, str]:
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


def check_time(value: object) -> str:
    """ASCII HH:MM, 00:00 to 23:59."""
    if not isinstance(value, str) or not TIME.fullmatch(value):
        raise Invalid("time must be HH:MM, from 00:00 to 23:59")
    return value


def check_timezone(value: object) -> str:
    """A real IANA zone name (not localtime, Factory or posix/…)."""
    if not isinstance(value, str) or value not in _zones():
        raise Invalid("timezone must be an IANA time zone name, such as Europe/London")
    return value


def check_days(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid(f"days must be a non-empty list of {', '.join(DAYS)}")
    if any(not isinstance(d, str) or d not in DAYS for d in value) or len(set(value)) != len(value):
        raise Invalid(f"days may only hold {', '.join(DAYS)}, each once")
    return [d for d in DAYS if d in value]


def check_object(body: object) -> dict:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    return body


def check_reminder(body: object, allowed_hosts: list[str], allow_http: bool) -> dict:
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


def check_endpoint_only(body: object) -> str:
    """The body of DELETE /api/reminders and of the test send: {endpoint}."""
    return check_url_text(check_object(body).get("endpoint"), "endpoint")

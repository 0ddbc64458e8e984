"""The field checks behind the reminders schema (schema.py), and the request errors of the service.

A check returns the clean value or raises ValueError with what is wrong, without the field's
name: the schema says which field it was ("subscription.keys.auth must be 16 bytes").
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from pathlib import Path
from zoneinfo import TZPATH, available_timezones

from cryptography.hazmat.primitives.asymmetric import ec

from ..weekdays import DAYS

# ASCII only: \d would also take Arabic-Indic or fullwidth digits, which no clock reads.
TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}", re.ASCII)
# A push endpoint, read strictly: no user info, an ASCII host (browsers give a Unicode name in its
# IDNA form, xn--…), an optional port (leading zeros allowed, as browsers allow them), a path and query of URL-safe characters (RFC 3986), no fragment.
ENDPOINT = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>[A-Za-z0-9.-]{1,253})(?::(?P<port>0*[0-9]{1,5}))?"
    r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*)(?:\?(?P<query>[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*))?",
    re.ASCII,
)
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
PERCENT = re.compile(r"%(?P<hex>[0-9A-Fa-f]{2})?")
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
DEFAULT_PORTS = {"https": 443, "http": 80}
LOCAL_TEST_HOSTS = {"127.0.0.1", "localhost"}
MAX_DEPTH = 8  # a reminder body is 3 levels deep; deeper input is refused before it is parsed


class Invalid(ValueError):
    """A request the service refuses: `status` and a message that names the field."""

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
def zones() -> frozenset[str]:
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


def b64url_bytes(value: str) -> bytes:
    """Decode base64url (padding optional). Nothing else may be mixed in."""
    if not value or len(value) > 200 or not BASE64URL.fullmatch(value):
        raise ValueError("must be base64url (A-Z a-z 0-9 - _)")
    bare = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("must be base64url") from None


def b64url_text(raw: bytes) -> str:
    """The one stored form: base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def check_p256dh(value: str) -> str:
    """A 65-byte uncompressed point on the P-256 curve, in the stored form."""
    raw = b64url_bytes(value)
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("must be a 65-byte uncompressed P-256 public key")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ValueError("is not a point on the P-256 curve") from None
    return b64url_text(raw)


def check_auth(value: str) -> str:
    """The subscription's 16-byte auth secret, in the stored form."""
    raw = b64url_bytes(value)
    if len(raw) != 16:
        raise ValueError("must be 16 bytes")
    return b64url_text(raw)


def check_timezone(value: str) -> str:
    """A real IANA zone name (not localtime, Factory or posix/…)."""
    if value not in zones():
        raise ValueError("must be an IANA time zone name, such as Europe/London")
    return value


def check_days(value: list[str]) -> list[str]:
    """Days of the week, each once, in week order."""
    if any(d not in DAYS for d in value) or len(set(value)) != len(value):
        raise ValueError(f"may only hold {', '.join(DAYS)}, each once")
    return [d for d in DAYS if d in value]


def check_url_text(value: str) -> str:
    """A URL-sized string with no spaces or control characters (which no push service uses)."""
    if any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def canonical_host(host: str) -> str:
    """Lower case: dot-separated labels of letters, digits and inner hyphens (IDNA's xn-- form for others)."""
    host = host.lower()
    if not all(LABEL.fullmatch(label) for label in host.split(".")):
        raise ValueError("host must be letters, digits, hyphens and dots (IDNA), with no trailing dot")
    return host


def _percent(match: re.Match[str]) -> str:
    """One %XX in its canonical form: an unreserved character decoded, any other in upper-case hex."""
    code = match["hex"]
    if code is None:
        raise ValueError("has a % that is not followed by two hex digits")
    byte = int(code, 16)
    return chr(byte) if byte in UNRESERVED else "%" + code.upper()


def canonical_path(path: str) -> str:
    """No empty segments (// or a trailing /), no . or .. segments, percent-encoding in one form."""
    path = PERCENT.sub(_percent, path)
    segments = [segment for segment in path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        raise ValueError("path must not contain . or .. segments")
    return "/" + "/".join(segments)


def canonical_endpoint(value: str, allow_http: bool) -> tuple[str, str]:
    """(canonical URL, host) of a push endpoint: one spelling per subscription, or ValueError.

    Lower-case host (in IDNA's ASCII form, as browsers give it), no default or zero-padded port, no empty path segments, no empty
    query, percent-encoding normalised (RFC 3986 section 6.2.2).
    """
    check_url_text(value)
    parts = ENDPOINT.fullmatch(value)
    scheme = parts["scheme"].lower() if parts else ""
    if parts is None or scheme not in DEFAULT_PORTS:
        raise ValueError("must be https://<push service host>/<path> in URL-safe ASCII characters")
    if scheme == "http" and not allow_http:
        raise ValueError("must use https")
    host = canonical_host(parts["host"])
    port = int(parts["port"]) if parts["port"] is not None else DEFAULT_PORTS[scheme]
    if port != DEFAULT_PORTS[scheme] and not (host in LOCAL_TEST_HOSTS and 0 < port < 65536):
        raise ValueError(f"must not name a port other than {DEFAULT_PORTS[scheme]}")
    netloc = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    query = PERCENT.sub(_percent, parts["query"]) if parts["query"] else ""
    url = f"{scheme}://{netloc}{canonical_path(parts['path'])}" + (f"?{query}" if query else "")
    if len(url) > 2048:
        raise ValueError("is longer than 2048 characters")
    return url, host


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Equal to an allowed host, or a real subdomain of a "*." entry, compared label by label."""
    labels = host.split(".")
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("*."):
            suffix = entry[2:].split(".")
            if len(labels) > len(suffix) and labels[-len(suffix) :] == suffix:
                return True
        elif labels == entry.split("."):
            return True
    return False


def allowed_endpoint(value: str, allowed_hosts: list[str], allow_http: bool) -> str:
    """A push endpoint on an allow-listed push service, in its canonical form (or ValueError)."""
    url, host = canonical_endpoint(value, allow_http)
    if not host_allowed(host, allowed_hosts):
        raise ValueError(f"host {host} is not a known push service")
    return url


def check_endpoint(value: str, allowed_hosts: list[str], allow_http: bool) -> str:
    """allowed_endpoint() for code outside a request's schema: Invalid naming subscription.endpoint."""
    try:
        return allowed_endpoint(value, allowed_hosts, allow_http)
    except ValueError as problem:
        raise Invalid(f"subscription.endpoint {problem}") from None

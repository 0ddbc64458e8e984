"""The reminders schema: every field declared once (pydantic), for the JSON API's checks, the
Reminders page's field errors and the OpenAPI description (openapi.py) alike.

A request that reads, changes, tests or deletes a stored reminder proves that it holds the
subscription's `auth` secret (`Proof`): push endpoints leak into logs and backups, the secret
does not. Endpoints are stored and matched in one canonical spelling (validation.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, WithJsonSchema
from pydantic_core import ErrorDetails

from ..weekdays import DAYS
from .validation import (
    TIME,
    allowed_endpoint,
    canonical_endpoint,
    check_auth,
    check_days,
    check_p256dh,
    check_timezone,
    zones,
)

BASE64URL_PATTERN = "^[A-Za-z0-9_-]+={0,2}$"
# base64url of 16 bytes (22 characters) and of 65 bytes that begin 0x04 (87), padded or not.
AUTH_PATTERN = "^[A-Za-z0-9_-]{22}={0,2}$"
P256DH_PATTERN = "^B[A-P][A-Za-z0-9_-]{85}={0,2}$"  # first byte 0x04
ENDPOINT_PATTERN = r"^[A-Za-z]+://[^/?#\s]+/[^#\s]*$"
# A real calendar date, YYYY-MM-DD, years 1000-9999: 31-day months, 30-day months, February to the
# 28th, and the 29th in leap years (every 4th year, not centuries but every 4th century).
_LEAP = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
DATE = (
    "^(?:[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP}-02-29)$"
)
TIME_PATTERN = re.compile(TIME, re.ASCII)
DATE_PATTERN = re.compile(DATE, re.ASCII)


def _time(value: str) -> str:
    if not TIME_PATTERN.fullmatch(value):
        raise ValueError("must be HH:MM, from 00:00 to 23:59")
    return value


def _date(value: str) -> str:
    if not DATE_PATTERN.fullmatch(value):
        shaped = re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value, re.ASCII)
        raise ValueError(
            "is not a real date" if shaped else "must be a date, YYYY-MM-DD (the evening the night begins)"
        )
    return value


def _stored_endpoint(value: str, info: ValidationInfo) -> str:
    """An endpoint to store: on an allow-listed push service (the app's config, in the context)."""
    context = info.context or {}
    return allowed_endpoint(value, context.get("hosts", []), bool(context.get("allow_http")))


def _known_endpoint(value: str, info: ValidationInfo) -> str:
    """An endpoint to look up: any well-formed one, canonical (an unknown one is simply not found)."""
    return canonical_endpoint(value, bool((info.context or {}).get("allow_http")))[0]


def _text(max_length: int, description: str, **schema: Any) -> Any:
    return Field(max_length=max_length, min_length=1, description=description, json_schema_extra=schema or None)


Time = Annotated[str, AfterValidator(_time), _text(5, "local time, HH:MM", pattern=TIME, examples=["21:30"])]
Zone = Annotated[
    str,
    AfterValidator(check_timezone),
    Field(max_length=64),
    WithJsonSchema({"type": "string", "description": "an IANA time zone name", "enum": sorted(zones())}),
]
Days = Annotated[
    list[Literal[DAYS]],  # type: ignore[valid-type]  # Literal of the tuple's values
    AfterValidator(check_days),
    Field(min_length=1, max_length=7, json_schema_extra={"uniqueItems": True}),
]
AuthSecret = Annotated[
    str,
    AfterValidator(check_auth),
    _text(200, "base64url of the subscription's 16-byte auth secret", pattern=AUTH_PATTERN),
]
PublicPoint = Annotated[
    str,
    AfterValidator(check_p256dh),
    Field(max_length=200),
    # No pattern can say "a point on the curve": the description names the format, whose
    # values are P256DH_PATTERN's (base64url of 65 bytes beginning 0x04) that lie on it.
    WithJsonSchema(
        {
            "type": "string",
            "format": "p256-public-key",
            "description": "base64url of a 65-byte uncompressed point on the P-256 curve (the browser's "
            f"public key): {P256DH_PATTERN}, on the curve",
        }
    ),
]
StoredEndpoint = Annotated[
    str,
    AfterValidator(_stored_endpoint),
    _text(2048, "the push service URL (https, on an allowed push service)", pattern=ENDPOINT_PATTERN),
]
KnownEndpoint = Annotated[
    str, AfterValidator(_known_endpoint), _text(2048, "the push service URL", pattern=ENDPOINT_PATTERN)
]


class Model(BaseModel):
    """Strict JSON types (a number is not a time), unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Keys(Model):
    p256dh: PublicPoint
    auth: AuthSecret


class Subscription(Model):
    """PushSubscription.toJSON() from the browser."""

    endpoint: StoredEndpoint
    keys: Keys


class Settings(Model):
    """What the person chooses on the Reminders page."""

    time: Time
    timezone: Zone
    days: Days
    quiet: bool = Field(False, description="no sound or vibration when this reminder arrives")


class ReminderRequest(Settings):
    """POST /api/reminders: create, or change the one stored for this subscription.

    A change that brings other keys for a stored endpoint proves the old secret in previousAuth.
    """

    subscription: Subscription
    previousAuth: AuthSecret | None = None


class Proof(Model):
    """This phone's subscription: its endpoint and, to show it is this phone's, its auth secret."""

    endpoint: KnownEndpoint
    auth: AuthSecret


Night = Annotated[
    str,
    AfterValidator(_date),
    _text(10, "the evening the night begins, YYYY-MM-DD", pattern=DATE),
]


class NightDone(Proof):
    """POST /api/reminders/done: tonight's routine is done on this phone."""

    night: Night


class Reminder(Model):
    """A stored reminder, as the API answers it."""

    endpoint: str = Field(description="the push service URL, in the one spelling it is stored in")
    time: str = Field(pattern=TIME)
    timezone: str
    days: list[Literal[DAYS]] = Field(min_length=1, max_length=7)  # type: ignore[valid-type]
    quiet: bool
    nextDueAt: str = Field(description="when the next reminder is due (UTC, ISO 8601)")


class PublicKey(Model):
    publicKey: str = Field(pattern=BASE64URL_PATTERN, description="VAPID public key")


class Snoozed(Model):
    snoozedUntil: str = Field(description="when tonight's one more reminder is due (UTC, ISO 8601)")


class NightMarked(Model):
    night: str
    nextDueAt: str


class TestSent(Model):
    result: Literal["sent"]


class Error(Model):
    error: str = Field(description="what is wrong, naming the field")


REQUESTS = (ReminderRequest, Proof, NightDone)
ANSWERS = (Reminder, PublicKey, Snoozed, NightMarked, TestSent, Error)

# What a value of each kind must be, for a field given the wrong kind of value.
KINDS = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "literal_error": "must be one of {expected}",
    "missing": "is required",
    "string_too_short": "must not be empty",
    "string_too_long": "is longer than {max_length} characters",
    "too_short": "must hold at least {min_length}",
    "too_long": "must hold at most {max_length}",
    "string_pattern_mismatch": "must match {pattern}",
}


def field_of(error: ErrorDetails) -> str:
    """The field an error is about, as the API names it: "subscription.keys.auth", "days" (not "days.2")."""
    names = [str(part) for part in error["loc"] if not isinstance(part, int)]
    return ".".join(names) or "the request body"


def problem(error: ValidationError) -> str:
    """The first thing wrong, naming its field: "time must be HH:MM, from 00:00 to 23:59"."""
    first = error.errors(include_url=False)[0]
    if first["type"] == "value_error":
        said = str(first["ctx"]["error"])
    else:
        said = KINDS.get(first["type"], "is not valid").format(**first.get("ctx", {}))
    if first["loc"] == ():
        return "the request body must be a JSON object"
    return f"{field_of(first)} {said}"


def fields_wrong(error: ValidationError) -> set[str]:
    """Every top-level field with a problem (the Reminders page marks each one)."""
    return {str(e["loc"][0]) if e["loc"] else "" for e in error.errors(include_url=False)}

"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Kept beside the code it describes; tests check it against real answers and run
schemathesis against a live server.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, Response, jsonify

from ..errors import BODY_LIMIT
from .schedule import DAYS

ENDPOINT = {"type": "string", "minLength": 1, "maxLength": 2048, "description": "the push service URL (https)"}
BASE64URL = "^[A-Za-z0-9_-]+={0,2}$"
ERROR = {"$ref": "#/components/schemas/Error"}
RATE_HEADERS = {
    "X-RateLimit-Limit": {"description": "requests allowed in the window", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "requests left in the window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "when the window resets (Unix time)", "schema": {"type": "integer"}},
}


def _error(description: str, headers: dict | None = None) -> dict:
    answer: dict = {"description": description, "content": {"application/json": {"schema": ERROR}}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*codes: int) -> dict:
    """The error answers an operation can give, each {"error": "..."}."""
    texts = {
        400: "the body is not valid JSON, or a field is wrong (the message names it)",
        404: "no reminder is stored for this endpoint",
        409: "not possible tonight (the message says why): already put off once this evening, the routine is "
        "already done, tonight's reminder not sent yet, too late tonight; or the night is not tonight",
        413: f"the request body is larger than {BODY_LIMIT} bytes",
        415: "Content-Type is not application/json",
        502: "the push service did not take the test message, or did not answer in time",
        503: "too many test reminders are being sent right now (Retry-After says when to try again), or this "
        "server's CALMCALF_VAPID_SUBJECT is a local address that push services refuse (no Retry-After)",
    }
    answers = {str(code): _error(texts[code]) for code in codes}
    answers["429"] = _error(
        "too many requests from this client (CALMCALF_API_RATE_LIMIT, default 60 per minute)",
        {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}, **RATE_HEADERS},
    )
    return answers


def _json_body(ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _ok(description: str, ref: str | None) -> dict:
    answer: dict = {"description": description}
    if ref:
        answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
    return answer


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "what is wrong, naming the field"}},
        "additionalProperties": False,
    },
    "PublicKey": {
        "type": "object",
        "required": ["publicKey"],
        "properties": {"publicKey": {"type": "string", "pattern": BASE64URL, "description": "VAPID public key"}},
        "additionalProperties": False,
    },
    "Subscription": {
        "type": "object",
        "description": "PushSubscription.toJSON() from the browser",
        "required": ["endpoint", "keys"],
        "properties": {
            "endpoint": ENDPOINT,
            "keys": {
                "type": "object",
                "required": ["p256dh", "auth"],
                "properties": {
                    "p256dh": {
                        "type": "string",
                        "pattern": BASE64URL,
                        "description": "base64url of a 65-byte uncompressed P-256 point",
                    },
                    "auth": {"type": "string", "pattern": BASE64URL, "description": "base64url of 16 bytes"},
                },
            },
        },
    },
    "ReminderRequest": {
        "type": "object",
        "required": ["subscription", "time", "timezone", "days"],
        "properties": {
            "subscription": {"$ref": "#/components/schemas/Subscription"},
            "time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["21:30"]},
            "timezone": {"type": "string", "description": "an IANA time zone name", "examples": ["Europe/London"]},
            "days": {
                "type": "array",
                "items": {"enum": list(DAYS)},
                "minItems": 1,
                "maxItems": 7,
                "uniqueItems": True,
            },
        },
    },
    "Reminder": {
        "type": "object",
        "required": ["endpoint", "time", "timezone", "days", "nextDueAt"],
        "properties": {
            "endpoint": ENDPOINT,
            "time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "timezone": {"type": "string"},
            "days": {"type": "array", "items": {"enum": list(DAYS)}, "minItems": 1, "maxItems": 7},
            "nextDueAt": {"type": "string", "format": "date-time", "description": "the next send, in UTC"},
        },
        "additionalProperties": False,
    },
    "EndpointOnly": {"type": "object", "required": ["endpoint"], "properties": {"endpoint": ENDPOINT}},
    "DoneRequest": {
        "type": "object",
        "required": ["endpoint", "night"],
        "properties": {
            "endpoint": ENDPOINT,
            "night": {
                "type": "string",
                "format": "date",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                "description": "the night whose routine is done, named by its evening's date (nights run noon to noon)",
            },
        },
    },
    "Done": {
        "type": "object",
        "required": ["night", "nextDueAt"],
        "properties": {
            "night": {"type": "string", "format": "date"},
            "nextDueAt": {"type": "string", "format": "date-time", "description": "the next send, in UTC"},
        },
        "additionalProperties": False,
    },
    "Snoozed": {
        "type": "object",
        "required": ["snoozedUntil"],
        "properties": {
            "snoozedUntil": {
                "type": "string",
                "format": "date-time",
                "description": "when the one more reminder is sent (UTC)",
            }
        },
        "additionalProperties": False,
    },
    "TestSent": {
        "type": "object",
        "required": ["result"],
        "properties": {"result": {"const": "sent"}},
        "additionalProperties": False,
    },
}


@lru_cache(maxsize=1)
def description() -> dict[str, object]:
    """The whole document (built once; it does not change while the app runs)."""
    paths = {
        "/api/push/public-key": {
            "get": {
                "operationId": "getPublicKey",
                "summary": "The VAPID public key, for pushManager.subscribe()",
                "responses": {"200": _ok("the key", "PublicKey"), **_errors()},
            }
        },
        "/api/reminders": {
            "post": {
                "operationId": "saveReminder",
                "summary": "Turn on an evening reminder, or update the one with the same endpoint",
                "requestBody": _json_body("ReminderRequest"),
                "responses": {
                    "201": _ok("a new reminder was stored", "Reminder"),
                    "200": _ok("the reminder with this endpoint was updated", "Reminder"),
                    **_errors(400, 413, 415),
                },
            },
            "delete": {
                "operationId": "deleteReminder",
                "summary": "Turn a reminder off (also answers 204 for an unknown endpoint)",
                "requestBody": _json_body("EndpointOnly"),
                "responses": {"204": _ok("forgotten", None), **_errors(400, 413, 415)},
            },
        },
        "/api/reminders/test": {
            "post": {
                "operationId": "sendTestReminder",
                "summary": "Send one reminder now to a stored subscription",
                "requestBody": _json_body("EndpointOnly"),
                "responses": {
                    "202": _ok("the push service took it", "TestSent"),
                    **_errors(400, 404, 413, 415, 502, 503),
                },
            }
        },
        "/api/reminders/snooze": {
            "post": {
                "operationId": "snoozeReminder",
                "summary": '"Later" on tonight\'s reminder: one more, 30 minutes from now, at most once an evening',
                "requestBody": _json_body("EndpointOnly"),
                "responses": {
                    "200": _ok("one more reminder is planned", "Snoozed"),
                    **_errors(400, 404, 409, 413, 415),
                },
            }
        },
        "/api/reminders/done": {
            "post": {
                "operationId": "markNightDone",
                "summary": "Tonight's routine is done on the device: no reminder (and no snooze) tonight",
                "requestBody": _json_body("DoneRequest"),
                "responses": {
                    "200": _ok("tonight is skipped", "Done"),
                    **_errors(400, 404, 409, 413, 415),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This description",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Calm Calf reminders API",
            "version": "1",
            "description": 'Evening reminders by web push. Every error is {"error": "..."} with a 4xx '
            "status (502 when the push service refuses a test send), never a 500.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


bp = Blueprint("openapi", __name__, url_prefix="/api")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The description itself (not rate-limited: it is the same for everyone)."""
    return jsonify(description())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

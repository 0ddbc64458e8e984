"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

The schemas are the reminders schema's own (schema.py, through pydantic's JSON Schema), so a
field is declared once. Two facts come from the configuration and are added here: the push
services an endpoint may name (as a pattern), and nothing else. Tests check the document
against real answers and run schemathesis against a live server.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ..errors import BODY_LIMIT
from .schema import ANSWERS, REQUESTS
from .validation import DEFAULT_PORTS, LOCAL_TEST_HOSTS

ERROR = {"$ref": "#/components/schemas/Error"}
RATE_HEADERS = {
    "X-RateLimit-Limit": {"description": "requests allowed in the window", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "requests left in the window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "when the window resets (Unix time)", "schema": {"type": "integer"}},
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
TEXTS = {
    400: "the body is not valid JSON, or a field is wrong (the message names it)",
    403: "the endpoint is stored with other keys, and previousAuth is not their auth secret",
    404: "no reminder is stored for this endpoint with this auth secret",
    409: "not possible tonight (the message says why): already put off once this evening, the routine is "
    "already done, tonight's reminder not sent yet, too late tonight; or the night is not tonight",
    415: "Content-Type is not application/json",
    502: "the push service did not take the test message, or did not answer in time",
}
PLAIN = {"text/plain": {"schema": {"type": "string"}}}


def _error(description: str, headers: dict | None = None, content: dict | None = None) -> dict:
    answer: dict = {"description": description, "content": content or {"application/json": {"schema": ERROR}}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*codes: int, writes: bool = False) -> dict:
    """The error answers an operation can give: each {"error": "..."}, and the server's own."""
    answers = {str(code): _error(TEXTS[code]) for code in codes}
    answers["413"] = _error(
        f"the request body is larger than {BODY_LIMIT} bytes (JSON); the server itself answers in plain "
        "text for a body over CALMCALF_MAX_REQUEST_BODY_BYTES",
        content={"application/json": {"schema": ERROR}, **PLAIN},
    )
    answers["431"] = _error("the request's header fields are too large (the server's own answer)", content=PLAIN)
    answers["429"] = _error(
        "too many requests from this client (CALMCALF_API_RATE_LIMIT, default 60 per minute); for a test "
        "send, too many test reminders for this subscription (CALMCALF_TEST_SEND_LIMIT)",
        {**RETRY_AFTER, **RATE_HEADERS},
    )
    if writes:
        answers["503"] = _error(
            "the database cannot take writes right now (read-only, full or unreachable); or, for a test send, "
            "too many test reminders are being sent at once (with Retry-After), or this server's "
            "CALMCALF_VAPID_SUBJECT is a local address that push services refuse (no Retry-After)",
            RETRY_AFTER,
        )
    return answers


def _json_body(ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _ok(description: str, ref: str | None) -> dict:
    answer: dict = {"description": description}
    if ref:
        answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
    return answer


def _any_case(text: str) -> str:
    """A regex for `text` in any letter case (ECMAScript patterns have no case flag)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOT = r"(?:\.|%2[eE])"  # a dot, or a percent-encoded one: "." and ".." segments are refused either way
NOT_DOT = r"(?:[A-Za-z0-9_~!$&'()*+,;=:@-]|%(?:[013-9A-Fa-f][0-9A-Fa-f]|2[0-9A-Da-dF-Ff]))"
SEGMENT = f"(?:{DOT}{{3,}}|{DOT}*{NOT_DOT}(?:{DOT}|{NOT_DOT})*)?"
PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"  # 1-65535
QUERY = r"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?"


def _host(entry: str | None) -> str:
    """One allowed host (a "*." entry: one to three labels before it); None: any host."""
    if entry is None:
        return f"{LABEL}(?:\\.{LABEL}){{0,3}}"
    if entry.startswith("*."):
        return f"(?:{LABEL}\\.){{1,3}}{_any_case(entry[2:])}"
    return _any_case(entry)


def endpoint_pattern(hosts: list[str] | None, allow_http: bool) -> str:
    """What validation.canonical_endpoint (and the allow-list) accepts, as one ECMAScript pattern."""
    schemes = ["https", "http"] if allow_http else ["https"]
    origins = []
    for scheme in schemes:
        default = f"(?::0*{DEFAULT_PORTS[scheme]})?"  # zero-padded too
        named = [_host(h) for h in hosts] if hosts is not None else [_host(None)]
        local = [_any_case(h) for h in sorted(LOCAL_TEST_HOSTS) if hosts is None or h in hosts]
        origin = f"{_any_case(scheme)}://(?:(?:{'|'.join(named)}){default}"
        origin += f"|(?:{'|'.join(local)})(?::0*{PORT})?)" if local else ")"
        origins.append(origin)
    return f"^(?:{'|'.join(origins)})/{SEGMENT}(?:/{SEGMENT})*{QUERY}$"


def _components(hosts: tuple[str, ...], allow_http: bool) -> dict:
    """The schemas, from the models, with the configured push services in the endpoint patterns."""
    chosen: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in REQUESTS]
    chosen += [(model, "serialization") for model in ANSWERS]
    _keys, top = models_json_schema(chosen, ref_template="#/components/schemas/{model}")
    schemas: dict = top["$defs"]
    for name, allowed in (("Subscription", list(hosts)), ("Proof", None), ("NightDone", None)):
        endpoint = schemas[name]["properties"]["endpoint"]
        endpoint["pattern"] = endpoint_pattern(allowed, allow_http)
        # The 2048-character limit is said, not a maxLength: a generator asked for a match of
        # exactly that length (schemathesis's coverage phase) spends minutes on this pattern.
        endpoint["description"] += f" (at most {endpoint.pop('maxLength')} characters)"
    for model in ANSWERS:
        schemas[model.__name__]["additionalProperties"] = False
    return schemas


@lru_cache(maxsize=4)
def description(hosts: tuple[str, ...], allow_http: bool) -> dict[str, object]:
    """The whole document for this configuration (built once)."""
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
                "summary": "Turn on an evening reminder, or change the one with the same endpoint (same auth "
                "secret; new keys need the old secret as previousAuth)",
                "requestBody": _json_body("ReminderRequest"),
                "responses": {
                    "201": _ok("a new reminder was stored", "Reminder"),
                    "200": _ok("the reminder with this endpoint was updated", "Reminder"),
                    **_errors(400, 403, 415, writes=True),
                },
            },
            "delete": {
                "operationId": "deleteReminder",
                "summary": "Turn a reminder off (204 also for an unknown endpoint or another secret: nothing changes)",
                "requestBody": _json_body("Proof"),
                "responses": {"204": _ok("forgotten", None), **_errors(400, 415, writes=True)},
            },
        },
        "/api/reminders/test": {
            "post": {
                "operationId": "sendTestReminder",
                "summary": "Send one reminder now to a stored subscription (a few an hour)",
                "requestBody": _json_body("Proof"),
                "responses": {
                    "202": _ok("the push service took it", "TestSent"),
                    **_errors(400, 404, 415, 502, writes=True),
                },
            }
        },
        "/api/reminders/snooze": {
            "post": {
                "operationId": "snoozeReminder",
                "summary": '"Later" on tonight\'s reminder: one more, 30 minutes from now, at most once an evening',
                "requestBody": _json_body("Proof"),
                "responses": {
                    "200": _ok("one more reminder is planned", "Snoozed"),
                    **_errors(400, 404, 409, 415, writes=True),
                },
            }
        },
        "/api/reminders/done": {
            "post": {
                "operationId": "markNightDone",
                "summary": "Tonight's routine is done on the device: no reminder (and no snooze) tonight",
                "requestBody": _json_body("NightDone"),
                "responses": {
                    "200": _ok("tonight is skipped", "NightMarked"),
                    **_errors(400, 404, 409, 415, writes=True),
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
            "version": "2",
            "description": 'Evening reminders by web push. Every error is {"error": "..."} with a 4xx '
            "status (502 when the push service refuses a test send, 503 when the database cannot write), "
            "never a 500. A request about a stored reminder carries its subscription's auth secret.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": _components(hosts, allow_http)},
    }


bp = Blueprint("openapi", __name__, url_prefix="/api")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The description itself (not rate-limited: it is the same for everyone)."""
    config = current_app.config
    return jsonify(description(tuple(config["PUSH_SERVICE_HOSTS"]), bool(config["PUSH_ALLOW_HTTP"])))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""The reminders API: public key, subscribe (create or update by endpoint), unsubscribe, test,
snooze ("Later") and tonight is done.

Every error is {"error": "<what is wrong, naming the field>"} with a 4xx status.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import get_db
from ..errors import BODY_LIMIT
from .models import Reminder
from .schedule import to_naive_utc
from .sending import payload, send_now
from .store import upsert
from .tonight import check_done_body, mark_done, snooze
from .validation import Invalid, check_depth, check_endpoint_only, check_reminder
from .vapid import public_key, shared_vapid

bp = Blueprint("reminders", __name__, url_prefix="/api")


def json_body() -> object:
    """The request's JSON, or a 4xx that says what is wrong with it."""
    if request.content_length is not None and request.content_length > BODY_LIMIT:
        raise Invalid(f"the request body is larger than {BODY_LIMIT} bytes", 413)
    if not request.is_json:
        raise Invalid("Content-Type must be application/json", 415)
    request.max_content_length = BODY_LIMIT  # also stops a chunked body with no Content-Length
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Invalid(f"the request body is larger than {BODY_LIMIT} bytes", 413) from None
    check_depth(raw)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Invalid("the request body is not valid JSON") from None


@bp.get("/push/public-key")
def get_public_key() -> Response:
    return jsonify(publicKey=public_key(shared_vapid(current_app)))


@bp.post("/reminders")
def save_reminder() -> ResponseReturnValue:
    """Create a reminder, or update the one with the same endpoint (one atomic upsert)."""
    clean = check_reminder(json_body(), current_app.config["PUSH_SERVICE_HOSTS"], current_app.config["PUSH_ALLOW_HTTP"])
    created, reminder = upsert(get_db(), clean, str(get_locale() or "en"), datetime.now(UTC))
    return jsonify(reminder.to_json()), 201 if created else 200


@bp.delete("/reminders")
def delete_reminder() -> ResponseReturnValue:
    """Forget a subscription (also fine when it is unknown)."""
    endpoint = check_endpoint_only(json_body())
    with get_db().session() as session:
        reminder = session.execute(select(Reminder).where(Reminder.endpoint == endpoint)).scalar_one_or_none()
        if reminder:
            session.delete(reminder)
    return "", 204


@bp.post("/reminders/test")
def send_test() -> ResponseReturnValue:
    """Send one reminder now to a stored subscription, so people can see what arrives."""
    test_send(check_endpoint_only(json_body()))
    return jsonify(result="sent"), 202


class NotSetUp(Invalid):
    """This server's own settings stop the send (its VAPID subject): 503, and no retry will help."""


def test_send(endpoint: str) -> None:
    """Send a test reminder to this stored subscription now, or raise Invalid saying why not."""
    with get_db().session() as session:
        reminder = session.execute(select(Reminder).where(Reminder.endpoint == endpoint)).scalar_one_or_none()
        if reminder is None:
            raise Invalid("endpoint: no reminder is stored for this subscription", 404)
        subscription = {"endpoint": reminder.endpoint, "keys": {"p256dh": reminder.p256dh, "auth": reminder.auth}}
        lang = reminder.lang
    # A push service that never answers must not hold the web threads: a short timeout, and
    # only a few test sends at once; beyond that, a 503 at once.
    if not send_gate(current_app).acquire(blocking=False):
        message = "endpoint: too many test reminders are being sent right now; try again in a minute"
        raise Invalid(message, 503, {"Retry-After": "30"})
    try:
        timeout = float(current_app.config["TEST_SEND_TIMEOUT_SECONDS"])
        outcome = send_now(current_app, subscription, payload(lang), ttl=600, timeout_s=timeout)
    finally:
        send_gate(current_app).release()
    if outcome.kind == "retry" and outcome.status is None:
        raise Invalid("endpoint: the push service did not answer in time; try again later", 502)
    if outcome.kind == "misconfigured":
        raise NotSetUp(f"endpoint: this server cannot send to this push service: {outcome.detail}", 503)
    if outcome.kind != "sent":
        raise Invalid(f"endpoint: the push service did not take the message ({outcome.detail})", 502)


@bp.post("/reminders/snooze")
def snooze_reminder() -> ResponseReturnValue:
    """ "Later" on a reminder: one more, 30 minutes from now; at most once an evening (else 409)."""
    endpoint = check_endpoint_only(json_body())
    with get_db().session() as session:
        at = snooze(session, endpoint, datetime.now(UTC))
    return jsonify(snoozedUntil=to_naive_utc(at).isoformat() + "Z"), 200


@bp.post("/reminders/done")
def night_done() -> ResponseReturnValue:
    """Tonight's routine is done on the device: no reminder (nor snooze) tonight."""
    endpoint, night = check_done_body(json_body())
    with get_db().session() as session:
        reminder = mark_done(session, endpoint, night, datetime.now(UTC))
        body = {"night": night, "nextDueAt": reminder.to_json()["nextDueAt"]}
    return jsonify(body), 200


def send_gate(app: Flask) -> threading.BoundedSemaphore:
    """How many test sends may run at once in this process (CALMCALF_TEST_SENDS_AT_ONCE)."""
    gate: threading.BoundedSemaphore = app.extensions["calmcalf_test_sends"]
    return gate


@bp.errorhandler(Invalid)
def invalid(error: Invalid) -> ResponseReturnValue:
    return jsonify(error=error.message), error.status, error.headers


def init_app(app: Flask) -> None:
    app.extensions["calmcalf_test_sends"] = threading.BoundedSemaphore(int(app.config["TEST_SENDS_AT_ONCE"]))
    app.register_blueprint(bp)  # the factory gives /api/ its rate limit (app.limits)

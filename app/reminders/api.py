"""The reminders API: public key, subscribe (create or update by endpoint), unsubscribe, test.

Every error is {"error": "<what is wrong, naming the field>"} with a 4xx status.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_babel import get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import get_db
from ..errors import BODY_LIMIT
from .models import Reminder
from .schedule import next_due, to_naive_utc
from .sending import payload, run_coroutine, send_now
from .validation import Invalid, check_endpoint_only, check_reminder
from .vapid import public_key, shared_vapid

bp = Blueprint("reminders", __name__, url_prefix="/api")


def json_body():
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
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("the request body is not valid JSON") from None


@bp.get("/push/public-key")
def get_public_key():
    return jsonify(publicKey=public_key(shared_vapid(current_app)))


@bp.post("/reminders")
def save_reminder():
    """Create a reminder, or update the one with the same endpoint."""
    clean = check_reminder(json_body(), current_app.config["PUSH_SERVICE_HOSTS"], current_app.config["PUSH_ALLOW_HTTP"])
    now = datetime.now(UTC)
    with get_db().session() as session:
        found = session.execute(select(Reminder).where(Reminder.endpoint == clean["endpoint"])).scalar_one_or_none()
        created = found is None
        reminder = found or Reminder(endpoint=clean["endpoint"], created_at=to_naive_utc(now), attempts=0)
        if created:
            session.add(reminder)
        reminder.p256dh, reminder.auth = clean["p256dh"], clean["auth"]
        reminder.local_time, reminder.timezone = clean["time"], clean["timezone"]
        reminder.days = ",".join(clean["days"])
        reminder.lang = str(get_locale() or "en")
        reminder.retry_after = None
        reminder.next_due_at = to_naive_utc(
            next_due(clean["time"], clean["timezone"], clean["days"], now, reminder.done_through)
        )
        reminder.updated_at = to_naive_utc(now)
        session.flush()
        body = reminder.to_json()
    return jsonify(body), 201 if created else 200


@bp.delete("/reminders")
def delete_reminder():
    """Forget a subscription (also fine when it is unknown)."""
    endpoint = check_endpoint_only(json_body())
    with get_db().session() as session:
        reminder = session.execute(select(Reminder).where(Reminder.endpoint == endpoint)).scalar_one_or_none()
        if reminder:
            session.delete(reminder)
    return "", 204


@bp.post("/reminders/test")
def send_test():
    """Send one reminder now to a stored subscription, so people can see what arrives."""
    endpoint = check_endpoint_only(json_body())
    with get_db().session() as session:
        reminder = session.execute(select(Reminder).where(Reminder.endpoint == endpoint)).scalar_one_or_none()
        if reminder is None:
            raise Invalid("endpoint: no reminder is stored for this subscription", 404)
        subscription = {"endpoint": reminder.endpoint, "keys": {"p256dh": reminder.p256dh, "auth": reminder.auth}}
        lang = reminder.lang
    # The app itself, not the proxy: the send may run on another thread (where a loop already runs).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    outcome = run_coroutine(send_now(app, subscription, payload(lang), ttl=600))
    if outcome.kind != "sent":
        raise Invalid(f"endpoint: the push service did not take the message ({outcome.status or outcome.detail})", 502)
    return jsonify(result="sent"), 202


@bp.errorhandler(Invalid)
def invalid(error: Invalid):
    return jsonify(error=error.message), error.status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        headers_enabled=True,
    )
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)

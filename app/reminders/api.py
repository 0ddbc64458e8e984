"""The reminders JSON API: public key, subscribe (create or update by endpoint), unsubscribe, test,
snooze ("Later") and tonight is done. The work is the service's (service.py); this module reads
JSON, checks it against the schema (schema.py) and answers.

Every error is {"error": "<what is wrong, naming the field>"} with a 4xx status.
"""

from __future__ import annotations

import json
from typing import TypeVar

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import get_db
from ..errors import BODY_LIMIT
from . import service
from .schedule import to_naive_utc
from .schema import NightDone, Proof, ReminderRequest, problem
from .validation import Invalid, check_depth
from .vapid import public_key, shared_vapid

bp = Blueprint("reminders", __name__, url_prefix="/api")

Checked = TypeVar("Checked", bound=BaseModel)


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


def checked(model: type[Checked], data: object) -> Checked:
    """`data` checked against `model`, or Invalid naming the first field that is wrong."""
    try:
        return model.model_validate(data, context=service.schema_context(current_app))
    except ValidationError as error:
        raise Invalid(problem(error)) from None


@bp.get("/push/public-key")
def get_public_key() -> Response:
    return jsonify(publicKey=public_key(shared_vapid(current_app)))


@bp.post("/reminders")
def save_reminder() -> ResponseReturnValue:
    """Create a reminder, or change this subscription's (one atomic upsert)."""
    request_ = checked(ReminderRequest, json_body())
    created, reminder = service.save(get_db(), request_, str(get_locale() or "en"))
    return jsonify(reminder.to_json()), 201 if created else 200


@bp.delete("/reminders")
def delete_reminder() -> ResponseReturnValue:
    """Forget a subscription (also 204 when it is unknown, or the secret is not its own)."""
    service.forget(get_db(), checked(Proof, json_body()))
    return "", 204


@bp.post("/reminders/test")
def send_test() -> ResponseReturnValue:
    """Send one reminder now to a stored subscription, so people can see what arrives."""
    service.test_send(current_app, get_db(), checked(Proof, json_body()))
    return jsonify(result="sent"), 202


@bp.post("/reminders/snooze")
def snooze_reminder() -> ResponseReturnValue:
    """ "Later" on a reminder: one more, 30 minutes from now; at most once an evening (else 409)."""
    at = service.put_off(get_db(), checked(Proof, json_body()))
    return jsonify(snoozedUntil=to_naive_utc(at).isoformat() + "Z"), 200


@bp.post("/reminders/done")
def night_done() -> ResponseReturnValue:
    """Tonight's routine is done on the device: no reminder (nor snooze) tonight."""
    done = checked(NightDone, json_body())
    reminder = service.night_done(get_db(), done)
    return jsonify(night=done.night, nextDueAt=reminder.to_json()["nextDueAt"]), 200


@bp.errorhandler(Invalid)
def invalid(error: Invalid) -> ResponseReturnValue:
    return jsonify(error=error.message), error.status, error.headers


def init_app(app: Flask) -> None:
    service.init_app(app)
    app.register_blueprint(bp)  # the factory gives /api/ its rate limit (app.limits)

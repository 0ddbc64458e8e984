"""The reminders service: what the JSON API (api.py) and the Reminders page's htmx routes
(pages.py) both do, written once. Each takes checked input (schema.py) and answers with the
stored reminder or raises Invalid with a status and a message naming the field.

Possession, not knowledge: every request about a stored reminder carries the subscription's
auth secret (`Proof`), compared in constant time. An unknown endpoint and a wrong secret get
the same answer, so the endpoint alone tells nothing and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime

from flask import Flask
from limits import parse
from sqlalchemy import select

from ..db import Database
from .answers import Outcome
from .message import encode, payload
from .models import Reminder
from .schema import NightDone, Proof, ReminderRequest
from .sending import Job, sender_for
from .store import upsert
from .tonight import mark_done, snooze
from .validation import Invalid
from .vapid import vapid_headers

NOT_FOUND = "endpoint: no reminder is stored for this subscription (or auth is not its secret)"


class NotSetUp(Invalid):
    """This server's own settings stop the send (its VAPID subject): 503, and no retry will help."""


def schema_context(app: Flask) -> dict:
    """What the schema's checks need from the configuration: the allowed push services."""
    return {"hosts": app.config["PUSH_SERVICE_HOSTS"], "allow_http": app.config["PUSH_ALLOW_HTTP"]}


def owned(db: Database, proof: Proof, *, lock: bool = False) -> Reminder | None:
    """The stored reminder of this subscription, if the proof holds its auth secret."""
    with db.session() as session:
        return _owned(session, proof, lock=lock)


def _owned(session, proof: Proof, *, lock: bool) -> Reminder | None:  # type: ignore[no-untyped-def]
    query = select(Reminder).where(Reminder.endpoint == proof.endpoint)
    reminder = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    # Compared even when nothing is stored, so the time taken does not tell the two apart.
    stored = reminder.auth if reminder is not None else "-" * len(proof.auth)
    matches = hmac.compare_digest(stored.encode(), proof.auth.encode())
    return reminder if matches and reminder is not None else None


def _held(session, proof: Proof) -> Reminder:  # type: ignore[no-untyped-def]
    """The stored reminder of this subscription, locked for a change; else Invalid (404)."""
    reminder = _owned(session, proof, lock=True)
    if reminder is None:
        raise Invalid(NOT_FOUND, 404)
    return reminder


def save(db: Database, request: ReminderRequest, lang: str) -> tuple[bool, Reminder]:
    """Create a reminder, or change this subscription's (its secret, or the old one to swap keys)."""
    return upsert(db, request, lang, datetime.now(UTC))


def forget(db: Database, proof: Proof) -> None:
    """Delete this subscription's reminder; an unknown one, or a wrong secret, changes nothing."""
    with db.session() as session:
        reminder = _owned(session, proof, lock=True)
        if reminder is not None:
            session.delete(reminder)


def put_off(db: Database, proof: Proof) -> datetime:
    """ "Later": tonight's reminder once more, in 30 minutes (aware UTC)."""
    with db.session() as session:
        return snooze(_held(session, proof), datetime.now(UTC))


def night_done(db: Database, request: NightDone) -> Reminder:
    """Tonight's routine is done on the phone: nothing more tonight."""
    with db.session() as session:
        return mark_done(_held(session, request), request.night, datetime.now(UTC))


def test_send(app: Flask, db: Database, proof: Proof) -> None:
    """Send a test reminder to this stored subscription now, or raise Invalid saying why not."""
    reminder = owned(db, proof)
    if reminder is None:
        raise Invalid(NOT_FOUND, 404)
    within_hourly_limit(app, proof.endpoint)
    subscription = {"endpoint": reminder.endpoint, "keys": {"p256dh": reminder.p256dh, "auth": reminder.auth}}
    # A push service that never answers must not hold the web threads: a short timeout, and
    # only a few test sends at once; beyond that, a 503 at once.
    gate: threading.BoundedSemaphore = app.extensions["calmcalf_test_sends"]
    if not gate.acquire(blocking=False):
        message = "endpoint: too many test reminders are being sent right now; try again in a minute"
        raise Invalid(message, 503, {"Retry-After": "30"})
    try:
        timeout = float(app.config["TEST_SEND_TIMEOUT_SECONDS"])
        outcome = send_now(app, subscription, payload(reminder.lang, reminder.quiet), ttl=600, timeout_s=timeout)
    finally:
        gate.release()
    if outcome.kind == "retry" and outcome.status is None:
        raise Invalid("endpoint: the push service did not answer in time; try again later", 502)
    if outcome.kind == "misconfigured":
        raise NotSetUp(f"endpoint: this server cannot send to this push service: {outcome.detail}", 503)
    if outcome.kind != "sent":
        raise Invalid(f"endpoint: the push service did not take the message ({outcome.detail})", 502)


def within_hourly_limit(app: Flask, endpoint: str) -> None:
    """A few test sends an hour per subscription (CALMCALF_TEST_SEND_LIMIT), counted only for its owner.

    Kept where the API's rate limit is kept (memory, or the shared Redis), so every server counts
    together; if that storage cannot answer, the send goes ahead as the API's own limit does.
    """
    limit = parse(str(app.config["TEST_SEND_LIMIT"]))
    key = hashlib.sha256(endpoint.encode()).hexdigest()[:32]
    try:
        allowed = app.extensions["calmcalf_limiter"].limiter.hit(limit, "test-send", key)
    except Exception:  # a storage that is down must not stop the person's test
        app.logger.warning("test-send limit storage unavailable; sending without counting")
        return
    if not allowed:
        message = f"endpoint: at most {limit.amount} test reminders per {limit.GRANULARITY.name} for a subscription"
        raise Invalid(message, 429, {"Retry-After": "600"})


def init_app(app: Flask) -> None:
    app.extensions["calmcalf_test_sends"] = threading.BoundedSemaphore(int(app.config["TEST_SENDS_AT_ONCE"]))


def send_now(app: Flask, subscription: dict, message: dict, ttl: int, timeout_s: float) -> Outcome:
    """Send one message at once (the "Send a test reminder" button), giving up after timeout_s."""
    with sender_for(app, vapid_headers(app), in_flight=1, timeout_ms=int(timeout_s * 1000)) as sender:
        return sender.send(Job(subscription, encode(message).encode(), ttl))

"""Evening reminders by web push: API, validation, scheduling, dispatching, sending, VAPID."""

from __future__ import annotations

from flask import Flask

from . import api, openapi, vapid


def init_app(app: Flask) -> None:
    """The VAPID key check and the reminders API."""
    vapid.init_app(app)
    api.init_app(app)
    openapi.init_app(app)

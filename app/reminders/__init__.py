"""Evening reminders by web push: API, validation, scheduling, dispatching, sending, VAPID."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The VAPID key check, the reminders API and the Reminders page's htmx requests."""
    from . import api, openapi, pages, vapid

    vapid.init_app(app)
    api.init_app(app)
    openapi.init_app(app)
    pages.init_app(app)


def init_dispatcher(app: Flask) -> None:
    """What a process that only sends needs: the VAPID key check (no HTTP API)."""
    from . import vapid

    vapid.init_app(app)

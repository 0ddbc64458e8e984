"""Calm Calf: a Flask server for an offline-first calf-cramp relief app.

Two halves share the database and this factory: `web` (the pages, PWA files,
headers, language and content the phone runs) and `reminders` (the push API,
scheduling, dispatching and sending). The web side never imports the reminders side.
"""

from __future__ import annotations

import os
from typing import Any

# pytz (which Babel asks for the machine's time zone) otherwise opens each of its ~600 zone files to
# check they exist, at every start: a tenth of a second, for a list it documents as safe to trust.
os.environ.setdefault("PYTZ_SKIPEXISTSCHECK", "1")

from flask import Flask

from .config import ROOT, defaults


def create_app(test_config: dict[str, Any] | None = None, *, http: bool = True) -> Flask:
    """Build the app: config from CALMCALF_* environment variables or test_config.

    `http=False` builds only what a dispatcher process needs (database, language,
    VAPID key), without pages or API, so `calmcalf dispatch` starts quickly.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # web.assets serves static/ at versioned URLs
        instance_relative_config=True,
    )
    app.static_folder = str(ROOT / "static")
    app.config.from_mapping(defaults())
    if test_config is None:
        app.config.from_prefixed_env("CALMCALF")
    else:
        app.config.update(test_config)

    from . import db, reminders

    db.init_app(app)
    if not http:
        from .web import i18n

        i18n.init_app(app)  # the push message is in each person's language
        reminders.init_dispatcher(app)
        return app
    from . import errors, health, limits, web

    errors.init_app(app)
    health.init_app(app)
    web.init_app(app)
    reminders.init_app(app)
    limits.init_app(app)  # after the blueprints: it gives /api/ one budget per client
    return app

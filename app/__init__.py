"""Calm Calf: a Flask server for an offline-first calf-cramp relief app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .validation import DEFAULT_PUSH_SERVICE_HOSTS

# The design keeps templates/, static/ and service_worker.js at the top level,
# beside this package, so Flask is given their absolute paths.
ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config from CALMCALF_* environment variables or test_config."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.from_mapping(
        # Empty means "compute a hash of the app's files" (see pwa.asset_version).
        ASSET_VERSION="",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        DATABASE_URL="",  # empty: SQLite in the instance folder
        VAPID_PRIVATE_KEY="",  # empty: generated once and kept in the database
        VAPID_SUBJECT="",  # empty: mailto:webpush@localhost (set a real one in production)
        PUSH_SERVICE_HOSTS=list(DEFAULT_PUSH_SERVICE_HOSTS),
        PUSH_ALLOW_HTTP=False,  # only for local tests against a fake push service
        API_RATE_LIMIT="60 per minute",
        DISPATCH_INTERVAL_SECONDS=30,
    )
    if test_config is None:
        app.config.from_prefixed_env("CALMCALF")
    else:
        app.config.update(test_config)

    from . import db, i18n, pages, pwa, reminders, security, vapid

    i18n.init_app(app)
    security.init_app(app)
    db.init_app(app)
    vapid.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pwa.bp)
    reminders.init_app(app)
    return app

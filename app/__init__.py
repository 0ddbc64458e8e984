"""Calm Calf: a Flask server for an offline-first calf-cramp relief app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

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
        JSON_SORT_KEYS=False,
    )
    if test_config is None:
        app.config.from_prefixed_env("CALMCALF")
    else:
        app.config.update(test_config)

    from . import i18n, pages, pwa, security

    i18n.init_app(app)
    security.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pwa.bp)
    return app

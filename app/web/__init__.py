"""The web app the phone runs: pages, PWA files, security headers, language, content."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Language, plural forms, headers, page caching, versioned static files, and the page and PWA blueprints."""
    from . import assets, caching, i18n, pages, plurals, pwa, security, versions

    versions.init_app(app, pwa.offline_bytes)  # the app's version: a hash of what phones keep offline
    i18n.init_app(app)
    plurals.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    assets.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pwa.bp)

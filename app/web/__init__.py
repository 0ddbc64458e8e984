"""The web app the phone runs: pages, PWA files, security headers, language, content."""

from __future__ import annotations

from flask import Flask

from . import i18n, pages, plurals, pwa, security


def init_app(app: Flask) -> None:
    """Language, headers and the page and PWA blueprints."""
    i18n.init_app(app)
    plurals.init_app(app)
    security.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pwa.bp)

"""Language selection: every user-facing string goes through Flask-Babel."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

DEFAULT_LOCALE = "en"


def available_locales(app: Flask) -> list[str]:
    """English plus every language that has a compiled catalogue."""
    found = {DEFAULT_LOCALE}
    for folder in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        for mo in Path(folder).glob("*/LC_MESSAGES/messages.mo"):
            found.add(mo.parent.parent.name)
    return sorted(found)


def init_app(app: Flask) -> None:
    """Pick the best language from Accept-Language among the ones we ship."""
    locales = available_locales(app)

    def select_locale() -> str:
        return request.accept_languages.best_match(locales) or DEFAULT_LOCALE

    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or DEFAULT_LOCALE)

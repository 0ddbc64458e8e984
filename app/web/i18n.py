"""Language selection: every user-facing string goes through Flask-Babel.

A page's language comes from, in this order:
1. `?lang=xx` in the URL (the language links, the manifest link, the service
   worker's precache). It is part of the URL, so caches key on it by themselves.
2. the `calmcalf_lang` cookie: the person's choice, remembered on the device
   (set by the page's script, also offline, or by the server for a `?lang=` page).
3. `Accept-Language`: the browser's languages, on a first visit.
The last two are request headers, so every response whose text depends on them
names them in `Vary` (see `vary_headers`, also used by the page cache).
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, Response, request
from flask_babel import Babel, get_locale

DEFAULT_LOCALE = "en"
LOCALE_ARG = "lang"
LOCALE_COOKIE = "calmcalf_lang"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
# Responses of these types are in the chosen language.
TRANSLATED_TYPES = ("text/html", "application/manifest+json")


def available_locales(app: Flask) -> list[str]:
    """English plus every language that has a compiled catalogue."""
    return shipped_locales(app.config["BABEL_TRANSLATION_DIRECTORIES"])


def shipped_locales(directories: str) -> list[str]:
    """English plus every language with a compiled catalogue in these folders (";" between them)."""
    found = {DEFAULT_LOCALE}
    for folder in directories.split(";"):
        for mo in Path(folder).glob("*/LC_MESSAGES/messages.mo"):
            found.add(mo.parent.parent.name)
    return sorted(found)


def vary_headers() -> tuple[str, ...]:
    """The request headers that select the language: what a cache must key a page on."""
    return ("Accept-Language", "Cookie")


def chosen_locale(locales: list[str]) -> str | None:
    """The language asked for in the URL or remembered in the cookie, if we ship it."""
    for value in (request.args.get(LOCALE_ARG), request.cookies.get(LOCALE_COOKIE)):
        if value in locales:
            return value
    return None


def language_names(locales: list[str]) -> list[tuple[str, str]]:
    """Each language in its own words ("Español", "Русский"), for the language links."""
    return [(code, (Locale.parse(code).get_display_name(code) or code).capitalize()) for code in locales]


def init_app(app: Flask) -> None:
    """Pick the language, tell caches what it depends on, and remember a `?lang=` choice."""
    locales = available_locales(app)
    app.config["LOCALES"] = locales

    def select_locale() -> str:
        return chosen_locale(locales) or request.accept_languages.best_match(locales) or DEFAULT_LOCALE

    def vary_and_remember(response: Response) -> Response:
        if response.mimetype in TRANSLATED_TYPES:
            response.vary.update(vary_headers())
        asked = request.args.get(LOCALE_ARG)
        # Only a page the person opened remembers the choice, not the worker's precache.
        if asked in locales and request.headers.get("Sec-Fetch-Dest", "document") == "document":
            response.set_cookie(LOCALE_COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax")
        return response

    Babel(app, locale_selector=select_locale)
    app.after_request(vary_and_remember)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or DEFAULT_LOCALE)
    app.jinja_env.globals["languages"] = lambda: language_names(locales)

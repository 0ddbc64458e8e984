"""What makes the app installable and offline: manifest, service worker, precache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..config import ROOT
from .i18n import DEFAULT_LOCALE
from .pages import OFFLINE_PAGES
from .versions import PRECOMPRESSED, asset_version

bp = Blueprint("pwa", __name__)

# Night palette: the launch splash and browser chrome are as dark as the page.
BACKGROUND = "#140909"


def precache_urls() -> list[str]:
    """Every script, style, icon and illustration the app needs offline (the same in every language)."""
    static = Path(str(current_app.static_folder))
    files = sorted(
        url_for("static", filename=p.relative_to(static).as_posix())
        for p in static.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.suffix not in PRECOMPRESSED
    )
    return files


def precache_pages() -> list[str]:
    """Every page and the manifest: the worker caches each in every language (PATH?lang=xx)."""
    return [*OFFLINE_PAGES, "/manifest.webmanifest"]


def precache_list() -> dict:
    """What the worker caches and in which languages (its version aside)."""
    return {
        "urls": precache_urls(),
        "pages": precache_pages(),
        "languages": current_app.config["LOCALES"],
        "defaultLanguage": DEFAULT_LOCALE,
    }


def rendered(app: Flask, path: str, lang: str) -> bytes:
    """A page's bytes as the worker's precache gets them (PATH?lang=xx), from its view, not the page cache."""
    # A context of its own: Flask-Babel keeps the chosen language on `g` for the whole request.
    with app.app_context(), app.test_request_context(path, query_string={"lang": lang}):
        return app.make_response(app.dispatch_request()).get_data()


def offline_bytes(app: Flask) -> Iterator[bytes]:
    """What phones keep offline: the worker, its precache list, and every page in every language."""
    yield (ROOT / "service_worker.js").read_bytes()
    with app.app_context(), app.test_request_context():
        yield json.dumps(precache_list(), sort_keys=True).encode()  # static URLs carry static/'s hash
    for lang in app.config["LOCALES"]:
        for path in precache_pages():
            yield f"{path}?lang={lang}".encode()
            yield rendered(app, path, lang)


def _no_cache(response: Response) -> Response:
    """The browser must ask the server each time, so updates are seen."""
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: name, icons, dark colours and the Cramp now shortcut."""
    icons = url_for("static", filename="icons/")
    body = {
        "id": "/",
        "name": "Calm Calf",
        "short_name": "Calm Calf",
        "description": _("Guided relief for night-time calf cramps, even offline."),
        "lang": str(get_locale()).replace("_", "-"),
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND,
        "theme_color": BACKGROUND,
        "icons": [
            {"src": f"{icons}icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": f"{icons}icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": f"{icons}maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
        "shortcuts": [
            {
                "name": _("Cramp now"),
                "short_name": _("Cramp now"),
                "description": _("Start the relief timer"),
                "url": "/relief",
                "icons": [{"src": f"{icons}shortcut-96.png", "sizes": "96x96", "type": "image/png"}],
            }
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    return _no_cache(response)


@bp.get("/service_worker.js")
def service_worker() -> Response:
    """The worker, from the root so its scope covers every page."""
    # Bytes, not a file response, so it is kept, compressed and tagged like the pages.
    script = (ROOT / "service_worker.js").read_bytes()
    return _no_cache(Response(script, mimetype="text/javascript"))


@bp.get("/sw-precache.js")
def sw_precache() -> Response:
    """The version and precache list, imported by the worker.

    The browser compares imported scripts byte for byte when it checks for an
    update, so a new version here installs a new worker.
    """
    data = {"version": asset_version(), **precache_list()}
    script = f"self.CALMCALF_PRECACHE = {json.dumps(data)};\n"
    return _no_cache(Response(script, mimetype="text/javascript"))

"""Static files at versioned URLs: /static/<hash of static/>/js/main.js, cached for a year.

The version is a hash of the static folder, so a URL's bytes never change and
browsers (and nginx, which serves the same folder in production) may keep them
"immutable". ES modules import each other by relative URL, so a whole version
loads together. Unversioned /static/<file> still answers, but must be revalidated.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, current_app
from werkzeug.routing import BaseConverter
from werkzeug.security import safe_join

from .caching import BoundedCache, Representation, represent, respond
from .versions import static_version

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MIME = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
}


class VersionConverter(BaseConverter):
    """A static version: 12 hex digits (no folder in static/ looks like that)."""

    regex = "[0-9a-f]{12}"


def _file(filename: str) -> Representation:
    """The file's bytes and encodings, read once per change of the file."""
    path = safe_join(str(current_app.static_folder), filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    cache: BoundedCache = current_app.extensions["calmcalf_static"]
    rep = cache.get(key)
    if rep is None:
        content_type = MIME.get(os.path.splitext(path)[1], "application/octet-stream")
        with open(path, "rb") as file:
            rep = represent(file.read(), content_type)
        cache.put(key, rep)
    return rep


def versioned_file(version: str, filename: str) -> Response:
    """A file of this version: immutable (an old version's URL gets today's file, revalidated)."""
    rep = _file(filename)
    return respond(rep, IMMUTABLE if version == static_version() else REVALIDATE)


def unversioned_file(filename: str) -> Response:
    """/static/<file> without a version: always revalidated."""
    return respond(_file(filename), REVALIDATE)


def add_version(endpoint: str, values: dict) -> None:
    """url_for('static', filename=...) fills in the current version."""
    if endpoint == "static":
        values.setdefault("version", static_version())


def init_app(app: Flask) -> None:
    """Serve static/ at versioned URLs (the factory leaves Flask's own static route out)."""
    app.url_map.converters["assetversion"] = VersionConverter
    app.extensions["calmcalf_static"] = BoundedCache(1024)
    app.add_url_rule("/static/<assetversion:version>/<path:filename>", endpoint="static", view_func=versioned_file)
    app.add_url_rule("/static/<path:filename>", endpoint="static_unversioned", view_func=unversioned_file)
    app.url_defaults(add_version)

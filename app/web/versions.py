"""Versions: short hashes, so a change is a new version exactly when what they name changes.

Two versions: the app's, and static/'s (the segment of every static URL, so a URL's
bytes never change).

The app's version names what phones keep offline: every precached page in every
language and the manifest, as the server renders them, the worker script and its
precache list (whose static URLs carry static/'s version, so every static file is in
it too). It changes when any of those bytes change, whatever changed them (a template,
a translation, a content module such as an emergency number, the Python that renders
them), and not for an edit phones never see. A new version installs a new worker: it
is what the worker's /sw-precache.js carries. Rendered the same in a git checkout and a
wheel install (where the files live under app/_files/), it is the same there too, and
on every server of one release. It is computed once per process, when first asked for
(by the worker's first fetch of /sw-precache.js), not at start-up; the page cache keys
on the configured version only (see configured_version).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

# Compressed copies for nginx (deploy/precompress.sh): not part of the app's files.
PRECOMPRESSED = (".gz", ".br")


@lru_cache(maxsize=16)
def hash_files(root: Path, names: tuple[str, ...]) -> str:
    """A short hash of every file under these names, so any change is a new version."""
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix not in PRECOMPRESSED:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def hash_parts(parts: Iterable[bytes]) -> str:
    """A short hash of a sequence of byte strings (each length-prefixed, so no two sequences collide)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:12]


class OfflineVersion:
    """The app's version, computed once per process from what `offline_bytes` yields."""

    def __init__(self, offline_bytes: Callable[[Flask], Iterable[bytes]]):
        self.offline_bytes = offline_bytes
        self.value: str | None = None
        self.lock = threading.Lock()

    def get(self, app: Flask) -> str:
        if self.value is None:
            with self.lock:  # the first requests at once render the pages once
                if self.value is None:
                    self.value = hash_parts(self.offline_bytes(app))
        return self.value


def init_app(app: Flask, offline_bytes: Callable[[Flask], Iterable[bytes]]) -> None:
    """Register what the app's version is made from (the pwa module knows what phones keep)."""
    app.extensions["calmcalf_version"] = OfflineVersion(offline_bytes)


def configured_version() -> str:
    """CALMCALF_ASSET_VERSION, or "": what the page cache keys on besides the page and language.

    A running process's files do not change, so a page rendered once stays right until the
    configured version changes (tests change it to play a new release).
    """
    return str(current_app.config["ASSET_VERSION"])


def asset_version() -> str:
    """The configured version (CALMCALF_ASSET_VERSION), or the hash of what phones keep offline."""
    configured = current_app.config["ASSET_VERSION"]
    if configured:
        return str(configured)
    version: OfflineVersion = current_app.extensions["calmcalf_version"]
    return version.get(current_app._get_current_object())  # type: ignore[attr-defined]


def static_version() -> str:
    """The hash of static/: the version segment of every static URL."""
    folder = Path(str(current_app.static_folder))
    return hash_files(folder.parent, (folder.name,))

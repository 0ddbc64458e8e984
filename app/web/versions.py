"""Versions: a short hash of the files, so any change is a new version.

Two versions: the app's (every file the service worker caches or renders from:
a new one installs a new worker, and keys the page cache) and static/'s (the
segment of every static URL, so a URL's bytes never change).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app

from ..config import ROOT

# Compressed copies for nginx (deploy/precompress.sh): not part of the app's files.
PRECOMPRESSED = (".gz", ".br")
# Files whose change means a new app version for the service worker.
VERSIONED = ("app", "static", "templates", "translations", "service_worker.js")


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


def asset_version() -> str:
    """The configured version, or a hash of the app's files."""
    return current_app.config["ASSET_VERSION"] or hash_files(ROOT, VERSIONED)


def static_version() -> str:
    """The hash of static/: the version segment of every static URL."""
    folder = Path(str(current_app.static_folder))
    return hash_files(folder.parent, (folder.name,))

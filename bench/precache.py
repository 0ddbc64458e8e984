"""What the worker's precache costs, per language: the bytes of every page and the manifest
in each language, next to the static files every language shares.

    .venv/bin/python bench/precache.py

Prints, uncompressed and gzip-compressed (as nginx would send them, level 6):
the shared static files; the pages of each language; and the two choices: precache
only the language in use, or every language (what the worker does).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app


def sizes(client, urls: list[str]) -> tuple[int, int]:
    """Bytes of these URLs as served, and gzip-compressed."""
    raw = packed = 0
    for url in urls:
        response = client.get(url)
        body = response.get_data()
        response.close()
        assert response.status_code == 200, url
        raw += len(body)
        packed += len(gzip.compress(body, compresslevel=6))
    return raw, packed


def kb(pair: tuple[int, int]) -> str:
    return f"{pair[0] / 1024:6.1f} KB ({pair[1] / 1024:5.1f} KB gzip)"


def main() -> None:
    app = create_app({"TESTING": True})
    client = app.test_client()
    script = client.get("/sw-precache.js").get_data(as_text=True)
    data = json.loads(re.fullmatch(r"self\.CALMCALF_PRECACHE = (.*);\n", script).group(1))
    static = sizes(client, data["urls"])
    print(f"static files shared by every language ({len(data['urls'])} files): {kb(static)}")
    pages = {}
    for lang in data["languages"]:
        pages[lang] = sizes(client, [f"{page}?lang={lang}" for page in data["pages"]])
        print(f"pages and manifest in {lang} ({len(data['pages'])} files): {kb(pages[lang])}")
    biggest = max(pages.values())
    one = (static[0] + biggest[0], static[1] + biggest[1])
    every = (static[0] + sum(p[0] for p in pages.values()), static[1] + sum(p[1] for p in pages.values()))
    print(f"precache one language (the largest): {kb(one)}")
    print(f"precache every language: {kb(every)}  (+{(every[0] / one[0] - 1) * 100:.0f}% uncompressed)")


if __name__ == "__main__":
    main()

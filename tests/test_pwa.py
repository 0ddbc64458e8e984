"""Manifest, service worker and precache list: what makes the app installable and offline."""

from __future__ import annotations

import re
import struct

from app.config import ROOT
from app.web.pages import OFFLINE_PAGES


def fetch(client, url: str):
    """GET url and close the response (static files hold an open file)."""
    response = client.get(url)
    response.get_data()  # buffer the body before the file is closed
    response.close()
    return response


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_manifest_is_installable_and_dark(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Calm Calf" and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    for key in ("background_color", "theme_color"):
        red, green, blue = (int(manifest[key][i : i + 2], 16) for i in (1, 3, 5))
        assert max(red, green, blue) < 0x30, f"{key} must be dark to avoid a white flash"


def test_manifest_icons_exist_at_their_stated_sizes(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    purposes = {}
    for icon in manifest["icons"] + manifest["shortcuts"][0]["icons"]:
        response = fetch(client, icon["src"])
        assert response.status_code == 200, icon["src"]
        width, height = png_size(response.data)
        assert f"{width}x{height}" == icon["sizes"]
        purposes.setdefault(icon.get("purpose", "any"), []).append(icon["sizes"])
    assert {"192x192", "512x512"} <= set(purposes["any"])
    assert "512x512" in purposes["maskable"]


def test_manifest_has_a_cramp_now_shortcut_to_the_timer(client):
    shortcuts = client.get("/manifest.webmanifest").get_json(force=True)["shortcuts"]
    assert shortcuts[0]["name"] == "Cramp now"
    assert shortcuts[0]["url"] == "/relief"


def test_service_worker_is_served_from_the_root_uncached(client):
    response = fetch(client, "/service_worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == (ROOT / "service_worker.js").read_bytes()


def precache(client) -> dict:
    script = client.get("/sw-precache.js").get_data(as_text=True)
    import json

    return json.loads(re.fullmatch(r"self\.CALMCALF_PRECACHE = (.*);\n", script).group(1))


def test_precache_holds_every_page_in_every_language_and_every_static_file(client):
    data = precache(client)
    assert set(OFFLINE_PAGES) | {"/manifest.webmanifest"} == set(data["pages"])
    assert data["languages"] == ["en", "es", "ru"] and data["defaultLanguage"] == "en"
    shipped = {p.relative_to(ROOT / "static").as_posix() for p in (ROOT / "static").rglob("*") if p.is_file()}
    assert shipped <= {re.sub(r"^/static/[0-9a-f]{12}/", "", url) for url in data["urls"]}
    for url in data["urls"]:
        assert fetch(client, url).status_code == 200, url
    # The worker caches each page as PATH?lang=xx: each of those answers in its language.
    for lang in data["languages"]:
        for page in data["pages"]:
            response = fetch(client, f"{page}?lang={lang}")
            assert response.status_code == 200, (page, lang)
            assert f'"lang": "{lang}"' in response.get_data(as_text=True) or f'lang="{lang}"' in response.get_data(
                as_text=True
            ), (page, lang)


def test_precache_version_follows_the_app_files(app, client):
    first = precache(client)["version"]
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert precache(client)["version"] == first, "stable between requests"
    app.config["ASSET_VERSION"] = "next-release"
    assert precache(client)["version"] == "next-release"
    assert client.get("/sw-precache.js").headers["Cache-Control"] == "no-cache"


def test_every_server_on_the_same_release_gives_the_same_version(tmp_path):
    """The version is a hash of the pages as rendered, so it must not depend on the database, the
    machine or the order requests come in; servers behind one nginx must agree."""
    from tests.conftest import make_app

    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = make_app(tmp_path / "one").test_client()
    first.get("/doctor?lang=ru")  # a page rendered (and cached) first: it changes nothing
    second = make_app(tmp_path / "two", API_RATE_LIMIT="5 per minute", TRUSTED_PROXIES=1).test_client()
    assert precache(first)["version"] == precache(second)["version"]

"""Pages are rendered once, compressed, tagged and answered with 304s; static files are versioned."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from app.web.pages import OFFLINE_PAGES
from tests.firstload import (
    BROWSER_ENCODINGS,
    BUDGET,
    SERVER_ADDS,
    WIRE_BUDGET,
    first_load_urls,
    header_bytes,
    named_static_urls,
)


def static_urls(client) -> list[str]:
    return named_static_urls(client.get("/").get_data(as_text=True))


def precached_svg(client) -> list[str]:
    """The SVG files the service worker caches (illustrations)."""
    return re.findall(r'"(/static/[^"]+\.svg)"', client.get("/sw-precache.js").get_data(as_text=True))


@pytest.mark.parametrize("path", [*OFFLINE_PAGES, "/manifest.webmanifest", "/sw-precache.js", "/service_worker.js"])
def test_pages_have_a_strong_etag_and_answer_304_to_it(client, path):
    first = client.get(path)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag), "strong, not weak"
    assert first.headers["Cache-Control"] == "no-cache", "browsers revalidate every time"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "Content-Security-Policy" in again.headers
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_pages_vary_on_language_and_encoding(client):
    vary = {v.strip() for v in client.get("/").headers["Vary"].split(",")}
    assert vary == {"Accept-Language", "Cookie", "Accept-Encoding"}


@pytest.mark.parametrize("coding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_are_compressed_for_clients_that_accept_it(client, coding, decode):
    plain = client.get("/").data
    response = client.get("/", headers={"Accept-Encoding": f"{coding}, deflate"})
    assert response.headers["Content-Encoding"] == coding
    assert decode(response.data) == plain
    assert len(response.data) < len(plain) / 3
    # Each encoding is its own representation, with its own strong tag; any of them revalidates.
    assert response.headers["ETag"] == client.get("/").headers["ETag"][:-1] + f'-{coding}"'
    revalidated = client.get("/", headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304


def test_brotli_is_preferred_and_refused_encodings_are_not_used(client):
    assert client.get("/", headers={"Accept-Encoding": "gzip, br"}).headers["Content-Encoding"] == "br"
    assert client.get("/", headers={"Accept-Encoding": "gzip, br;q=0"}).headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "identity"}).headers


def test_a_page_is_rendered_once_per_language_and_version(app, client, monkeypatch):
    from app.web import pages

    renders = []
    original = pages.render_template
    monkeypatch.setattr(pages, "render_template", lambda *a, **k: renders.append(a[0]) or original(*a, **k))
    first = client.get("/doctor").data
    for _ in range(5):
        assert client.get("/doctor").data == first
    assert renders == ["doctor.html"]
    app.config["ASSET_VERSION"] = "next-release"
    client.get("/doctor")
    assert renders == ["doctor.html", "doctor.html"], "a new version renders again"


def test_each_language_has_its_own_cached_page(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from tests.conftest import make_app

    catalog = Catalog(locale="eo")
    catalog.add("When to see a doctor", "Kiam viziti kuraciston")
    (tmp_path / "tr" / "eo" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "tr" / "eo" / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    client = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "tr")).test_client()
    english = client.get("/doctor", headers={"Accept-Language": "en"})
    esperanto = client.get("/doctor", headers={"Accept-Language": "eo"})
    assert "When to see a doctor" in english.get_data(as_text=True)
    assert "Kiam viziti kuraciston" in esperanto.get_data(as_text=True)
    assert english.headers["ETag"] != esperanto.headers["ETag"]
    again = client.get("/doctor", headers={"Accept-Language": "en", "If-None-Match": esperanto.headers["ETag"]})
    assert again.status_code == 200, "another language's tag does not match"
    assert "When to see a doctor" in again.get_data(as_text=True)


def test_head_requests_are_answered_from_the_cache_without_a_body(client):
    client.get("/")
    response = client.head("/")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"] == client.get("/").headers["ETag"]


def test_static_urls_are_versioned_and_immutable(client):
    urls = static_urls(client)
    assert urls and all(re.match(r"/static/[0-9a-f]{12}/", url) for url in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    css = client.get(next(u for u in urls if u.endswith(".css")), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and css.headers["Vary"] == "Accept-Encoding"
    assert css.mimetype == "text/css"


def test_an_old_or_missing_version_is_never_immutable(client):
    old = client.get("/static/000000000000/css/app.css")
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("url", ["/static/css/nope.css", "/static/../app/__init__.py", "/static/%2e%2e/pyproject.toml"])
def test_static_files_outside_the_folder_or_missing_are_404(client, url):
    assert client.get(url).status_code == 404


def test_images_are_not_compressed_again(client):
    png = next(u for u in static_urls(client) if u.endswith(".png"))
    response = client.get(png, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers
    assert response.mimetype == "image/png"


def test_the_service_worker_and_manifest_stay_no_cache(client):
    for path in ("/service_worker.js", "/sw-precache.js", "/manifest.webmanifest"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers["Cache-Control"] == "no-cache", path
        assert response.headers["Content-Encoding"] == "gzip", path


def test_the_worker_precaches_the_same_static_urls_the_pages_use(client):
    precache = client.get("/sw-precache.js").get_data(as_text=True)
    for url in static_urls(client):
        assert f'"{url}"' in precache


def wire(response) -> int:
    """The response's headers as the default server sends them over HTTP/1.1 (waitress adds Server and Date)."""
    return header_bytes(response.status, [*response.headers.items(), *SERVER_ADDS])


def test_a_page_under_a_compressed_30_kb_first_load_and_36_kb_with_its_headers(client):
    """The home page with the styles and scripts it loads, also those it loads after its load
    event, as a browser gets them over HTTPS (brotli): bodies under 30 KB, and under 36 KB with
    every response's headers as HTTP/1.1 sends them. bench/first_load.py measures the real
    thing in Chromium, tests/test_arrangement.py through nginx."""
    page = client.get("/", headers={"Accept-Encoding": BROWSER_ENCODINGS})
    assert page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.data).decode()
    urls = first_load_urls(html, lambda url: client.get(url).get_data(as_text=True))
    names = {url.rsplit("/", 1)[1] for url in urls}
    assert {"main.js", "relief.js", "app.css", "install.js", "updates.js", "language.js", "links.js"} <= names
    bodies, headers = len(page.data), wire(page)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS})
        assert response.status_code == 200, url
        bodies, headers = bodies + len(response.data), headers + wire(response)
    assert bodies < BUDGET, f"{bodies} bytes"
    assert bodies + headers < WIRE_BUDGET, f"{bodies} bytes of bodies and {headers} of headers"


def test_static_files_carry_no_document_only_headers(client):
    """CSP, framing, referrer, opener and permissions act on documents: scripts, styles and images
    get nosniff alone; pages, the service worker and SVG (which can be opened as a document) get all."""
    urls = static_urls(client)
    document_only = ("Content-Security-Policy", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy")
    for url in [u for u in urls if not u.endswith(".svg")] + ["/static/css/app.css"]:
        for response in (client.get(url), client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]})):
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert not [name for name in document_only if name in response.headers], url
    for path in ("/", "/service_worker.js", next(u for u in precached_svg(client))):
        response = client.get(path)
        assert all(name in response.headers for name in document_only), path
        assert "worker-src 'self'" in response.headers["Content-Security-Policy"], path


def test_other_text_answers_are_compressed_on_the_way_out(client):
    plain = client.get("/api/openapi.json")
    response = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain.data
    assert "Accept-Encoding" in response.headers["Vary"]
    small = client.get("/api/push/public-key", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers, "not worth it under 256 bytes"


def test_a_cookie_set_by_a_view_is_sent_but_never_cached(app, client):
    from flask import make_response

    from app.web import pages

    def checklist_with_cookie():
        response = make_response(pages.checklist())
        response.set_cookie("lang", "en")
        return response

    app.view_functions["pages.checklist"] = checklist_with_cookie
    first = client.get("/checklist")
    assert "lang=en" in first.headers["Set-Cookie"]
    again = client.get("/checklist")  # from the cache: the view does not run again
    assert "Set-Cookie" not in again.headers
    assert again.headers["ETag"] == first.headers["ETag"]

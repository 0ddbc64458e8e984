"""deploy/nginx/calmcalf.conf in front of one `calmcalf serve`: what nginx tells the app, and what it caches.

- nginx sets every X-Forwarded-* header the app believes (CALMCALF_TRUSTED_PROXIES=1)
  itself: a client's own X-Forwarded-Port, -Host or -Proto never reaches the app.
- Pages are cached by path and language only: tracking parameters (utm_*, fbclid, ...)
  are answered from the cache; any other query string goes to the app uncached and is
  not stored, so unique query strings cannot fill the cache.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

from tests.arrangement import Nginx, calmcalf, stop, wait_until
from tests.net import free_port
from tests.test_arrangement import nginx_binary  # noqa: F401 (a fixture)


@pytest.fixture
def proxied(tmp_path, nginx_binary):  # noqa: F811 (the fixture imported above)
    """nginx with deploy's configuration over HTTPS, in front of `calmcalf serve` on SQLite; a session for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    env.update(CALMCALF_DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", CALMCALF_TRUSTED_PROXIES="1")
    port = free_port()
    server = calmcalf(["serve", "--port", str(port), "--no-dispatch"], env, tmp_path / "serve.log")
    nginx = None
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=5).ok, 90, "the app")
        nginx = Nginx(free_port(), [port]).start()
        session = requests.Session()
        session.verify = str(nginx.cert)
        session.trust_env = False
        base = f"https://127.0.0.1:{nginx.port}"
        wait_until(lambda: session.get(base + "/", timeout=5).ok, 30, "nginx")
        yield session, base, nginx
    finally:
        stop([server])
        if nginx:
            nginx.stop()


def test_a_clients_forwarded_headers_never_reach_the_app(proxied):
    session, base, _ = proxied
    lies = {"X-Forwarded-Port": "1337", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    response = session.get(base + "/diary//report", headers=lies, allow_redirects=False)
    assert response.status_code in (301, 308), response.status_code
    assert response.headers["Location"] == f"{base}/diary/report"
    assert "1337" not in response.headers["Location"]
    assert session.get(base + "/diary//report", headers=lies).status_code == 200


def cache_status(session, url: str) -> str:
    response = session.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, url
    return response.headers["X-Cache-Status"]


def cached_files(nginx: Nginx) -> int:
    return sum(len(files) for _, _, files in os.walk(nginx.folder / "cache"))


def test_pages_are_cached_by_path_and_language_only(proxied):
    session, base, nginx = proxied
    cache_status(session, base + "/doctor")
    assert cache_status(session, base + "/doctor") == "HIT"
    for tracking in ("utm_source=news&utm_medium=email", "fbclid=IwAR0abc", "gclid=Cj0K&utm_campaign=x"):
        assert cache_status(session, f"{base}/doctor?{tracking}") == "HIT", tracking
    files = cached_files(nginx)
    for _ in range(5):  # not stored, so nothing to evict either
        assert cache_status(session, f"{base}/doctor?v={uuid.uuid4().hex}") == "BYPASS"
    assert cached_files(nginx) == files
    # The language in the URL is part of the key: Spanish is not answered with the English page.
    spanish = session.get(base + "/doctor?lang=es&utm_source=x", headers={"Sec-Fetch-Dest": "empty"})
    assert spanish.headers["X-Cache-Status"] in ("MISS", "EXPIRED") and 'lang="es"' in spanish.text
    again = session.get(base + "/doctor?utm_source=y&lang=es", headers={"Sec-Fetch-Dest": "empty"})
    assert again.headers["X-Cache-Status"] == "HIT" and again.text == spanish.text
    assert 'lang="en"' in session.get(base + "/doctor").text

"""The whole scaled-out arrangement on loopback, as deploy/ describes it.

PostgreSQL, two `calmcalf serve` processes (one on waitress, one with gunicorn's
sync workers, as deploy/ runs them), two `calmcalf dispatch` loops and nginx with
deploy/nginx/calmcalf.conf and a throwaway certificate. Reminders are turned on through nginx over HTTPS, made
due, and each must reach the fake push service exactly once; pages, the worker, the
manifest and static files must come through with the right caching headers.
"""

from __future__ import annotations

import os
import re
import shutil
import time

import brotli
import psycopg
import pytest
import requests

from tests.arrangement import BROTLI_STATIC, NGINX, Nginx, calmcalf, stop, wait_until
from tests.fakepush import FakePushService
from tests.firstload import BROWSER_ENCODINGS, BUDGET, WIRE_BUDGET, first_load_urls, header_bytes
from tests.net import free_port
from tests.test_reminders_api import body

SUBSCRIBERS = 8


@pytest.fixture
def nginx_binary():
    """nginx with Debian's brotli_static module, and brotli for deploy/precompress.sh: a failure under CI."""
    if not os.path.exists(NGINX) and not shutil.which("nginx"):
        message = "nginx is not installed (apt-get install -y nginx; scripts/test does it)"
    elif not BROTLI_STATIC.exists() or not shutil.which("brotli"):
        message = (
            "nginx's brotli_static module or brotli is missing"
            " (apt-get install -y libnginx-mod-http-brotli-static brotli; scripts/test does it)"
        )
    else:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def make_due(database_url: str) -> int:
    """Every reminder due a minute ago (as if its evening time had just passed)."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(
            "UPDATE reminders SET next_due_at = (now() AT TIME ZONE 'utc') - interval '1 minute', done_through = NULL"
        )
        return cursor.rowcount


def test_nginx_app_servers_and_dispatchers_on_postgresql(tmp_path, postgres, nginx_binary):
    database_url = postgres.new_database()
    processes = []
    nginx = None
    with FakePushService() as push:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
        env.update(
            CALMCALF_DATABASE_URL=database_url,
            CALMCALF_PUSH_ALLOW_HTTP="true",
            CALMCALF_PUSH_SERVICE_HOSTS='["127.0.0.1"]',
            CALMCALF_DISPATCH_INTERVAL_SECONDS="1",
            CALMCALF_TRUSTED_PROXIES="1",
            CALMCALF_VAPID_SUBJECT="mailto:test@calmcalf.example",
        )
        ports = [free_port(), free_port()]
        try:
            # Everything starts at once, as systemd would start it: migrations take turns.
            processes.append(calmcalf(["serve", "--port", str(ports[0]), "--no-dispatch"], env, tmp_path / "web1.log"))
            processes.append(
                calmcalf(
                    ["serve", "--port", str(ports[1]), "--no-dispatch", "--workers", "2", "--threads", "1"],
                    env,
                    tmp_path / "web2.log",
                )
            )
            for n in (1, 2):
                processes.append(calmcalf(["dispatch"], env, tmp_path / f"dispatch{n}.log"))
            nginx = Nginx(free_port(), ports).start()
            base = f"https://127.0.0.1:{nginx.port}"
            session = requests.Session()
            session.verify = str(nginx.cert)
            session.trust_env = False  # no proxy or CA bundle from the environment

            def logs() -> str:
                return "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log")) + nginx.log()

            for port in ports:
                wait_until(lambda p=port: requests.get(f"http://127.0.0.1:{p}/", timeout=5).ok, 90, f"app on {port}")
            assert all(p.poll() is None for p in processes), logs()
            # deploy/'s flags (--threads 1): gunicorn's sync workers, one request at a time each.
            assert "Using worker: sync" in (tmp_path / "web2.log").read_text(), logs()
            try:
                wait_until(lambda: session.get(base + "/", timeout=5).ok, 30, "nginx")
            except AssertionError:
                raise AssertionError(f"nginx: {session.get(base + '/', timeout=5)}\n{logs()}") from None

            # Turn reminders on through nginx over HTTPS (both app servers take some).
            subscribers = [push.subscriber() for _ in range(SUBSCRIBERS)]
            for subscriber in subscribers:
                response = session.post(
                    base + "/api/reminders", json={**body(), "subscription": subscriber.subscription()}
                )
                assert response.status_code == 201, response.text
            assert make_due(database_url) == SUBSCRIBERS

            wait_until(lambda: len(push.messages) >= SUBSCRIBERS, 90, "every reminder delivered")
            time.sleep(4)  # several more dispatch rounds: nothing may be sent twice
            assert [len(push.received(s)) for s in subscribers] == [1] * SUBSCRIBERS, logs()
            assert push.rejected == []
            assert all(m.payload["tag"] == "bedtime" for m in push.messages)
            assert all(p.poll() is None for p in processes), logs()

            check_caching_headers(session, base)
            check_limits(session, base)
        finally:
            stop(processes)
            if nginx:
                nginx.stop()


def check_caching_headers(session: requests.Session, base: str) -> None:
    """Pages, worker and manifest revalidate with strong ETags; versioned static files are immutable."""
    page = session.get(base + "/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Cramp now" in page.text
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Cache-Control"] == "no-cache"
    assert {"Accept-Encoding", "Accept-Language"} <= {v.strip() for v in page.headers["Vary"].split(",")}
    etag = page.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{24}-gzip"', etag)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    again = session.get(base + "/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert session.get(base + "/", headers={"Accept-Encoding": "gzip"}).headers["X-Cache-Status"] in ("HIT", "UPDATING")
    for path in ("/service_worker.js", "/sw-precache.js", "/manifest.webmanifest"):
        response = session.get(base + path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert session.get(base + path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    css = re.search(r'href="(/static/[0-9a-f]{12}/css/app\.css)"', page.text).group(1)
    static = session.get(base + css, headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200
    assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert static.headers["Content-Encoding"] == "gzip"
    assert "Last-Modified" in static.headers and "Content-Security-Policy" not in static.headers, "from disk, by nginx"
    assert static.text.startswith(("/*", ":root", "@")) or "{" in static.text
    unversioned = session.get(base + "/static/css/app.css")
    assert unversioned.status_code == 200 and unversioned.headers["Cache-Control"] == "no-cache"
    check_first_load(session, base, static.content)


def sent(session: requests.Session, url: str) -> requests.Response:
    """A GET as Chromium asks over HTTPS; .sent_bytes is the body as it came over the wire, .header_bytes
    its status line and headers as nginx sent them (HTTP/1.1)."""
    response = session.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS}, stream=True)
    response.sent_bytes = response.raw.read(decode_content=False)  # type: ignore[attr-defined]
    status = f"{response.status_code} {response.reason}"
    response.header_bytes = header_bytes(status, response.raw.headers.items())  # type: ignore[attr-defined]
    return response


def check_first_load(session: requests.Session, base: str, css: bytes) -> None:
    """Static files come from nginx's .br files (deploy/precompress.sh); the whole first
    load of / through nginx, as a browser asks for it, stays under 30 KB, and under 36 KB
    with every response's headers (as HTTP/1.1 sends them; HTTP/2 compresses them)."""
    page = sent(session, base + "/")
    assert page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.sent_bytes).decode()
    urls = first_load_urls(html, lambda url: session.get(base + url).text)
    total, headers = len(page.sent_bytes), page.header_bytes
    for url in urls:
        response = sent(session, base + url)
        assert response.status_code == 200, url
        assert response.headers["Content-Encoding"] == "br", url
        assert "Accept-Encoding" in response.headers.get("Vary", ""), url
        total, headers = total + len(response.sent_bytes), headers + response.header_bytes
        if url.endswith("/css/app.css"):
            assert brotli.decompress(response.sent_bytes) == css
    assert total < BUDGET, f"first load through nginx: {total} bytes in {len(urls) + 1} requests"
    assert total + headers < WIRE_BUDGET, f"first load through nginx: {total} bytes and {headers} bytes of headers"


def check_limits(session: requests.Session, base: str) -> None:
    """nginx refuses a large body itself; the API's own 4 KB limit answers in JSON."""
    huge = session.post(base + "/api/reminders", data=b"x" * 40000, headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    large = session.post(base + "/api/reminders", json={"pad": "x" * 6000})
    assert large.status_code == 413 and "4096" in large.json()["error"]

"""One API budget per real client, behind a trusted proxy, shared by every server process (Redis)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import make_app
from tests.net import free_port
from tests.redisserver import RedisServer, redis_binary
from tests.test_server import env_for, wait_for


@pytest.fixture(scope="module")
def redis_server():
    """A Redis server of our own on 127.0.0.1 (scripts/test installs Debian's redis-server)."""
    binary = redis_binary()
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server; scripts/test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(binary).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    return redis_server.url


def call(port: int, method: str, path: str, client_ip: str, proto: str = "http") -> http.client.HTTPResponse:
    """A request as the proxy in front would pass it on."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": proto, "Content-Type": "application/json"}
    forget = '{"endpoint": "https://fcm.googleapis.com/fcm/send/x", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}'
    body = forget if method == "DELETE" else None
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.slow
def test_two_servers_behind_a_proxy_share_one_budget_per_client(tmp_path, redis_url):
    env = env_for(
        f"sqlite:///{tmp_path / 'shared.db'}",
        TRUSTED_PROXIES="1",
        RATELIMIT_STORAGE_URI=redis_url,
        API_RATE_LIMIT="6 per minute",
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-dispatch"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_for(port, server)
        alice, bob = "203.0.113.5", "198.51.100.7"
        # Alice alternates servers and API routes: six calls in all are her budget.
        calls = [("GET", "/api/push/public-key"), ("DELETE", "/api/reminders")] * 3
        statuses = [call(ports[i % 2], m, p, alice).status for i, (m, p) in enumerate(calls)]
        assert statuses == [200, 204] * 3
        assert call(ports[0], "GET", "/api/push/public-key", alice).status == 429
        assert call(ports[1], "DELETE", "/api/reminders", alice).status == 429
        # Bob, behind the same proxy (same socket address), has his own budget.
        assert call(ports[1], "GET", "/api/push/public-key", bob).status == 200
        assert call(ports[0], "GET", "/api/push/public-key", bob).status == 200
        # Pages are not counted; HTTPS as the proxy reports it brings HSTS.
        page = call(ports[0], "GET", "/", alice, proto="https")
        assert page.status == 200 and page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "Strict-Transport-Security" not in call(ports[0], "GET", "/", alice).headers
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path):
    """Anyone can write X-Forwarded-For: with no proxy configured, it must not buy a new budget."""
    client = make_app(tmp_path, API_RATE_LIMIT="3 per minute").test_client()
    statuses = [
        client.get("/api/push/public-key", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    page = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in page.headers


def test_https_directly_brings_hsts(client):
    assert client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("value", [-1, "two", True])
def test_a_bad_trusted_proxies_value_stops_the_app(tmp_path, value):
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="CALMCALF_TRUSTED_PROXIES"):
        make_app(tmp_path, TRUSTED_PROXIES=value)


@pytest.mark.slow
@pytest.mark.alone  # times each request
def test_a_frozen_redis_costs_a_request_at_most_a_short_timeout(tmp_path, redis_server):
    """A Redis that stops answering (SIGSTOP) but still accepts connections: the budget moves to memory quickly.

    With 1 s timeouts the first call took 2 s and every health check after it 1 s; now each is one
    0.1 s wait (limits.STORAGE_TIMEOUT_S). The bound here, half a second, leaves room for a busy machine.
    """
    from app.limits import STORAGE_TIMEOUT_S

    redis_process = redis_server.process
    client = make_app(tmp_path, RATELIMIT_STORAGE_URI=redis_server.url, API_RATE_LIMIT="1000 per minute").test_client()
    assert client.get("/api/push/public-key").status_code == 200  # connected and counting in Redis
    redis_process.send_signal(signal.SIGSTOP)
    costs = []
    try:
        deadline = time.monotonic() + 4  # the first hit, then health checks 1 and 3 s after it
        while time.monotonic() < deadline:
            started = time.monotonic()
            assert client.get("/api/push/public-key").status_code == 200
            costs.append(time.monotonic() - started)
            time.sleep(0.05)
    finally:
        redis_process.send_signal(signal.SIGCONT)
    waits = [cost for cost in costs if cost >= STORAGE_TIMEOUT_S]
    assert len(waits) >= 2, f"the frozen Redis was never waited for: {costs}"  # the test would see a 2 s wait
    assert max(costs) < 0.5, f"a request waited {max(costs):.2f} s for a frozen Redis"

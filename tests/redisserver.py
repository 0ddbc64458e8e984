"""A throwaway Redis server on 127.0.0.1 (Debian's redis-server), for the shared rate-limit storage.

Used by tests/test_rate_limit.py and bench/load.py (the scaled-out arrangement keeps its
rate limits in Redis, as deploy/calmcalf.env does).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time

from tests.net import free_port


class RedisServer:
    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="calmcalf-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        deadline = time.monotonic() + 30
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    assert self.process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                    time.sleep(0.1)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=20)
        shutil.rmtree(self.folder, ignore_errors=True)


def redis_binary() -> str | None:
    return shutil.which("redis-server")

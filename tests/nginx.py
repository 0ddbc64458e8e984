"""Debian's nginx as a real HTTPS (and HTTP/2) server on 127.0.0.1, for tests.

`Nginx(upstream_port).start()` runs nginx in the foreground as a child process with
its own prefix folder and a throwaway self-signed certificate for 127.0.0.1. Under CI
a missing nginx is a failure (scripts/test installs it), never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.arrangement import NGINX
from tests.net import free_port, make_certificate


class Nginx:
    """nginx terminating TLS (HTTP/2 and HTTP/1.1) in front of a local HTTP server."""

    def __init__(self, upstream_port: int):
        if not os.path.exists(NGINX):
            if os.environ.get("CI"):
                raise RuntimeError("nginx is missing: scripts/test installs it")
            pytest.skip("nginx is not installed (bash scripts/test installs it)")
        self.folder = Path(tempfile.mkdtemp(prefix="calmcalf-nginx-"))
        self.cert, self.key = make_certificate(self.folder)
        self.port = free_port()
        self.origin = f"https://127.0.0.1:{self.port}"
        self.access_log = self.folder / "access.log"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.folder / sub).mkdir()
        user = "user root;" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            f"""
{user}
daemon off;
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format proto '$server_protocol $status $connection';
    access_log {self.access_log} proto;
    client_body_temp_path {self.folder}/body;
    proxy_temp_path {self.folder}/proxy;
    fastcgi_temp_path {self.folder}/fastcgi;
    uwsgi_temp_path {self.folder}/uwsgi;
    scgi_temp_path {self.folder}/scgi;
    server {{
        listen 127.0.0.1:{self.port} ssl http2;
        ssl_certificate {self.cert};
        ssl_certificate_key {self.key};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not (self.folder / "nginx.pid").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start: " + (self.folder / "error.log").read_text())
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def protocols(self) -> list[str]:
        """The protocol of every request nginx has logged, e.g. ["HTTP/2.0", ...]."""
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [line.split()[0] for line in text.splitlines() if line]

    def connections(self) -> list[str]:
        """The connection serial number of every request nginx has logged (one per TCP connection)."""
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [line.split()[2] for line in text.splitlines() if line]

"""The scaled-out arrangement on loopback: deploy/nginx/calmcalf.conf in front of `calmcalf serve`s.

Used by tests/test_arrangement.py and bench/load.py. nginx runs as a child process
(not a daemon) with a prefix of its own in a temporary folder, on a free port, with a
throwaway self-signed certificate for 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.config import ROOT
from tests.net import make_certificate

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "calmcalf.conf"
# Debian's libnginx-mod-http-brotli-static (Debian's own nginx.conf loads it from modules-enabled/).
BROTLI_STATIC = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def collect_static(folder: Path) -> Path:
    """A copy of static/ with deploy/precompress.sh run on it, as a deployment does."""
    target = folder / "static"
    shutil.copytree(ROOT / "static", target)
    subprocess.run(["bash", str(ROOT / "deploy" / "precompress.sh"), str(target)], check=True)
    return target


def site_config(folder: Path, port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx/calmcalf.conf with this machine's paths and ports, and no port 80 server."""
    text = SITE.read_text()
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in upstreams)
    start = text.index("    server 127.0.0.1:8001")
    end = text.index("\n", text.index("    server 127.0.0.1:8002", start)) + 1
    text = text[:start] + servers + "\n" + text[end:]
    redirect_start = text.index("server {\n    listen 80;")
    redirect_end = text.index("}\n", redirect_start) + 2
    text = text[:redirect_start] + text[redirect_end:]
    replacements = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "    listen [::]:443 ssl http2;\n": "",
        "server_name calmcalf.example.org;": "server_name 127.0.0.1;",
        "/etc/letsencrypt/live/calmcalf.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/calmcalf.example.org/privkey.pem": str(key),
        "/srv/calmcalf/static/": str(collect_static(folder)) + "/",
        "/var/cache/nginx/calmcalf": str(folder / "cache"),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/calmcalf.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground with its own prefix; stop() ends it.

    The surroundings are Debian's /etc/nginx/nginx.conf's (worker_connections 768, the
    access log on, in its combined format), so what runs is what a deployment runs.
    """

    def __init__(self, port: int, upstreams: list[int], workers: int = 1):
        self.folder = Path(tempfile.mkdtemp(prefix="calmcalf-nginx-"))
        self.port = port
        self.cert, key = make_certificate(self.folder)
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read the temporary folder
        temp = "".join(
            f"    {kind}_temp_path {self.folder / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes {workers};\npid {self.folder / 'nginx.pid'};\n"
            f"load_module {BROTLI_STATIC};\n"
            f"error_log {self.folder / 'error.log'} warn;\n"
            "events { worker_connections 768; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            "    sendfile on;\n    tcp_nopush on;\n"
            f"    access_log {self.folder / 'access.log'};\n{temp}"
            + site_config(self.folder, port, upstreams, self.cert, key)
            + "\n}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        command = [
            NGINX,
            "-p",
            str(self.folder),
            "-c",
            str(self.folder / "nginx.conf"),
            "-e",
            str(self.folder / "error.log"),
        ]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {check.stderr}")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish their requests
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def calmcalf(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A `calmcalf` command as its own process, its output in a log file."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent
        )


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM every process, then wait (killing any that hangs)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(check, timeout: float, what: str) -> None:
    """Poll check() until it is true (robust on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)

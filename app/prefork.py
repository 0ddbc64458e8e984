"""`calmcalf serve --workers N`: several app processes on one machine, with gunicorn.

gunicorn is a pre-fork server: one master binds the port and keeps N worker
processes alive (restarting any that dies). With `--threads 1` (what deploy/ runs),
each worker is gunicorn's sync worker: it takes one request at a time, and only
when it is free, so waiting requests stay in the kernel's queue in the order they
came and none waits behind a busy process while another is idle. With more
threads, each worker runs that many threads (gunicorn's gthread worker), so one slow
call does not hold up the others; but a worker then takes every connection it is
offered, and under load some requests wait far longer than others. It is meant to
run behind nginx (deploy/), which buffers slow clients. The default, one process on
waitress, stays what `calmcalf serve` does without --workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from flask import Flask
from gunicorn.app.base import BaseApplication


class Prefork(BaseApplication):
    """gunicorn, configured in code instead of a config file."""

    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def check_port_free(host: str, port: int) -> None:
    """Fail at once with OSError, as waitress does (gunicorn would retry for 5 seconds)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def options(host: str, port: int, workers: int, threads: int) -> dict:
    """Sync workers for one thread, else threaded ones; requests time out after 30 s; the Server header stays quiet."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "sync" if threads == 1 else "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "backlog": 2048,
        "proc_name": "calmcalf",
        "control_socket_disable": True,  # no socket in $HOME
        "accesslog": None,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
    }


def start_dispatcher() -> subprocess.Popen:
    """The reminder dispatcher as its own process beside the web workers (never in a forked worker)."""
    return subprocess.Popen([sys.executable, "-m", "app.cli", "dispatch"], env=os.environ.copy())


def serve_prefork(app: Flask, host: str, port: int, workers: int, threads: int, dispatch: bool) -> None:
    """Run gunicorn with N workers (and one dispatcher process) until stopped."""
    from .db import get_db

    check_port_free(host, port)
    get_db(app).engine.dispose()  # each worker opens its own connections after the fork
    dispatcher = start_dispatcher() if dispatch else None
    print(f"Calm Calf is running on http://{host}:{port}/ with {workers} processes (Ctrl+C to stop)", flush=True)
    try:
        Prefork(app, options(host, port, workers, threads)).run()
    finally:
        if dispatcher:
            dispatcher.terminate()
            dispatcher.wait(timeout=30)

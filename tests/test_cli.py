"""`calmcalf serve` runs the app on a production WSGI server with nothing to configure."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from app.cli import build_parser
from tests.net import free_port


@pytest.mark.slow
def test_serve_starts_waitress_and_serves_the_app(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    server_header = response.headers["Server"]
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert "Cramp now" in body
        assert server_header == "calmcalf", "served by waitress, not Flask's dev server"
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


@pytest.mark.parametrize("port", ["0", "70000", "eighty"])
def test_serve_refuses_a_bad_port_naming_the_option(port, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", "--port", port])
    assert exit_info.value.code == 2
    assert "--port" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_reports_a_port_in_use_clearly():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def children(pid: int) -> list[int]:
    """The direct child processes of pid (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


@pytest.mark.slow
def test_serve_with_workers_runs_that_many_processes_and_a_dispatcher(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "3"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                    server_header = response.headers["Server"]
                if len(children(server.pid)) >= 4:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "server did not start its workers"
            time.sleep(0.3)
        assert "Cramp now" in body
        assert server_header == "gunicorn"
        commands = []
        for child in children(server.pid):
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                commands.append(cmdline.read().split(b"\0"))
        assert sum(b"dispatch" in command for command in commands) == 1, "one dispatcher beside the workers"
        assert sum(b"serve" in command for command in commands) == 3
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
    assert children(server.pid) == []


@pytest.mark.parametrize("workers", ["0", "-1", "two", "65"])
def test_serve_refuses_a_bad_number_of_workers(workers, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", "--workers", workers])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_with_workers_reports_a_port_in_use_clearly():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr

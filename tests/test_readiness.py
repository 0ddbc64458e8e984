"""Readiness writes for real: a committed heartbeat row, and a full disk said as "disk full".

The full disks are real: a small tmpfs mounted for the test (as root, as CI runs), filled
with a file, then emptied again. The server recovers without a restart.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from app import db
from app.health import HOST
from tests.conftest import make_app
from tests.net import free_port
from tests.test_reminders_api import body
from tests.test_server import calmcalf, env_for, wait_for


@contextlib.contextmanager
def small_disk(folder: Path, owner: str | None = None) -> Iterator[Path]:
    """An 8 MiB tmpfs mounted at folder for the test, unmounted after it."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        message = f"a small disk needs root to mount a tmpfs: {mounted.stderr.decode().strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        if owner:
            shutil.chown(folder, owner, owner)
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no room left; the file (delete it to make room again)."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, bytes(4096))  # tmpfs gives room a 4 KiB page at a time
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
    finally:
        os.close(descriptor)
    return filler


def test_readyz_commits_a_heartbeat_row_for_this_machine(tmp_path, database_url):
    app = make_app(tmp_path, database_url)
    client = app.test_client()
    assert [client.get("/readyz").status_code for _ in range(3)] == [200] * 3  # within one second
    other = db.create_engine(database_url)  # another connection sees it: it was committed
    try:
        with other.connect() as connection:
            rows = connection.execute(text("SELECT host, beat_at, beats FROM heartbeat")).all()
    finally:
        other.dispose()
    assert [(host, beats) for host, _, beats in rows] == [(HOST, 3)] and rows[0][1] is not None


def checkpoint(app, mode: str) -> None:
    """SQLite's checkpoint of its write-ahead log into the database file."""
    with db.get_db(app).engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})").one()
    assert busy == 0


def test_a_full_disk_makes_readyz_503_disk_full_on_sqlite_until_there_is_room(tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        app = make_app(tmp_path, f"sqlite:///{disk / 'calmcalf.db'}")
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        # Once checkpointed, the write-ahead log is written again from its start: the heartbeat
        # still commits into the room it has, and the free space beside the database says it.
        checkpoint(app, "RESTART")
        filler = fill(disk)
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["error"].endswith("(disk full): 0 KiB free beside it")
        assert client.get("/healthz").status_code == 200  # alive, only not ready
        filler.unlink()
        assert client.get("/readyz").status_code == 200
        # A log that must grow (as it does between checkpoints): the heartbeat's own commit meets
        # the full disk, where a rolled-back write would not.
        checkpoint(app, "TRUNCATE")
        filler = fill(disk)
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "(disk full): database or disk is full" in ready.get_json()["error"]
        saved = client.post("/api/reminders", json=body())
        assert saved.status_code == 503 and "(disk full)" in saved.get_json()["error"]
        assert client.get("/").status_code == 200  # pages are read, not written
        filler.unlink()
        assert client.get("/readyz").status_code == 200
        assert client.post("/api/reminders", json=body()).status_code == 201
        db.get_db(app).dispose()


def test_a_write_that_needs_room_on_a_full_postgresql_tablespace_is_disk_full(tmp_path, postgres):
    """The database's own files on a full disk (its write-ahead log elsewhere, so PostgreSQL stays up)."""
    admin = postgres.url("postgres", driver=False)
    # In the server's own folder: PostgreSQL runs as another user, who cannot enter pytest's.
    owner = "postgres" if os.geteuid() == 0 else None
    with small_disk(postgres.folder / f"small-{tmp_path.name}", owner=owner) as disk:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE TABLESPACE small LOCATION '{disk}'")
            connection.execute("CREATE DATABASE on_small TABLESPACE small")
        try:
            app = make_app(tmp_path, postgres.url("on_small"))
            client = app.test_client()
            filler = fill(disk)
            ready = client.get("/readyz")  # the first heartbeat needs a page of its own
            assert ready.status_code == 503 and "disk full" in ready.get_json()["error"], ready.get_json()
            result = calmcalf("serve", "--port", str(free_port()), env=env_for(postgres.url("on_small")))
            assert result.returncode == 1 and "has no room to write (disk full)" in result.stderr, result.stderr
            saved = client.post("/api/reminders", json=body())
            assert saved.status_code == 503 and "(disk full)" in saved.get_json()["error"]
            filler.unlink()
            assert client.get("/readyz").status_code == 200
            assert client.post("/api/reminders", json=body()).status_code == 201
        finally:
            db.get_db(app).dispose()
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute("DROP DATABASE on_small WITH (FORCE)")
                connection.execute("DROP TABLESPACE small")


@pytest.mark.slow
def test_serve_and_dispatch_on_a_full_disk_stop_at_once_saying_so_and_start_once_there_is_room(tmp_path):
    """SQLite cannot even open its database on a full disk once a clean stop removed its shared-memory file."""
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite:///{disk / 'calmcalf.db'}"
        db.get_db(make_app(tmp_path, url)).dispose()  # migrated, key stored, closed cleanly
        filler = fill(disk)
        for command in (["serve", "--port", str(free_port())], ["dispatch", "--once"]):
            started = time.monotonic()
            result = calmcalf(*command, env=env_for(url))
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 1 and len(lines) == 1, result.stderr
            assert lines[0].startswith(f"calmcalf: the database {url} has no room to write (disk full): ")
            assert time.monotonic() - started < 10  # said at once, not after waiting for a migration race
        filler.unlink()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env_for(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, server, "/readyz")
        finally:
            server.terminate()
            server.wait(timeout=20)

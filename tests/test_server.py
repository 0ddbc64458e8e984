"""The server stays up: health checks, a database that fails, the test send, body and CLI limits."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from tests.conftest import make_app
from tests.net import free_port
from tests.test_reminders_api import body, proof


def env_for(database_url: str, **extra: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": database_url,
        **{f"CALMCALF_{k}": v for k, v in extra.items()},
    }


def calmcalf(*args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def read_only(database_url: str, tmp_path) -> str:
    """The same database, now refusing every write: a read-only SQLite URI, or PostgreSQL's setting.

    (Tests run as root in CI, and root ignores file permissions, so chmod would prove nothing.)
    """
    if database_url.startswith("sqlite"):
        return f"sqlite:///file:{tmp_path / 'calmcalf.db'}?mode=ro&uri=true"
    plain = database_url.replace("postgresql+psycopg", "postgresql")
    name = plain.rsplit("/", 1)[1]
    with psycopg.connect(plain.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    return database_url


def test_healthz_and_readyz_answer_json(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json() == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_read_only_database_answers_503_json_and_stops_serve_and_dispatch(tmp_path, database_url):
    writable = make_app(tmp_path, database_url).test_client()
    writable.get("/api/push/public-key")  # migrated, key stored
    kept = body(subscription__endpoint="https://fcm.googleapis.com/fcm/send/kept")
    assert writable.post("/api/reminders", json=kept).status_code == 201
    url = read_only(database_url, tmp_path)
    client = make_app(tmp_path, url).test_client()
    response = client.post("/api/reminders", json=body())
    assert response.status_code == 503
    assert "database" in response.get_json()["error"] and response.headers["Retry-After"]
    gone = client.delete("/api/reminders", json=proof(kept))
    assert gone.status_code == 503 and "database" in gone.get_json()["error"]
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "read-only" in ready.get_json()["error"]
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert client.get("/api/push/public-key").status_code == 200  # reading still works
    for command in (["serve", "--port", str(free_port())], ["dispatch", "--once"]):
        result = calmcalf(*command, env=env_for(url))
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("calmcalf: the database ") and "is read-only" in lines[0]


def test_an_unreachable_or_missing_database_is_one_clear_line(tmp_path, postgres):
    unreachable = f"postgresql+psycopg://calmcalf@127.0.0.1:{free_port()}/calmcalf"
    missing = postgres.url("no_such_database")
    no_file = f"sqlite:///file:{tmp_path / 'absent.db'}?mode=ro&uri=true"
    for url, what in ((unreachable, "cannot be reached"), (missing, "cannot be opened"), (no_file, "cannot be opened")):
        result = calmcalf("serve", "--port", str(free_port()), env=env_for(url))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert what in lines[0] and "Traceback" not in result.stderr
    assert "cannot listen" not in result.stderr


def test_the_loser_of_a_race_to_migrate_a_new_sqlite_file_waits_for_the_winner(tmp_path, monkeypatch):
    """SQLite has no advisory lock: a process whose migration finds the tables made by another waits for its stamp."""
    from alembic import command

    from app import create_app, db
    from app.reminders.models import Base

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    engine = db.get_db(app).engine
    Base.metadata.create_all(engine)  # the winner has made the tables and is still to stamp them
    stamper = threading.Timer(0.5, lambda: command.stamp(db.alembic_config(engine), "head"))
    stamper.start()
    waited = []
    real_wait = db._becomes_current
    monkeypatch.setattr(db, "_becomes_current", lambda engine: waited.append(1) or real_wait(engine))
    db.upgrade(app)  # no error: the tables already there are the winner's
    stamper.join()
    assert waited == [1] and db.is_current(engine)
    engine.dispose()


def test_a_database_file_that_cannot_be_opened_is_said_at_once_without_waiting_for_a_race(tmp_path, monkeypatch):
    from app import create_app, db

    app = create_app({"DATABASE_URL": f"sqlite:///file:{tmp_path / 'absent.db'}?mode=ro&uri=true"})
    monkeypatch.setattr(db, "_becomes_current", lambda engine: pytest.fail("waited for a race that is not one"))
    with pytest.raises(db.DatabaseProblem, match="cannot be opened"):
        db.upgrade(app)
    db.get_db(app).engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(("args", "option"), [(["--threads", "0"], "--threads"), (["--threads", "x"], "--threads")])
def test_serve_refuses_bad_thread_counts(args, option):
    result = calmcalf("serve", *args, env=env_for("sqlite://"))
    assert result.returncode == 2 and option in result.stderr


@pytest.mark.slow
def test_dispatch_refuses_bad_worker_counts():
    result = calmcalf("dispatch", "--once", "--workers", "0", env=env_for("sqlite://"))
    assert result.returncode == 2 and "--workers" in result.stderr


@pytest.fixture
def served(tmp_path):
    """A real `calmcalf serve` on a free port: (port, process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-dispatch"],
        env=env_for(f"sqlite:///{tmp_path / 'serve.db'}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(port, process)
    yield port
    process.terminate()
    process.wait(timeout=20)


def wait_for(port: int, process: subprocess.Popen, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        assert process.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


@pytest.mark.slow
def test_waitress_refuses_a_huge_body_before_buffering_it(served):
    """A client announcing 1 GiB gets a 413 from waitress at once; nothing is read or stored."""
    with socket.create_connection(("127.0.0.1", served), timeout=10) as sock:
        sock.sendall(
            b"POST /api/reminders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n" + b"x" * 1000
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.slow
@pytest.mark.alone  # times the home page
def test_eight_slow_test_sends_do_not_delay_pages(tmp_path):
    """A push service that never answers: 2 test sends wait (at most the timeout), 6 get a 503 at once,
    and GET / answers within a second meanwhile."""
    from tests.browser.conftest import start_server

    with socket.socket() as black_hole:  # accepts connections (the kernel's backlog) and never answers
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(64)
        hole = black_hole.getsockname()[1]
        server = start_server(
            {"PUSH_ALLOW_HTTP": True, "PUSH_SERVICE_HOSTS": ["127.0.0.1"], "TEST_SEND_TIMEOUT_SECONDS": 3}
        )
        try:
            host, port = server.url.removeprefix("http://").split(":")
            client = server.app.test_client()
            endpoints = [f"http://127.0.0.1:{hole}/push/{i}" for i in range(8)]
            for endpoint in endpoints:
                assert client.post("/api/reminders", json=body(subscription__endpoint=endpoint)).status_code == 201
            statuses: list[int] = []

            def test_send(endpoint: str) -> None:
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request(
                    "POST",
                    "/api/reminders/test",
                    body=json.dumps(proof(body(subscription__endpoint=endpoint))),
                    headers={"Content-Type": "application/json"},
                )
                statuses.append(connection.getresponse().status)
                connection.close()

            senders = [threading.Thread(target=test_send, args=(e,)) for e in endpoints]
            for sender in senders:
                sender.start()
            time.sleep(0.5)
            started = time.monotonic()
            page = http.client.HTTPConnection(host, int(port), timeout=10)
            page.request("GET", "/")
            assert page.getresponse().status == 200
            assert time.monotonic() - started < 1.0
            page.close()
            for sender in senders:
                sender.join(timeout=30)
            assert sorted(statuses) == [502] * 2 + [503] * 6
        finally:
            server.stop()


def test_a_connection_postgresql_dropped_is_replaced_before_use(tmp_path, postgres):
    """SQLAlchemy's pool_pre_ping tests each pooled connection before use, so a dead one fails no request
    (without it, the first request on each dead connection would answer 503)."""
    url = postgres.new_database()
    app = make_app(tmp_path, url)
    client = app.test_client()
    saved = body()
    assert client.post("/api/reminders", json=saved).status_code == 201
    assert client.post("/api/reminders", json=saved).status_code == 200
    # The server drops every connection of this database (as a restart would) while the pool holds them.
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.url("postgres", driver=False), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).rowcount
    assert dropped >= 1
    response = client.post("/api/reminders", json=saved)
    assert response.status_code == 200, response.get_json()
    assert client.get("/readyz").status_code == 200


@pytest.mark.slow
def test_the_test_server_stops_even_when_its_wake_up_pipe_was_closed_by_someone_else():
    """tests/browser/conftest.LiveServer.stop: the fallback for a trigger pipe closed behind its back."""
    from tests.arrangement import wait_until
    from tests.browser.conftest import start_server

    server = start_server()
    host, port = server.url.removeprefix("http://").split(":")
    page = http.client.HTTPConnection(host, int(port), timeout=10)
    page.request("GET", "/")
    assert page.getresponse().status == 200  # a kept-alive connection is still open
    trigger = server.server.trigger
    # Stops 22 and 26 found the pipe's write end closed when stop() began; here the loop closes it.
    trigger.pull_trigger(trigger.close)
    wait_until(lambda: trigger.socket is None, 10, "the loop closing its wake-up pipe")
    assert trigger._closed
    server.stop()
    assert not server.thread.is_alive()
    normal = start_server()
    normal.stop()
    assert not normal.thread.is_alive()
    page.close()

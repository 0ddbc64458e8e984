"""Fixtures for unit and HTTP tests: a fresh app and database per test, like flaskr's."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

import pytest

from app import create_app, db
from tests.fakepush import FakePushService
from tests.postgres import PostgresServer, server_binaries

APPS = []  # made during the current test; their connections are closed after it
# Chromium's full suite, and the Firefox and WebKit smoke suites.
BROWSER_TESTS = (Path(__file__).parent / "browser", Path(__file__).parent / "engines")
# pytest-xdist's name for this process (gw0, gw1, …) when the suite runs in parallel, as scripts/test runs it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


class Turns:
    """Under pytest-xdist: a test marked `alone` (it measures how long something takes) runs while
    no other worker runs a test; every other test runs beside any other test.

    Two flock(2) locks in files the workers of one run share: every test holds `run` shared, an
    `alone` one holds it exclusive. `queue` is the way in: a test holds it shared only while it
    takes `run`, an `alone` one exclusive from the moment it waits, so no new test starts before
    it and it gets its turn as soon as the tests running now have ended.
    """

    def __init__(self, run_id: str):
        base = Path(tempfile.gettempdir()) / f"calmcalf-turns-{run_id}"
        self.paths = [base.with_suffix(".queue"), base.with_suffix(".run")]
        self.queue, self.run = (os.open(path, os.O_RDWR | os.O_CREAT, 0o600) for path in self.paths)

    @contextlib.contextmanager
    def turn(self, alone: bool):
        if alone:
            fcntl.flock(self.queue, fcntl.LOCK_EX)  # no other test starts from now on
            fcntl.flock(self.run, fcntl.LOCK_EX)  # and those running have ended
        else:
            fcntl.flock(self.queue, fcntl.LOCK_SH)
            fcntl.flock(self.run, fcntl.LOCK_SH)
            fcntl.flock(self.queue, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self.run, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(self.queue, fcntl.LOCK_UN)

    def close(self) -> None:
        for descriptor, path in zip((self.queue, self.run), self.paths, strict=True):
            os.close(descriptor)
            path.unlink(missing_ok=True)


TURNS = pytest.StashKey[Turns]()


def pytest_sessionstart(session):
    if WORKER:
        session.config.stash[TURNS] = Turns(os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getppid())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test's setup, call and teardown in its turn (Turns)."""
    turns = item.config.stash.get(TURNS, None)
    if turns is None:
        return (yield)
    with turns.turn(item.get_closest_marker("alone") is not None):
        return (yield)


def pytest_collection_modifyitems(items):
    """Mark by what a test needs, for `scripts/test --fast`: a browser (tests/browser/, tests/engines/), PostgreSQL."""
    for item in items:
        if any(folder in item.path.parents for folder in BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
        if "postgres" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)


def make_app(tmp_path, database_url: str | None = None, **config):
    """An app on its own migrated database (SQLite in tmp_path unless a URL is given)."""
    url = database_url or f"sqlite:///{tmp_path / 'calmcalf.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, **config})
    APPS.append(app)
    db.upgrade(app)
    return app


PRINTED = pytest.StashKey[list[tuple[str, list[str]]]]()


def figures_printed_after(title: str, figures: list[str]):
    """A module's autouse fixture: after its tests, print the lines they counted in `figures`
    (also without -s), for the docs. Under pytest-xdist a worker cannot print to the terminal:
    it hands them to the controller, which prints them in the summary at the end of the run."""

    @pytest.fixture(scope="module", autouse=True)
    def show_figures(request):
        yield
        if WORKER:
            request.config.stash.setdefault(PRINTED, []).append((title, list(figures)))
            return
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(figures_text(title, figures))

    return show_figures


def figures_text(title: str, figures: list[str]) -> str:
    return f"\n{title}:" + "".join(f"\n  {line}" for line in figures)


def pytest_sessionfinish(session):
    """A worker's figures go to the controller with the worker's other output."""
    if WORKER and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["calmcalf_figures"] = session.config.stash.get(PRINTED, [])
    turns = session.config.stash.get(TURNS, None)
    if turns is not None:
        turns.close()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller (pytest-xdist) collects each worker's figures as the worker ends."""
    figures = getattr(node, "workeroutput", {}).get("calmcalf_figures", [])
    node.config.stash.setdefault(PRINTED, []).extend((title, list(lines)) for title, lines in figures)


def pytest_terminal_summary(terminalreporter):
    """The workers' figures, those of one module together (its tests may have run on several workers)."""
    merged: dict[str, list[str]] = {}
    for title, figures in terminalreporter.config.stash.get(PRINTED, []):
        merged.setdefault(title, []).extend(figures)
    for title, figures in sorted(merged.items()):
        terminalreporter.write_line(figures_text(title, figures))


@pytest.fixture(autouse=True)
def close_connections():
    yield
    while APPS:
        db.get_db(APPS.pop()).dispose()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of our own on 127.0.0.1 (scripts/test installs Debian's package)."""
    binaries = server_binaries()
    if binaries is None:
        message = "PostgreSQL is not installed (apt-get install -y postgresql; scripts/test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(binaries).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each test that asks for it runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calmcalf.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def app(tmp_path):
    """The app with test configuration."""
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    """A test client for HTTP requests."""
    return app.test_client()


@pytest.fixture
def push():
    """A fake push service on loopback that checks VAPID and decrypts every message."""
    with FakePushService() as service:
        yield service

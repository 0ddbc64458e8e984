"""Fixtures for unit and HTTP tests: a fresh app and database per test, like flaskr's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app, db
from tests.fakepush import FakePushService
from tests.postgres import PostgresServer, server_binaries

APPS = []  # made during the current test; their connections are closed after it
# Chromium's full suite, and the Firefox and WebKit smoke suites.
BROWSER_TESTS = (Path(__file__).parent / "browser", Path(__file__).parent / "engines")


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


def figures_printed_after(title: str, figures: list[str]):
    """A module's autouse fixture: after its tests, print the lines they counted in `figures`
    (also without -s), for the docs."""

    @pytest.fixture(scope="module", autouse=True)
    def show_figures(request):
        yield
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n{title}:" + "".join(f"\n  {line}" for line in figures))

    return show_figures


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

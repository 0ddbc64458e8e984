"""Browser fixtures: the real app on loopback, driven in Debian's Chromium by Playwright."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass

import pytest
from flask import Flask
from waitress.server import create_server

from app import create_app, db

CHROMIUM = os.environ.get("CALMCALF_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}


def phone(browser, lang: str, **extra):
    """A phone whose browser is set to this language (Accept-Language and navigator.languages)."""
    return browser.new_context(**{**PHONE, "locale": lang, **extra})


def pipe_identity(fd: int) -> tuple[int, int] | None:
    """(device, inode) of what descriptor `fd` is now, or None when it is closed."""
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return info.st_dev, info.st_ino


@dataclass
class LiveServer:
    """A running app: its base URL and the Flask app behind it."""

    url: str
    app: Flask
    server: object
    thread: threading.Thread
    trigger: tuple[int, int] | None  # what the server's wake-up pipe was when it started

    def stop(self) -> None:
        """Stop the worker threads, then close every channel from inside the server's own loop.

        The order matters: a worker thread that finishes a request wakes the loop by
        writing to the trigger pipe, so the pipe (one of the channels) may only close
        once no worker thread is left.

        Twice in about ten full runs (stops 22 and 26) the trigger pipe's write end had
        already been closed by something else in the test process when the test ended
        (os.write: EBADF), in tests that start their own server; the culprit is not
        found. Then the pipe's descriptor numbers may belong to somebody else by now,
        so they are neither written to nor closed. Instead the channels are taken out
        of the loop's map: the loop ends after its current wait (at most a second), and
        only then are they closed, so the loop never waits on a closed descriptor.
        """

        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.task_dispatcher.shutdown()
        trigger = self.server.trigger
        if pipe_identity(trigger.trigger) == self.trigger:
            trigger.pull_trigger(close_all)
            self.thread.join(timeout=10)
        else:
            if not trigger._closed:  # forget the pipe without touching its (reused?) descriptor numbers
                trigger._closed = True
                trigger._fds = []
                if trigger.socket is not None:
                    trigger.socket.fd = -1
            channels: dict = {}
            deadline = time.monotonic() + 10
            while self.thread.is_alive() and time.monotonic() < deadline:
                channels.update(self.server._map)
                self.server._map.clear()
                self.thread.join(timeout=0.2)
            for channel in channels.values():
                if channel is not trigger:
                    channel.close()
        assert not self.thread.is_alive(), "the server's loop did not end"


def start_server(config: dict | None = None) -> LiveServer:
    """Serve a fresh app (with its own database) with waitress on a free loopback port."""
    folder = tempfile.mkdtemp(prefix="calmcalf-test-")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder}/calmcalf.db", **(config or {})})
    db.upgrade(app)
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    trigger = pipe_identity(server.trigger.trigger)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{server.effective_port}", app, server, thread, trigger)


@pytest.fixture(scope="session")
def live_server():
    """One server for the whole session (tests that change config start their own)."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def server():
    """A server of our own, for a test that changes it (a new version) or reads its database (reminders):
    it sends reminders to the fake push service (the `push` fixture) on loopback."""
    server = start_server(
        {"PUSH_ALLOW_HTTP": True, "PUSH_SERVICE_HOSTS": ["127.0.0.1"], "VAPID_SUBJECT": "mailto:care@calmcalf.example"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    """Playwright, with Debian's Chromium: a missing browser fails under CI."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: run scripts/test, which installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """A headless Chromium shared by the tests (each gets its own context)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh phone-sized profile: empty caches, storage and service workers."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page that fails the test on any script error or CSP violation."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )
    yield page
    assert errors == [], f"errors in the page: {errors}"


def wait_until(page, expression: str, timeout: float = 15.0, interval: float = 0.05):
    """Poll an async JS expression until it is truthy, and return its value.

    Playwright's wait_for_function does not await a returned Promise (a Promise is
    truthy), so anything asynchronous (caches, IndexedDB, notifications) is polled
    here with page.evaluate, which does await.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            value = None  # the page is navigating (e.g. reloading after an update): ask again
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still falsy after {timeout} s: {expression}")
        time.sleep(interval)


def wait_for_offline_ready(page) -> None:
    """Wait until the service worker is active, controls the page, and has cached the app."""
    wait_until(page, "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)")
    wait_until(page, "caches.keys().then((names) => names.some((n) => n.startsWith('calmcalf-static-')))")


@pytest.fixture
def offline_page(page, live_server):
    """A page whose one visit has cached the app; the network is then cut."""
    page.goto(live_server.url + "/")
    wait_for_offline_ready(page)
    page.context.set_offline(True)
    return page

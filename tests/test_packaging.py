"""The app runs from a real, non-editable install: the wheel carries every file it needs.

The wheel is built and installed once (with deploy/constraints.txt, as a deployment
installs it) into a fresh virtual environment, outside the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import make_app
from tests.net import free_port

pytestmark = pytest.mark.slow  # builds the wheel and installs it in a new virtual environment
ROOT = Path(__file__).resolve().parent.parent


class Installed(NamedTuple):
    wheel: Path
    venv: Path
    folder: Path  # somewhere outside the checkout to run it from


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel, built from this checkout and installed into a fresh virtual environment with only it."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(folder), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("calmcalf-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--constraint", str(ROOT / "deploy/constraints.txt"), str(wheel)], check=True)
    return Installed(wheel, venv, folder)


def test_the_wheel_holds_templates_static_files_worker_migrations_and_translations(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for needed in (
        "app/_files/templates/base.html",
        "app/_files/templates/relief.html",
        "app/_files/static/js/relief.js",
        "app/_files/service_worker.js",
        "app/_files/migrations/env.py",
        "app/_files/migrations/versions/0001_reminders.py",
        "app/_files/translations/es/LC_MESSAGES/messages.mo",
        "app/_files/translations/ru/LC_MESSAGES/messages.mo",
        "app/web/pages.py",
        "app/reminders/dispatch.py",
    ):
        assert needed in names, needed

    tmp_path, venv = installed.folder, installed.venv
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(venv / "bin/calmcalf"), "serve", "--port", str(port), "--no-dispatch"],
            cwd=tmp_path,  # not the checkout: nothing may be found there by accident
            env={"PATH": "/usr/bin:/bin", "CALMCALF_DATABASE_URL": f"sqlite:///{tmp_path / 'calmcalf.db'}"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.2)
        assert "Cramp now" in page
        assert "/js/timer.js" in page  # preloaded: relief.js imports it through player.js, read from the wheel
        for lang, words in (("es", "Tengo un calambre"), ("ru", "Свело ногу")):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept-Language": lang})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert words in response.read().decode(), lang
        for path in ("/service_worker.js", "/manifest.webmanifest", "/static/js/relief.js", "/api/push/public-key"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                assert response.status == 200, path
        assert str(venv) in package_folder(installed).as_posix()  # the installed copy, not the checkout
    finally:
        server.terminate()
        server.wait(timeout=10)


def package_folder(installed: Installed) -> Path:
    """Where the installed `app` package is."""
    found = subprocess.run(
        [str(installed.venv / "bin/python"), "-c", "import app, sys; sys.stdout.write(app.__path__[0])"],
        cwd=installed.folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout)


VERSION = """
from app import create_app
from app.web.versions import asset_version
app = create_app({"DATABASE_URL": "sqlite://"})
with app.test_request_context():
    print(asset_version())
"""


def installed_version(installed: Installed) -> str:
    """The offline version the installed app computes."""
    return subprocess.run(
        [str(installed.venv / "bin/python"), "-c", VERSION],
        cwd=installed.folder,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def edit(installed):
    """Edit a file of the installed package (replace one text by another); undone after the test."""
    originals: dict[Path, str] = {}

    def change(relative: str, old: str, new: str) -> None:
        path = package_folder(installed) / relative
        text = path.read_text()
        originals.setdefault(path, text)
        assert old in text, f"{old!r} is no longer in {relative}: choose another edit for this test"
        path.write_text(text.replace(old, new, 1))
        shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)  # no stale compiled copy

    yield change
    for path, text in originals.items():
        path.write_text(text)
        shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)


def test_the_offline_version_follows_what_phones_keep_in_a_wheel_install_as_in_a_checkout(tmp_path, installed, edit):
    """Phones are offered an update exactly when what they keep offline changes."""
    released = installed_version(installed)
    app = make_app(tmp_path)
    with app.test_request_context():
        from app.web.versions import asset_version

        assert asset_version() == released, "the same files give the same version in a checkout and a wheel"

    # A new emergency number: a content module, rendered into /doctor and the home page.
    edit("web/content/emergency.py", '"999"', '"998"')
    changed = installed_version(installed)
    assert changed != released
    edit("web/content/emergency.py", '"998"', '"999"')
    assert installed_version(installed) == released

    # Server-only edits that render nothing different: the dispatcher, a setting, a template comment.
    edit(
        "reminders/dispatch.py",
        '"""',
        '"""Edited on the server only. ',
    )
    edit("config.py", '"DISPATCH_INTERVAL_SECONDS": 30', '"DISPATCH_INTERVAL_SECONDS": 20')
    edit("_files/templates/base.html", "<!doctype html>", "<!doctype html>{# a comment phones never see #}")
    assert installed_version(installed) == released

    # A static file and the worker are kept by phones too.
    edit("_files/static/css/app.css", "", "/* a new rule */\n")
    assert installed_version(installed) not in (released, changed)

"""The app runs from a real, non-editable install: the wheel carries every file it needs."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from tests.net import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_templates_static_files_worker_migrations_and_translations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("calmcalf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
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

    # A fresh virtual environment with only the wheel (and its dependencies) in it.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
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
        for lang, words in (("es", "Tengo un calambre"), ("ru", "Свело ногу")):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept-Language": lang})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert words in response.read().decode(), lang
        for path in ("/service_worker.js", "/manifest.webmanifest", "/static/js/relief.js", "/api/push/public-key"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                assert response.status == 200, path
        installed = subprocess.run(
            [str(venv / "bin/python"), "-c", "import app, sys; sys.stdout.write(app.__file__)"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert str(venv) in installed  # the installed copy, not the checkout
    finally:
        server.terminate()
        server.wait(timeout=10)

"""The JavaScript type check (scripts/check runs it): clean, and it catches what it should.

TypeScript comes from tools/jscheck (scripts/check installs it with `npm ci`). Each
test writes a small script into a temporary folder and checks it with a tsconfig that
extends the repository's, so what is tested is the real configuration and the real
declarations in tools/jscheck/types/.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.config import ROOT

pytestmark = pytest.mark.slow  # each test runs tsc over the app (scripts/check runs it once)
TSC = ROOT / "tools" / "jscheck" / "node_modules" / ".bin" / "tsc"
PAGES = ROOT / "tsconfig.json"
WORKER = ROOT / "tsconfig.worker.json"


def tsc(config: Path) -> subprocess.CompletedProcess[str]:
    assert TSC.exists(), "TypeScript is not installed: run bash scripts/check (it runs npm ci --prefix tools/jscheck)"
    return subprocess.run([str(TSC), "-p", str(config)], capture_output=True, text=True, timeout=300, check=False)


def check(tmp_path: Path, base: Path, script: str) -> str:
    """tsc's findings for one script checked beside the app's own under the base config (empty when clean)."""
    probe = tmp_path / "probe.js"
    probe.write_text(script)
    config = tmp_path / "tsconfig.json"  # `include` (the app and the declarations) is inherited; `files` adds the probe
    config.write_text(json.dumps({"extends": str(base), "files": [str(probe)]}))
    result = tsc(config)
    assert result.returncode in (0, 2), result.stdout + result.stderr  # 2: findings; anything else: tsc failed
    return result.stdout


@pytest.mark.parametrize("config", [PAGES, WORKER], ids=["pages", "worker"])
def test_the_app_javascript_is_clean(config):
    result = tsc(config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_element_from_the_dom_helper_is_typed_by_its_kind(tmp_path):
    dom = ROOT / "static" / "js" / "dom.js"
    typed = f"import {{ $ }} from '{dom}';\n$('seated', HTMLInputElement).checked = true;\n"
    assert check(tmp_path, PAGES, typed) == ""
    untyped = f"import {{ $ }} from '{dom}';\n$('seated').checked = true;\n"
    assert "Property 'checked' does not exist on type 'HTMLElement'" in check(tmp_path, PAGES, untyped)


def test_pages_do_not_see_the_workers_globals(tmp_path):
    found = check(tmp_path, PAGES, "self.clients.claim();\nimportScripts('/x.js');\n")
    assert "Property 'clients' does not exist" in found
    assert "Cannot find name 'importScripts'" in found


def test_the_worker_sees_a_service_workers_globals_and_no_dom(tmp_path):
    good = (
        "self.addEventListener('fetch', (event) => { event.respondWith(fetch(event.request)); });\n"
        "self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()); });\n"
        "self.skipWaiting();\nconst bytes = self.calmcalfBase64url.toBytes('AQID');\n"
        "self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });\n"
        "console.log(self.CALMCALF_PRECACHE.version.length);\n"
    )
    assert check(tmp_path, WORKER, good) == ""
    found = check(
        tmp_path, WORKER, "self.addEventListener('push', (event) => { event.respondWith(null); });\ndocument.title;\n"
    )
    assert "Property 'respondWith' does not exist on type 'PushEvent'" in found
    assert "Cannot find name 'document'" in found


def test_the_worker_is_checked_strictly(tmp_path):
    found = check(
        tmp_path, WORKER, "const answer = self.CALMCALF_PRECACHE.urls.find((u) => u === '/');\nanswer.length;\n"
    )
    assert "'answer' is possibly 'undefined'" in found

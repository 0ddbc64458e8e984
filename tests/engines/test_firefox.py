"""Firefox smoke suite: Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core.

The flows themselves are in firefox/smoke.test.mjs (node's test runner); this runs them
against the shipped `calmcalf serve` and reports every flow that failed, by name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.engines.conftest import require
from tests.test_translations import LOCALES

SUITE = Path(__file__).parent / "firefox"
FIREFOX = os.environ.get("CALMCALF_TEST_FIREFOX", "/usr/bin/firefox-esr")
CALMCALF = Path(sys.executable).parent / "calmcalf"  # the console script of the .venv running pytest


def test_the_core_flows_work_in_firefox():
    require(os.path.exists(FIREFOX), f"Firefox not found at {FIREFOX}")
    require(shutil.which("node") is not None, "node is not installed")
    require((SUITE / "node_modules" / "puppeteer-core").is_dir(), "puppeteer-core is not installed (npm ci)")
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "smoke.test.mjs"],
        cwd=SUITE,
        env={
            **os.environ,
            "CALMCALF_SERVE": str(CALMCALF),
            "CALMCALF_TEST_FIREFOX": FIREFOX,
            "CALMCALF_TEST_LANGUAGES": ",".join(LOCALES),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout + result.stderr
    flows = (SUITE / "smoke.test.mjs").read_text().count("\nflow(")
    assert result.returncode == 0, report
    assert f"ℹ pass {flows}\n" in report, report  # every flow ran and passed, none was skipped

"""The cross-engine smoke suites: Firefox and WebKit as Debian ships them, nothing downloaded.

Chromium runs the full browser suite (tests/browser/). These run the core flows in the
other two engines: Firefox (firefox-esr) over WebDriver BiDi with puppeteer-core, WebKit
(WebKitGTK's MiniBrowser) through WebKitWebDriver with Selenium, under Xvfb. Where CI is
set, a missing engine is a failure, never a skip; scripts/test installs them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

# A fresh app on its own port for each test: its own origin, so no storage is shared with another flow.
from tests.browser.conftest import server  # noqa: F401 (the fixture)


def require(found: bool, message: str) -> None:
    """Go on if the engine's pieces are here; otherwise fail under CI, skip elsewhere."""
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{message}: scripts/test installs it")
    pytest.skip(f"{message}: run scripts/test, which installs it")


@pytest.fixture(scope="session")
def xvfb():
    """A virtual X display for WebKit's browser window; yields its DISPLAY name."""
    xvfb = shutil.which("Xvfb")
    require(xvfb is not None, "Xvfb is not installed")
    read, write = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as displayfd:
        number = displayfd.readline().strip()  # written once the display is ready
    assert number, "Xvfb did not start"
    yield f":{number}"
    process.terminate()
    process.wait(timeout=10)


def minibrowser() -> str | None:
    """WebKitGTK's MiniBrowser (in libwebkit2gtk), the browser WebKitWebDriver drives."""
    found = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))
    return found[-1] if found else None

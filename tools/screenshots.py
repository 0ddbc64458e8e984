"""Phone-size screenshots of every page, for the README and for looking at changes.

`.venv/bin/python tools/screenshots.py [outdir]` (default docs/screenshots).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    server = create_server(create_app(), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(**PHONE).new_page()
        page.goto(base + "/")
        page.screenshot(path=str(outdir / "home.png"))
        page.get_by_role("button", name="Cramp now").click()
        page.wait_for_timeout(1200)
        page.screenshot(path=str(outdir / "relief.png"))
        page.get_by_role("button", name="It's gone").click()
        page.get_by_role("button", name="4", exact=True).click()
        page.wait_for_timeout(300)
        page.screenshot(path=str(outdir / "done.png"))
        page.goto(base + "/doctor")
        page.screenshot(path=str(outdir / "doctor.png"))
        browser.close()
    server.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")

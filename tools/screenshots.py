"""Phone-size screenshots of every page, for the README and for looking at changes.

`.venv/bin/python tools/screenshots.py [outdir]` (default docs/screenshots).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from app import create_app, db

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def sample_diary(today: datetime) -> dict:
    """Eight weeks of plausible nights: the routine begins in week 3 and cramps thin out;
    most evenings note their possible triggers, and a medicine was started in week 2."""
    rng = random.Random(7)
    episodes, checklist, notes = [], [], []
    for back in range(56, 0, -1):
        evening = (today - timedelta(days=back)).replace(hour=21, minute=0, second=0, microsecond=0)
        night = evening.strftime("%Y-%m-%d")
        routine = back < 40 and rng.random() < 0.75
        if routine or rng.random() < 0.3:
            ticks = {"stretch": True} if routine else {}
            ticks.update({key: True for key in ("fluids", "sheets") if rng.random() < 0.6})
            checklist.append({"night": night, "ticks": ticks})
        evening_triggers = [
            key for key, odds in (("alcohol", 0.3), ("exertion", 0.25), ("cold", 0.2)) if rng.random() < odds
        ]
        if rng.random() < 0.8:
            notes.append({"night": night, "triggers": evening_triggers})
        for _ in range(rng.choice([0, 1, 1, 2] if back >= 40 else [0, 0, 0, 1])):
            start = evening + timedelta(hours=rng.randint(4, 8), minutes=rng.randint(0, 59))
            seconds = rng.randint(40, 400)
            episodes.append(
                {
                    "id": f"sample-{back}-{len(episodes)}",
                    "start": start.astimezone().isoformat(),
                    "end": (start + timedelta(seconds=seconds)).astimezone().isoformat(),
                    "durationSeconds": seconds,
                    "leg": rng.choice(["left", "right", None]),
                    "severity": rng.randint(2, 9),
                    "note": "",
                    "source": rng.choice(["cramp-now", "manual"]),
                    "triggers": [key for key in evening_triggers if rng.random() < 0.7],
                }
            )
    started = (today - timedelta(days=45)).strftime("%Y-%m-%d")
    medicines = [{"id": "sample-medicine", "name": "Amlodipine", "change": "started", "date": started}]
    return {
        "kind": "calmcalf-diary",
        "schema": 3,
        "episodes": episodes,
        "checklist": checklist,
        "medicines": medicines,
        "nightNotes": notes,
    }


def diary_causes(page, outdir: Path) -> None:
    """The diary's comparison of habits and triggers, and its medicine notes (the sample is loaded)."""
    page.locator("#factors-title").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('factors-title').scrollIntoView()")
    page.screenshot(path=str(outdir / "diary-compare.png"))
    page.evaluate("document.getElementById('medicines-title').scrollIntoView()")
    page.screenshot(path=str(outdir / "diary-medicines.png"))


def language_shots(browser, base: str, outdir: Path) -> None:
    """The same screens in Spanish and Russian (by element ids, so any language works)."""
    sample = outdir / "sample-diary.json"
    sample.write_text(json.dumps(sample_diary(datetime.now())))
    for lang in ("es", "ru"):
        page = browser.new_context(**PHONE, locale=lang).new_page()
        page.goto(base + "/")
        page.screenshot(path=str(outdir / f"home-{lang}.png"))
        page.locator("#cramp-now").click()
        page.wait_for_timeout(1200)
        page.screenshot(path=str(outdir / f"relief-{lang}.png"))
        page.goto(base + "/doctor")
        page.wait_for_selector("#numbers[data-ready]")
        page.locator("#numbers").scroll_into_view_if_needed()
        page.screenshot(path=str(outdir / f"doctor-{lang}.png"))
        page.goto(base + "/diary")
        page.set_input_files("#import-file", str(sample))
        page.wait_for_selector("#data-status:not(:empty)")  # a selector: the CSP forbids evaluating strings
        page.goto(base + "/diary")
        page.wait_for_selector("#diary[data-ready]")
        page.screenshot(path=str(outdir / f"diary-{lang}.png"))
        page.context.close()
    sample.unlink()


def small_phone(browser, base: str, outdir: Path) -> None:
    """Cramp now on a 360x640 phone: a step, a standing step, and the 10-minute advice, each on one screen."""
    context = browser.new_context(**{**PHONE, "viewport": {"width": 360, "height": 640}}, locale="en-GB")
    page = context.new_page()
    page.clock.install()
    page.goto(base + "/")
    page.get_by_role("button", name="Cramp now").click()
    page.clock.run_for(1200)
    page.screenshot(path=str(outdir / "relief-360.png"))
    page.get_by_role("button", name="Next").click()
    page.clock.run_for(300)
    page.screenshot(path=str(outdir / "standing-360.png"))
    page.get_by_role("button", name="Back").click()
    page.clock.run_for(10 * 60_000 + 5_000)
    page.screenshot(path=str(outdir / "red-flag-360.png"))
    context.close()


def large_text(browser, base: str, outdir: Path) -> None:
    """Cramp now in Spanish at 200% text on a 360x640 phone (page zoom: a 180x320 CSS viewport), and at 10 minutes."""
    context = browser.new_context(
        viewport={"width": 180, "height": 320}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="es"
    )
    page = context.new_page()
    page.clock.install()
    page.goto(base + "/")
    page.screenshot(path=str(outdir / "home-es-200.png"))
    page.locator("#cramp-now").click()
    page.clock.run_for(1200)
    page.screenshot(path=str(outdir / "relief-es-200.png"))
    page.locator("#next").click()
    page.locator("#pause").click()
    page.clock.run_for(300)
    page.screenshot(path=str(outdir / "relief-es-200-paused.png"))
    page.locator("#pause").click()
    page.clock.run_for(10 * 60_000)
    page.screenshot(path=str(outdir / "relief-es-200-10min.png"))
    context.close()


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="calmcalf-shots-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'shots.db'}"})
    db.upgrade(app)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(**PHONE, locale="en-GB").new_page()
        page.goto(base + "/")
        page.screenshot(path=str(outdir / "home.png"))
        page.get_by_role("button", name="Cramp now").click()
        page.wait_for_timeout(1200)
        page.screenshot(path=str(outdir / "relief.png"))
        small_phone(browser, base, outdir)
        large_text(browser, base, outdir)
        page.get_by_role("button", name="It's gone").click()
        page.get_by_role("button", name="4", exact=True).click()
        page.wait_for_timeout(300)
        page.locator("#leg-check").scroll_into_view_if_needed()
        page.screenshot(path=str(outdir / "done.png"))
        page.wait_for_selector("#done-triggers[data-ready]")
        page.locator("#done-triggers").get_by_role("button", name="Alcohol").click()
        page.locator("#done-triggers").get_by_role("button", name="Cold feet or a cold room").click()
        page.evaluate("document.getElementById('done-triggers').scrollIntoView()")
        page.wait_for_timeout(300)
        page.screenshot(path=str(outdir / "done-triggers.png"))
        page.goto(base + "/doctor")
        page.screenshot(path=str(outdir / "doctor.png"))
        sample = outdir / "sample-diary.json"
        sample.write_text(json.dumps(sample_diary(datetime.now())))
        page.goto(base + "/diary")
        page.set_input_files("#import-file", str(sample))
        page.get_by_text("Imported").wait_for()
        sample.unlink()
        page.goto(base + "/diary")
        page.wait_for_selector("#diary[data-ready]")
        page.screenshot(path=str(outdir / "diary.png"))
        diary_causes(page, outdir)
        page.goto(base + "/checklist")
        page.get_by_label("Drank enough during the day").check()
        page.get_by_text("Why?").first.click()
        page.screenshot(path=str(outdir / "checklist.png"))
        page.goto(base + "/bedtime")
        page.screenshot(path=str(outdir / "bedtime.png"))
        page.get_by_role("button", name="Start").click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(outdir / "routine.png"))
        page.goto(base + "/reminders")
        page.wait_for_selector("#reminders[data-ready]")
        page.screenshot(path=str(outdir / "reminders.png"))
        page.goto(base + "/diary/report")
        page.wait_for_selector("#report[data-ready]")
        page.screenshot(path=str(outdir / "report.png"))
        language_shots(browser, base, outdir)
        browser.close()
    # The server thread is a daemon: it ends with this script.


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")

"""The report for a doctor: figures over the nights recorded, one A4 page for about 30 cramps in
four weeks (medicines, triggers and the questions included) in every language, a longer report
that breaks cleanly, tables never cut off, and one tap from home and from the top of the diary."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, phone
from tests.test_translations import LOCALES

NOW = datetime(2026, 11, 22, 10, 0)  # the night we are in is the 21st's
TRIGGERS = ["exertion", "cold", "medicine", "alcohol"]


def night(days_back: int) -> str:
    return (NOW - timedelta(days=days_back)).strftime("%Y-%m-%d")


def sample(weeks: int, per_week: int) -> dict:
    """A realistic diary: cramps with notes and triggers, the routine most nights, evening notes, two medicines."""
    episodes, checklist, notes = [], [], []
    for back in range(weeks * 7, 0, -1):
        checklist.append(
            {"night": night(back), "ticks": {"stretch": True, "fluids": True} if back % 3 else {"stretch": True}}
        )
        if back % 2:
            notes.append({"night": night(back), "triggers": [TRIGGERS[back % 4]] if back % 5 else []})
    for i in range(weeks * per_week):
        start = NOW - timedelta(days=weeks * 7) + timedelta(hours=i * 168 / per_week + 6, minutes=17)
        episodes.append(
            {
                "id": f"s{i}",
                "start": start.isoformat() + "Z",
                "durationSeconds": 45 + 23 * i,
                "leg": ["left", "right", None][i % 3],
                "severity": 2 + i % 8,
                "note": "Woke me; stretched and it eased"
                if i % 3 == 0
                else ("After a long walk" if i % 5 == 0 else ""),
                "source": "manual",
                "triggers": [TRIGGERS[(i // 2) % 4]] if i % 2 else [],
            }
        )
    medicines = [
        {"id": "m1", "name": "Furosemide", "change": "started", "date": night(20)},
        {"id": "m2", "name": "Atorvastatin", "change": "changed", "date": night(9)},
    ]
    return {
        "kind": "calmcalf-diary",
        "schema": 3,
        "episodes": episodes,
        "checklist": checklist,
        "medicines": medicines,
        "nightNotes": notes,
    }


def load(page, base: str, tmp_path, data: dict, weeks: int | None = None) -> None:
    """Import the diary on the device (as a person would, from an export), then open the report."""
    page.clock.install(time=NOW)
    page.goto(base + "/diary")
    page.wait_for_selector("#diary[data-ready]")
    path = tmp_path / "sample.json"
    path.write_text(json.dumps(data))
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#data-status")).not_to_be_empty()
    stored = page.evaluate("import('/static/js/store.js').then((s) => s.listEpisodes()).then((e) => e.length)")
    assert stored == len(data["episodes"]), page.locator("#data-status").inner_text()
    page.goto(base + "/diary/report")
    page.wait_for_selector("#report[data-ready]")
    if weeks:
        page.locator("#report-weeks").select_option(str(weeks))


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def page_text(pdf: bytes, tmp_path, number: int) -> str:
    """One printed page's text, by poppler's pdftotext (scripts/test installs poppler-utils)."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext not found: run scripts/test, which installs poppler-utils"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    n = str(number)
    return subprocess.run([tool, "-f", n, "-l", n, str(path), "-"], check=True, capture_output=True, text=True).stdout


# --- figures over the nights recorded -----------------------------------------------------------


def test_rates_are_over_the_nights_recorded_and_a_habit_never_ticked_is_not_recorded(page, live_server, tmp_path):
    """First record 7 days ago (the routine, on the evening of the 15th), 3 cramps since: 3 of 7 nights, 3 a week."""
    cramps = [
        (NOW - timedelta(days=d)).replace(hour=3).isoformat() + "Z" for d in (5, 3, 1)
    ]  # nights of the 16th, 18th, 20th
    data = {
        "kind": "calmcalf-diary",
        "schema": 3,
        "episodes": [
            {"id": f"e{i}", "start": start, "durationSeconds": 60, "severity": 5, "source": "manual"}
            for i, start in enumerate(cramps)
        ],
        "checklist": [{"night": night(d), "ticks": {"stretch": True}} for d in (7, 4, 2)],
    }
    load(page, live_server.url, tmp_path, data)
    expect(page.locator("#report-period")).to_have_text("Recorded since November 15, 2026: 7 nights.")
    expect(page.locator("#r-count")).to_have_text("3")
    expect(page.locator("#r-nights")).to_have_text("3 of 7 nights")
    expect(page.locator("#r-per-week")).to_have_text("3")
    expect(page.locator("td[data-habit='stretch']")).to_have_text("3 of 7 nights")
    expect(page.locator("td[data-habit='fluids']")).to_have_text("not recorded")  # not "0 of 7 nights"
    # Four weeks or eight: the same nights, since nothing was recorded before them.
    page.locator("#report-weeks").select_option("4")
    expect(page.locator("#r-nights")).to_have_text("3 of 7 nights")
    # The diary says the same.
    page.goto(live_server.url + "/diary")
    page.wait_for_selector("#diary[data-ready]")
    expect(page.locator("#chart-summary")).to_have_text(
        "Recorded since Nov 15: 7 nights. 3 cramps on 3 of 7 nights. Stretch routine on 3 of 7 nights."
    )
    expect(page.locator("#chart rect.unrecorded")).to_have_count(1)  # the weeks before: shaded, not "no cramps"
    page.get_by_text("Show the chart as a table").click()
    expect(page.locator("#chart-table tbody tr").first).to_contain_text("not recorded")


# --- printing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LOCALES)
def test_thirty_cramps_in_four_weeks_print_on_one_a4_page(browser, live_server, tmp_path, lang):
    context = phone(browser, lang)
    try:
        page = context.new_page()
        data = sample(weeks=4, per_week=8)
        data["episodes"] = data["episodes"][:30]
        load(page, live_server.url, tmp_path, data, weeks=4)
        expect(page.locator("#r-episodes tr")).to_have_count(30)
        expect(page.locator("#r-medicines tr")).to_have_count(2)
        expect(page.locator("#r-triggers tr")).to_have_count(4)
        pdf = page.pdf(format="A4")
        assert pages_of(pdf) == 1
        text = page_text(pdf, tmp_path, 1)
        assert "Atorvastatin" in text and text.count("Furosemide") == 1
    finally:
        context.close()


def test_a_longer_report_breaks_cleanly_with_the_summary_first_and_the_header_repeated(page, live_server, tmp_path):
    load(page, live_server.url, tmp_path, sample(weeks=8, per_week=7), weeks=8)
    pdf = page.pdf(format="A4")
    assert pages_of(pdf) >= 2
    first, second = page_text(pdf, tmp_path, 1), page_text(pdf, tmp_path, 2)
    assert "Summary" in first and "Cramps recorded" in first and "Bedtime habits" in first
    assert second.lstrip().startswith("Date and time")  # the table of cramps goes on under its own header
    page.emulate_media(media="print")
    styles = page.evaluate(
        """() => [...document.querySelectorAll('#report h2, #report tr')].map((el) => {
             const s = getComputedStyle(el);
             return [el.tagName, s.breakAfter, s.breakInside];
           })"""
    )
    assert all(after == "avoid" for tag, after, _ in styles if tag == "H2")
    assert all(inside == "avoid" for tag, _, inside in styles if tag == "TR")


# --- reaching it --------------------------------------------------------------------------------


def test_the_report_is_one_tap_from_home_and_from_the_top_of_the_diary(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Report for your doctor").click()
    expect(page).to_have_url(live_server.url + "/diary/report")
    page.goto(live_server.url + "/diary")
    link = page.get_by_role("link", name="Report for your doctor")
    expect(link).to_be_in_viewport()  # on the diary's first screen, not 8 screens down
    assert link.bounding_box()["height"] >= 48
    link.click()
    expect(page).to_have_url(live_server.url + "/diary/report")


@pytest.mark.parametrize("width", [360, 195])  # a phone, and a phone at 200% zoom
@pytest.mark.parametrize("where", ["report", "diary"])
def test_tables_are_never_cut_off(browser, live_server, tmp_path, width, where):
    context = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 640}})
    try:
        page = context.new_page()
        load(page, live_server.url, tmp_path, sample(weeks=4, per_week=4), weeks=4)
        if where == "diary":
            page.goto(live_server.url + "/diary")
            page.wait_for_selector("#diary[data-ready]")
            page.get_by_text("Show the chart as a table").click()
        for table in page.locator("main table").all():
            report = table.evaluate(
                """(t) => {
                  const box = t.closest('.table-scroll');
                  if (!box) return 'no scroll box';
                  const page = document.documentElement.clientWidth;
                  if (box.getBoundingClientRect().right > page + 0.5) return 'box wider than the screen';
                  if (t.scrollWidth <= box.clientWidth + 1) return 'fits';
                  const s = getComputedStyle(box);
                  return s.overflowX === 'auto' && box.tabIndex === 0 && s.backgroundImage.includes('gradient')
                    ? 'scrolls with a cue' : 'cut off';
                }"""
            )
            assert report in ("fits", "scrolls with a cue")
        if width == 360 and where == "report":
            fits = [
                t.evaluate("(t) => t.scrollWidth <= t.closest('.table-scroll').clientWidth + 1")
                for t in page.locator("main table").all()
            ]
            assert len(fits) == 5 and all(fits)
    finally:
        context.close()

"""The report for a doctor: one A4 page for four weeks, tables never cut off."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

NOW = datetime(2026, 11, 22, 10, 0)


def sample(weeks: int, per_week: int) -> dict:
    """Typical data: `per_week` cramps a week, some with notes; the routine on most nights."""
    episodes, checklist = [], []
    for back in range(weeks * 7, 0, -1):
        evening = (NOW - timedelta(days=back)).replace(hour=21, minute=0)
        checklist.append({"night": evening.strftime("%Y-%m-%d"), "ticks": {"stretch": True, "fluids": True}})
    for i in range(weeks * per_week):
        start = NOW - timedelta(days=weeks * 7) + timedelta(hours=i * 168 / per_week + 6, minutes=17)
        episodes.append(
            {
                "id": f"s{i}",
                "start": start.isoformat() + "Z",
                "durationSeconds": 45 + 23 * i,
                "leg": ["left", "right", None][i % 3],
                "severity": 2 + i % 8,
                "note": "Woke me; stretched and it eased" if i % 3 == 0 else "",
                "source": "manual",
            }
        )
    return {"kind": "calmcalf-diary", "schema": 2, "episodes": episodes, "checklist": checklist}


def load(page, base: str, tmp_path, data: dict, weeks: int) -> None:
    page.clock.install(time=NOW)
    page.goto(base + "/diary")
    page.wait_for_selector("#diary[data-ready]")
    path = tmp_path / "sample.json"
    path.write_text(json.dumps(data))
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#data-status")).to_contain_text("Imported")
    page.goto(base + "/diary/report")
    page.wait_for_selector("#report[data-ready]")
    page.get_by_label("Period").select_option(str(weeks))


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_four_weeks_print_on_one_a4_page(page, live_server, tmp_path):
    load(page, live_server.url, tmp_path, sample(weeks=4, per_week=4), weeks=4)
    expect(page.locator("#r-episodes tr")).to_have_count(16)
    assert pages_of(page.pdf(format="A4")) == 1


def test_a_longer_report_breaks_between_rows_not_after_a_heading(page, live_server, tmp_path):
    load(page, live_server.url, tmp_path, sample(weeks=8, per_week=7), weeks=8)
    page.emulate_media(media="print")
    assert pages_of(page.pdf(format="A4")) >= 2
    styles = page.evaluate(
        """() => [...document.querySelectorAll('#report h2, #report tr')].map((el) => {
             const s = getComputedStyle(el);
             return [el.tagName, s.breakAfter, s.breakInside];
           })"""
    )
    assert all(after == "avoid" for tag, after, _ in styles if tag == "H2")
    assert all(inside == "avoid" for tag, _, inside in styles if tag == "TR")


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

"""The diary: episodes from Cramp now and by hand, chart, comparison, export, import, report."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import phone, wait_for_offline_ready

STORE = "import('/static/js/store.js')"
TRANSFER = "import('/static/js/transfer.js')"


def open_diary(page, base: str) -> None:
    page.goto(base + "/diary")
    page.wait_for_selector("#diary[data-ready]")


def episodes(page) -> list[dict]:
    return page.evaluate(f"{STORE}.then((s) => s.listEpisodes())")


def download(page, button: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    dl = info.value
    return dl.suggested_filename, Path(dl.path()).read_text(encoding="utf-8")


def cramp_now_session(page, base: str, seconds: int) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Cramp now").click()
    page.get_by_role("radio", name="Right").check()
    page.clock.run_for(seconds * 1000)
    page.get_by_role("button", name="It's gone").click()
    page.get_by_role("button", name="5", exact=True).click()
    expect(page.locator("#severity-saved")).to_have_text("Saved: 5 out of 10.")


def add_by_hand(page, when="2026-11-20T03:15", leg="Left", severity="7", minutes="4", note="Woke me twice"):
    page.get_by_role("button", name="I had a cramp last night").click()
    page.get_by_label("When did it start?").fill(when)
    page.get_by_label("Which leg?").select_option(label=leg)
    page.get_by_label("How bad was it? (0 to 10)").select_option(severity)
    page.get_by_label("How many minutes did it last?").fill(minutes)
    page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episodes-status")).to_have_text("Saved.")


@pytest.fixture
def clocked(page):
    page.clock.install(time="2026-11-22T02:50:00")
    page.clock.pause_at("2026-11-22T03:00:00")
    return page


def test_a_cramp_now_session_appears_in_the_diary_and_the_csv(clocked, live_server):
    page = clocked
    page.goto(live_server.url + "/")
    wait_for_offline_ready(page)
    page.context.set_offline(True)
    cramp_now_session(page, live_server.url, 130)
    open_diary(page, live_server.url)
    item = page.locator("#episode-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("2 min 10 s · right leg · severity 5/10 · from Cramp now")
    name, text = download(page, "Export CSV")
    assert name == "calmcalf-diary-2026-11-22.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["duration_seconds"] == "130"
    assert rows[0]["leg"] == "right" and rows[0]["severity"] == "5" and rows[0]["source"] == "cramp-now"
    assert rows[0]["night"] == "2026-11-21"  # 03:00 belongs to the evening before


def test_a_hand_added_episode_can_be_edited_and_deleted(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    expect(page.get_by_text("No cramps recorded yet.")).to_be_visible()
    add_by_hand(page)
    item = page.locator("#episode-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("4 min · left leg · severity 7/10")
    expect(item).to_contain_text("Woke me twice")
    (stored,) = episodes(page)
    assert stored["source"] == "manual" and stored["durationSeconds"] == 240

    item.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit this cramp")).to_be_visible()
    expect(page.get_by_label("How many minutes did it last?")).to_have_value("4")
    page.get_by_label("How bad was it? (0 to 10)").select_option("3")
    page.get_by_label("Note (optional)").fill("Milder than I thought")
    page.get_by_role("button", name="Save").click()
    expect(item).to_contain_text("severity 3/10")
    expect(item).to_contain_text("Milder than I thought")
    (edited,) = episodes(page)
    assert edited["id"] == stored["id"] and edited["severity"] == 3 and edited["start"] == stored["start"]

    item.get_by_role("button", name="Delete").click()
    expect(item).to_have_count(1)  # the first tap only asks
    item.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("#episode-list li")).to_have_count(0)
    assert episodes(page) == []


@pytest.mark.parametrize(
    ("when", "minutes", "field", "error"),
    [
        ("", "4", "When did it start?", "Enter the date and time of the cramp."),
        ("2026-11-23T03:00", "4", "When did it start?", "The date and time cannot be in the future."),
        (
            "2026-11-20T03:00",
            "999",
            "How many minutes did it last?",
            "Enter the minutes as a whole number from 0 to 600.",
        ),
        (
            "2026-11-20T03:00",
            "2.5",
            "How many minutes did it last?",
            "Enter the minutes as a whole number from 0 to 600.",
        ),
    ],
)
def test_bad_entries_are_refused_with_a_message_at_the_field(clocked, live_server, when, minutes, field, error):
    page = clocked
    open_diary(page, live_server.url)
    page.get_by_role("button", name="I had a cramp last night").click()
    page.get_by_label("When did it start?").fill(when)
    page.get_by_label("How many minutes did it last?").fill(minutes)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label(field)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(field)).to_be_focused()
    expect(page.get_by_text(error)).to_be_visible()
    assert episodes(page) == []


def seed(page, base):
    """A Cramp now session, a hand-added cramp and some checklist nights."""
    cramp_now_session(page, base, 75)
    open_diary(page, base)
    add_by_hand(page, note='He said "ouch", twice\nthen slept')
    page.evaluate(
        f"""{STORE}.then(async (s) => {{
          await s.setTick('2026-11-20', 'stretch', true);
          await s.setTick('2026-11-20', 'sheets', true);
          await s.setTick('2026-11-19', 'fluids', true);
        }})"""
    )


def test_json_export_then_import_round_trips_exactly(clocked, live_server, browser, tmp_path):
    page = clocked
    seed(page, live_server.url)
    open_diary(page, live_server.url)
    name, text = download(page, "Export JSON")
    assert name == "calmcalf-diary-2026-11-22.json"
    exported = json.loads(text)
    assert exported["kind"] == "calmcalf-diary" and exported["schema"] == 3
    assert len(exported["episodes"]) == 2 and len(exported["checklist"]) == 2
    path = tmp_path / name
    path.write_text(text)

    # A new phone: an empty profile.
    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_diary(fresh, live_server.url)
        fresh.set_input_files("#import-file", str(path))
        expect(fresh.locator("#data-status")).to_have_text("Imported 2 cramps and 2 nights of checklist.")
        expect(fresh.locator("#episode-list li")).to_have_count(2)
        _, again = download(fresh, "Export JSON")
        reimported = json.loads(again)
        for key in ("kind", "schema", "episodes", "checklist", "medicines", "nightNotes"):
            assert reimported[key] == exported[key]
    finally:
        other.close()


CORRUPT = [
    ("not json {", "That file is not a Calm Calf JSON export (it is not valid JSON). Nothing was changed."),
    (json.dumps({"hello": "world"}), "That file is not a Calm Calf JSON export. Nothing was changed."),
    (
        json.dumps({"kind": "calmcalf-diary", "schema": 99, "episodes": []}),
        "That file comes from a newer version of Calm Calf. Update the app, then try again. Nothing was changed.",
    ),
    (
        json.dumps(
            {
                "kind": "calmcalf-diary",
                "schema": 2,
                "episodes": [
                    {"id": "a", "start": "2026-11-20T03:00:00.000Z", "source": "manual"},
                    {"id": "b", "start": "2026-11-21T03:00:00.000Z", "severity": 11, "source": "manual"},
                ],
            }
        ),
        "That file has a bad value in episodes[1].severity. Nothing was changed.",
    ),
    (
        json.dumps(
            {"kind": "calmcalf-diary", "schema": 2, "episodes": [], "checklist": [{"night": "yesterday", "ticks": {}}]}
        ),
        "That file has a bad value in checklist[0].night. Nothing was changed.",
    ),
    (
        json.dumps(
            {"kind": "calmcalf-diary", "schema": 2, "episodes": [{"id": "x", "start": "soon", "source": "manual"}]}
        ),
        "That file has a bad value in episodes[0].start. Nothing was changed.",
    ),
]


@pytest.mark.parametrize(("content", "error"), CORRUPT)
def test_a_bad_import_is_refused_and_nothing_is_lost(clocked, live_server, tmp_path, content, error):
    page = clocked
    seed(page, live_server.url)
    open_diary(page, live_server.url)
    before = page.evaluate(f"{TRANSFER}.then((s) => s.exportData())")
    path = tmp_path / "bad.json"
    path.write_text(content)
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#data-status")).to_have_text(error)
    after = page.evaluate(f"{TRANSFER}.then((s) => s.exportData())")
    assert after["episodes"] == before["episodes"] and after["checklist"] == before["checklist"]
    expect(page.locator("#episode-list li")).to_have_count(2)


def test_csv_defuses_spreadsheet_formulas(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    add_by_hand(page, note='=HYPERLINK("http://example")')
    _, text = download(page, "Export CSV")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["note"] == '\'=HYPERLINK("http://example")'


def test_the_chart_and_comparison_show_the_last_8_weeks(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    page.evaluate(
        f"""{STORE}.then(async (s) => {{
          const at = (night, hour) => new Date(`${{night}}T${{hour}}:00`).toISOString();
          // Routine on the nights of the 10th to 12th; cramps on the nights of the 12th
          // (03:00 on the 13th), 13th (23:00), 14th and 15th.
          for (const night of ['2026-11-10', '2026-11-11', '2026-11-12']) await s.setTick(night, 'stretch', true);
          await s.addEpisode({{ start: at('2026-11-13', '03:00'), severity: 8, source: 'manual' }});
          await s.addEpisode({{ start: at('2026-11-13', '23:00'), severity: 2, source: 'manual' }});
          await s.addEpisode({{ start: at('2026-11-15', '02:00'), source: 'manual' }});
          await s.addEpisode({{ start: at('2026-11-16', '02:00'), severity: 4, source: 'manual' }});
          await s.setTick('2026-11-13', 'sheets', true);
          // Older than 8 weeks: not in the chart, but the diary was kept since then, so all 8 weeks count.
          await s.addEpisode({{ start: at('2026-09-01', '02:00'), source: 'manual' }});
        }})"""
    )
    page.reload()
    page.wait_for_selector("#diary[data-ready]")
    chart = page.locator("#chart svg")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("rect.bar")).to_have_count(4)
    expect(chart.locator("circle.routine")).to_have_count(3)
    expect(chart.locator("rect.sev-high")).to_have_count(1)
    expect(page.locator("#chart-summary")).to_have_text(
        "Last 8 weeks: 56 nights. 4 cramps on 4 of 56 nights. Stretch routine on 3 of 56 nights."
    )
    expect(chart.locator("rect.unrecorded")).to_have_count(0)
    # Every finished night of the 8 weeks (not the one we are in): 3 routine nights and 52 others.
    expect(page.locator("#compare-routine")).to_have_text("0.33 cramps a night over 3 nights")
    expect(page.locator("#compare-other")).to_have_text("0.06 cramps a night over 52 nights")
    expect(page.get_by_text("This is not proof")).to_be_visible()
    page.get_by_text("Show the chart as a table").click()
    expect(page.locator("#chart-table tbody tr")).to_have_count(8)


def test_the_report_for_a_doctor_lists_the_weeks(clocked, live_server):
    page = clocked
    seed(page, live_server.url)
    page.goto(live_server.url + "/diary/report")
    page.wait_for_selector("#report[data-ready]")
    expect(page.locator("#r-count")).to_have_text("2")
    expect(page.locator("#r-episodes tr")).to_have_count(2)
    # Recorded since the night of the 19th (the hand-added cramp): the 19th, 20th and 21st.
    expect(page.locator("#report-period")).to_have_text("Recorded since November 19, 2026: 3 nights.")
    expect(page.locator("td[data-habit='stretch']")).to_have_text("1 of 3 nights")
    expect(page.locator("td[data-habit='warm']")).to_have_text("not recorded")
    expect(page.get_by_text("Have you started or changed any medicines")).to_be_visible()
    expect(page.get_by_role("heading", name="My notes")).to_be_visible()
    page.get_by_label("Period").select_option("4")
    expect(page.locator("td[data-habit='stretch']")).to_have_text("1 of 3 nights")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("header.bar")).to_be_hidden()


def test_one_cramp_on_one_night_is_said_in_the_singular(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    add_by_hand(page, when="2026-11-20T03:15", minutes="2")
    expect(page.locator("#chart-summary")).to_have_text(
        "Recorded since Nov 19: 3 nights. 1 cramp on 1 of 3 nights. Stretch routine on 0 of 3 nights."
    )
    expect(page.locator("#compare-other")).to_have_text("0.5 cramps a night over 2 nights")
    _, _ = download(page, "Export CSV")
    expect(page.locator("#data-status")).to_have_text("Exported 1 cramp.")


def test_a_cramps_length_reads_the_same_in_the_diary_and_the_report(clocked, live_server):
    page = clocked
    cramp_now_session(page, live_server.url, 90)
    open_diary(page, live_server.url)
    expect(page.locator("#episode-list li")).to_contain_text("1 min 30 s ·")
    page.goto(live_server.url + "/diary/report")
    page.wait_for_selector("#report[data-ready]")
    expect(page.locator("#r-episodes td").nth(1)).to_have_text("1 min 30 s")
    expect(page.locator("#r-duration")).to_have_text("1 min 30 s")
    expect(page.locator("#r-nights")).to_have_text("1 of 1 night")  # recorded since last night


def test_chart_labels_are_readable_at_phone_width(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    add_by_hand(page)
    ticks = page.locator("#chart text.tick")
    assert ticks.count() >= 3
    for tick in ticks.all():
        size = tick.evaluate("el => el.getScreenCTM().a * parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 11
    right = page.evaluate("document.getElementById('chart').getBoundingClientRect().right")
    for tick in ticks.all():
        assert tick.bounding_box()["x"] + tick.bounding_box()["width"] <= right + 1  # none cut off


def test_log_a_cramp_from_home_in_one_short_form(clocked, live_server):
    page = clocked
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Log a cramp").click()
    expect(page.get_by_role("heading", name="Add a cramp")).to_be_visible()
    expect(page.get_by_label("When did it start?")).to_be_focused()
    page.get_by_label("Which leg?").select_option(label="Right")
    page.get_by_label("How bad was it? (0 to 10)").select_option("6")
    page.get_by_label("How many minutes did it last?").fill("3")
    page.get_by_label("Note (optional)").fill("After a long walk")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episodes-status")).to_have_text("Saved.")
    expect(page.locator("#episode-list li")).to_contain_text("3 min · right leg · severity 6/10")
    (stored,) = episodes(page)
    assert stored["source"] == "manual" and stored["start"].startswith("2026-11-2")


def test_a_cramp_now_closed_without_its_gone_shows_its_length_as_unknown(clocked, live_server):
    page = clocked
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Cramp now").click()
    page.clock.run_for(40_000)
    page.goto(live_server.url + "/doctor")
    page.clock.run_for(20 * 60_000)
    open_diary(page, live_server.url)
    expect(page.locator("#episode-list li")).to_contain_text("length unknown (closed without “It’s gone”)")


# --- editing keeps what was not changed -----------------------------------------------------------


def test_editing_a_cramp_keeps_its_start_and_length_to_the_second(clocked, live_server):
    """Opening Edit only to tag a trigger must not round 25 s to 0, 96 s to 2 min, or 10 min 35 s to 11 min."""
    page = clocked
    open_diary(page, live_server.url)
    lengths = {"2026-11-19T02:13:47.250Z": 25, "2026-11-20T02:13:47.250Z": 96, "2026-11-21T02:13:47.250Z": 635}
    for start, seconds in lengths.items():
        page.evaluate(
            f"""{STORE}.then((s) => s.addEpisode({{ start: '{start}', end: new Date(Date.parse('{start}') + {seconds} * 1000).toISOString(),
                  durationSeconds: {seconds}, leg: 'left', severity: 4, source: 'cramp-now' }}))"""
        )
    page.reload()
    page.wait_for_selector("#diary[data-ready]")
    before = {e["start"]: e for e in episodes(page)}
    for n in range(3):
        page.locator("#episode-list li").nth(n).get_by_role("button", name="Edit").click()
        expect(page.locator("#ep-minutes-kept")).to_contain_text("Saved as ")  # the exact length, next to the minutes
        page.locator("#ep-triggers").get_by_role("button", name="Cold feet or a cold room").click()
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#episode-form")).to_be_hidden()
    after = {e["start"]: e for e in episodes(page)}
    assert set(after) == set(lengths)
    for start, seconds in lengths.items():
        assert after[start]["triggers"] == ["cold"]
        assert (after[start]["end"], after[start]["durationSeconds"]) == (before[start]["end"], seconds)


def test_changing_the_minutes_changes_the_length_and_keeps_the_start(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    start = "2026-11-21T02:13:47.250Z"
    page.evaluate(f"{STORE}.then((s) => s.addEpisode({{ start: '{start}', durationSeconds: 96, source: 'manual' }}))")
    page.reload()
    page.wait_for_selector("#diary[data-ready]")
    page.locator("#episode-list li").get_by_role("button", name="Edit").click()
    expect(page.get_by_label("How many minutes did it last?")).to_have_value("2")
    page.get_by_label("How many minutes did it last?").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episodes-status")).to_have_text("Saved.")
    (after,) = episodes(page)
    assert after["start"] == start and after["durationSeconds"] == 180
    assert after["end"] == "2026-11-21T02:16:47.250Z"


# --- nothing moves when the figures arrive --------------------------------------------------------

# Every layout shift on the page, as the Layout Instability API reports it (the sum is CLS).
LAYOUT_SHIFTS = """() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) shifts.push(e.value);
  }).observe({ type: 'layout-shift', buffered: true });
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(shifts), 100)));
})"""


@pytest.mark.parametrize("lang", ["ru"])  # the longest words: the summary takes the most lines
def test_the_diary_does_not_move_when_its_figures_arrive(browser, live_server, tmp_path, lang):
    """The chart, its summary and the comparison come from IndexedDB after the first paint; their room
    is kept, so the legend, the table and the comparison stay put (the cumulative layout shift is tiny)."""
    from tests.browser.test_report import sample

    context = phone(browser, lang, service_workers="block")
    try:
        page = context.new_page()
        open_diary(page, live_server.url)
        path = tmp_path / "diary.json"
        path.write_text(json.dumps(sample(weeks=3, per_week=4)))
        page.set_input_files("#import-file", str(path))
        expect(page.locator("#episode-list li")).to_have_count(12)

        def late(route):
            # The page's script arrives after the first paint, as on a slow phone or network.
            time.sleep(0.6)
            route.continue_()

        page.route("**/js/diary.js", late)
        page.reload()
        page.wait_for_selector("#diary[data-ready]")
        painted = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
        script = page.evaluate(
            "performance.getEntriesByType('resource').find((e) => e.name.endsWith('/diary.js')).responseEnd"
        )
        assert painted < script, "the page must paint before its figures arrive, or this test proves nothing"
        assert sum(page.evaluate(LAYOUT_SHIFTS)) < 0.05
    finally:
        context.close()

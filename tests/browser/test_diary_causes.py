"""A diary that finds causes: triggers, medicine changes, fair comparisons, schema 3, sharing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_offline_ready, wait_until
from tests.browser.test_diary import cramp_now_session, download, open_diary

STORE = "import('/static/js/store.js')"
NOTES = "import('/static/js/notes.js')"
TRANSFER = "import('/static/js/transfer.js')"


@pytest.fixture
def clocked(page):
    page.clock.install(time="2026-11-22T02:50:00")
    page.clock.pause_at("2026-11-22T03:00:00")
    return page


def go_offline(page, base: str, path: str = "/doctor") -> None:
    """One visit caches the app (on a page that does not open the database); then the network is cut."""
    page.goto(base + path)
    wait_for_offline_ready(page)
    page.context.set_offline(True)


def open_report(page, base: str) -> None:
    page.goto(base + "/diary/report")
    page.wait_for_selector("#report[data-ready]")


# --- triggers after "It's gone" --------------------------------------------------------


def test_a_trigger_chosen_after_its_gone_reaches_the_diary_the_exports_and_the_report(clocked, live_server):
    page = clocked
    go_offline(page, live_server.url)
    cramp_now_session(page, live_server.url, 95)
    page.wait_for_selector("#done-triggers[data-ready]")  # its script loads when the screen opens
    chips = page.locator("#done-triggers")
    expect(chips.get_by_role("button")).to_have_count(6)  # optional: nothing is asked before closing
    expect(page.locator("#done-home")).to_be_visible()
    alcohol = chips.get_by_role("button", name="Alcohol")
    cold = chips.get_by_role("button", name="Cold feet or a cold room")
    sitting = chips.get_by_role("button", name="Sat for a long time")
    for chip in (alcohol, cold, sitting):
        chip.click()
    sitting.click()  # a second tap takes it back
    expect(alcohol).to_have_attribute("aria-pressed", "true")
    expect(sitting).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#triggers-saved")).to_have_text("Saved with this cramp.")
    for chip in chips.get_by_role("button").all():
        box = chip.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48

    open_diary(page, live_server.url)
    item = page.locator("#episode-list li")
    expect(item).to_contain_text("Possible triggers: Cold feet or a cold room, Alcohol")
    _, text = download(page, "Export CSV")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["record"] == "cramp" and row["triggers"] == "Cold feet or a cold room; Alcohol"
    assert row["duration_seconds"] == "95" and row["severity"] == "5"
    _, text = download(page, "Export JSON")
    exported = json.loads(text)
    assert exported["schema"] == 3
    assert exported["episodes"][0]["triggers"] == ["cold", "alcohol"]

    open_report(page, live_server.url)
    expect(page.locator("#r-episodes td").nth(4)).to_have_text("Cold feet or a cold room, Alcohol")
    # Tagged after a cramp: 1 of the 1 cramp; no evening was noted. Triggers never used are left out.
    expect(page.locator("#r-triggers tr")).to_have_count(2)
    expect(page.locator("#r-triggers tr[data-trigger='alcohol']")).to_have_text(
        "Alcohol1 of 1not recorded"
    )  # no evening notes


def test_the_hand_added_form_has_the_same_chips_and_edits_keep_them(clocked, live_server):
    page = clocked
    open_diary(page, live_server.url)
    page.get_by_role("button", name="I had a cramp last night").click()
    page.get_by_label("When did it start?").fill("2026-11-20T03:15")
    page.locator("#ep-triggers").get_by_role("button", name="Little to drink").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episode-list li")).to_contain_text("Possible triggers: Little to drink")
    page.locator("#episode-list li").get_by_role("button", name="Edit").click()
    chip = page.locator("#ep-triggers").get_by_role("button", name="Little to drink")
    expect(chip).to_have_attribute("aria-pressed", "true")
    chip.click()
    page.locator("#ep-triggers").get_by_role("button", name="Hard exercise or a long day on my feet").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episode-list li")).to_contain_text(
        "Possible triggers: Hard exercise or a long day on my feet"
    )
    (stored,) = page.evaluate(f"{STORE}.then((s) => s.listEpisodes())")
    assert stored["triggers"] == ["exertion"]


def test_the_evening_note_on_the_checklist_is_kept_and_none_is_an_answer(clocked, live_server):
    page = clocked
    go_offline(page, live_server.url)
    page.goto(live_server.url + "/checklist")
    page.wait_for_selector("#checklist[data-ready]")
    chips = page.locator("#night-triggers")
    none = chips.get_by_role("button", name="None of these")
    alcohol = chips.get_by_role("button", name="Alcohol")
    alcohol.click()
    none.click()
    expect(alcohol).to_have_attribute("aria-pressed", "false")  # "None of these" and a trigger exclude each other
    wait_until(page, "document.getElementById('checklist').dataset.saving === '0'")
    assert page.evaluate(f"{NOTES}.then((s) => s.getNightNote('2026-11-21'))")["triggers"] == []
    alcohol.click()
    expect(none).to_have_attribute("aria-pressed", "false")
    wait_until(page, "document.getElementById('checklist').dataset.saving === '0'")
    page.reload()
    page.wait_for_selector("#checklist[data-ready]")
    expect(page.locator("#night-triggers").get_by_role("button", name="Alcohol")).to_have_attribute(
        "aria-pressed", "true"
    )
    alcohol = page.locator("#night-triggers").get_by_role("button", name="Alcohol")
    alcohol.click()  # nothing chosen: the question counts as not answered
    wait_until(page, "document.getElementById('checklist').dataset.saving === '0'")
    assert page.evaluate(f"{NOTES}.then((s) => s.getNightNote('2026-11-21'))") is None


# --- medicines -------------------------------------------------------------------------


def add_medicine(page, name: str, change: str, date: str) -> None:
    page.get_by_label("Medicine (as on the box)").fill(name)
    page.get_by_label("What happened?").select_option(label=change)
    page.get_by_label("Date", exact=True).fill(date)
    page.get_by_role("button", name="Add to the diary").click()


def test_a_medicine_change_shows_on_the_chart_and_in_the_report(clocked, live_server):
    page = clocked
    go_offline(page, live_server.url)
    open_diary(page, live_server.url)
    expect(page.locator("#medicines")).to_contain_text("Talk to your doctor before changing any medicine.")
    add_medicine(page, "Atorvastatin 20 mg", "Started", "2026-11-10")
    expect(page.locator("#medicines-status")).to_have_text("Medicine change saved.")
    expect(page.locator("#medicine-list li")).to_contain_text("Nov 10, 2026 · Started: Atorvastatin 20 mg")
    marker = page.locator("#chart svg line.medicine")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("data-night", "2026-11-10")
    expect(page.locator("#chart-summary")).to_contain_text("1 medicine change is marked with a dashed line.")
    add_medicine(page, "Furosemide", "Stopped", "2026-11-18")
    expect(marker).to_have_count(2)
    expect(page.locator("#chart-summary")).to_contain_text("2 medicine changes are marked with dashed lines.")

    open_report(page, live_server.url)
    rows = page.locator("#r-medicines tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_text("Nov 10, 2026Started: Atorvastatin 20 mg")
    expect(rows.nth(1)).to_have_text("Nov 18, 2026Stopped: Furosemide")
    expect(page.get_by_text("Talk to your doctor before changing any medicine.")).to_be_visible()

    open_diary(page, live_server.url)
    page.locator("#medicine-list li").first.get_by_role("button", name="Delete").click()
    page.locator("#medicine-list li").first.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("#medicine-list li")).to_have_count(1)
    expect(page.locator("#chart svg line.medicine")).to_have_count(1)


@pytest.mark.parametrize(
    ("name", "date", "field", "error"),
    [
        ("   ", "2026-11-10", "Medicine (as on the box)", "Enter the medicine’s name as it is on the box."),
        ("Ramipril", "", "Date", "Enter the date."),
        ("Ramipril", "2026-11-30", "Date", "The date cannot be in the future."),
    ],
)
def test_a_bad_medicine_entry_is_refused_at_the_field(clocked, live_server, name, date, field, error):
    page = clocked
    open_diary(page, live_server.url)
    page.get_by_label("Medicine (as on the box)").fill(name)
    page.get_by_label("Date", exact=True).fill(date)
    page.get_by_role("button", name="Add to the diary").click()
    expect(page.get_by_label(field, exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(field, exact=True)).to_be_focused()
    expect(page.get_by_text(error)).to_be_visible()
    assert page.evaluate(f"{NOTES}.then((s) => s.listMedicines())") == []


# --- the fair comparison -----------------------------------------------------------------


def note_alcohol(page, nights: list[str]) -> None:
    """Evening notes of alcohol, with the sheets habit ticked, on these nights."""
    page.evaluate(
        f"""Promise.all([{STORE}, {NOTES}]).then(async ([s, notes]) => {{
          for (const night of {json.dumps(nights)}) {{
            await notes.setNightNote(night, ['alcohol']);
            await s.setTick(night, 'sheets', true);
          }}
        }})"""
    )


def seed_comparison(page, alcohol_nights: list[str]) -> None:
    """Evening notes: alcohol on `alcohol_nights`, "none of these" on the 15th to 20th; the sheets habit
    ticked on the alcohol nights; cramps on the 11th, 12th, 13th and 15th, and on the 8th (no note)."""
    note_alcohol(page, alcohol_nights)
    page.evaluate(
        f"""Promise.all([{STORE}, {NOTES}]).then(async ([s, notes]) => {{
          const at = (night, hour) => new Date(`${{night}}T${{hour}}:00`).toISOString();
          for (const day of [15, 16, 17, 18, 19, 20]) await notes.setNightNote(`2026-11-${{day}}`, []);
          for (const day of [12, 13, 14]) await s.addEpisode({{ start: at(`2026-11-${{day}}`, '03:00'), source: 'manual' }});
          // Tagged only after the cramp: kept with the cramp, not counted in the comparison.
          await s.addEpisode({{ start: at('2026-11-16', '03:00'), source: 'manual', triggers: ['alcohol'] }});
          await s.addEpisode({{ start: at('2026-11-09', '03:00'), source: 'manual', triggers: ['alcohol', 'cold'] }});
        }})"""
    )


def test_a_trigger_comparison_appears_only_with_enough_nights_on_each_side(clocked, live_server):
    page = clocked
    go_offline(page, live_server.url)
    open_diary(page, live_server.url)
    expect(page.locator("#factors-rule")).to_contain_text("Only nights you noted on the evening checklist count")
    seed_comparison(page, ["2026-11-11", "2026-11-12", "2026-11-13", "2026-11-14"])
    page.reload()
    page.wait_for_selector("#diary[data-ready]")
    expect(page.locator("#factors dt")).to_have_count(0)  # 4 alcohol nights: too few
    expect(page.locator("#factors-waiting")).to_contain_text("Alcohol")
    expect(page.get_by_text("A comparison appears once there are at least 5 such nights")).to_be_visible()

    note_alcohol(page, ["2026-11-10"])  # a fifth alcohol evening, with no cramp
    page.reload()
    page.wait_for_selector("#diary[data-ready]")
    alcohol = page.locator("#factors dd[data-factor='alcohol']")
    # With: the nights of the 10th to 14th, cramps on the 11th to 13th. Without: the 15th to 20th, one cramp
    # (on the 15th, tagged alcohol only afterwards). The 8th had no evening note and is not counted.
    expect(alcohol).to_have_text(
        "With it: 0.6 cramps a night over 5 nights · Without it: 0.17 cramps a night over 6 nights"
    )
    expect(page.locator("#factors dt[data-factor='alcohol']")).to_have_text("Alcohol")
    expect(page.locator("#factors dd[data-factor='sheets']")).to_have_text(
        "With it: 0.6 cramps a night over 5 nights · Without it: 0.17 cramps a night over 6 nights"
    )
    expect(page.locator("#factors dt[data-factor='cold']")).to_have_count(0)  # never noted: no nights with it
    expect(page.locator("#factors-waiting")).to_contain_text("Cold feet or a cold room")
    expect(page.locator("#factors-waiting")).not_to_contain_text("Alcohol")
    # The routine comparison is still there, unchanged.
    expect(page.locator("#compare-routine")).to_have_text("Not enough nights yet to compare.")


# --- schema 3 ------------------------------------------------------------------------------

# Schema 2 exactly as the previous version's db.js made it, and records as its store.js wrote them.
OLD_SCHEMA = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open('calmcalf', 2);
  request.onupgradeneeded = () => {
    const episodes = request.result.createObjectStore('episodes', { keyPath: 'id' });
    episodes.createIndex('start', 'start');
    request.result.createObjectStore('checklist', { keyPath: 'night' });
  };
  request.onsuccess = () => {
    const db = request.result;
    const tx = db.transaction(['episodes', 'checklist'], 'readwrite');
    tx.objectStore('episodes').add({ id: 'old-1', start: '2026-11-19T03:10:00.000Z', end: '2026-11-19T03:12:00.000Z',
      durationSeconds: 120, severity: 6, leg: 'left', note: 'Before the update', source: 'cramp-now' });
    tx.objectStore('episodes').add({ id: 'old-2', start: '2026-11-20T02:00:00.000Z', end: null,
      durationSeconds: null, severity: null, leg: null, note: '', source: 'cramp-now' });
    tx.objectStore('checklist').put({ night: '2026-11-19', ticks: { stretch: true, fluids: true },
      updatedAt: '2026-11-19T21:30:00.000Z' });
    tx.oncomplete = () => { db.close(); resolve(db.version); };
    tx.onerror = () => reject(tx.error);
  };
  request.onerror = () => reject(request.error);
})"""


def test_data_written_by_schema_2_survives_the_upgrade(clocked, live_server):
    page = clocked
    go_offline(page, live_server.url)
    assert page.evaluate(OLD_SCHEMA) == 2
    open_diary(page, live_server.url)
    expect(page.locator("#episode-list li")).to_have_count(2)
    expect(page.locator("#episode-list li").last).to_contain_text("2 min · left leg · severity 6/10")
    expect(page.locator("#episode-list li").last).to_contain_text("Before the update")
    data = page.evaluate(f"{TRANSFER}.then((t) => t.exportData())")
    assert data["schema"] == 3
    assert [e["id"] for e in data["episodes"]] == ["old-1", "old-2"]
    old = data["episodes"][0]
    assert old == {
        "id": "old-1",
        "start": "2026-11-19T03:10:00.000Z",
        "end": "2026-11-19T03:12:00.000Z",
        "durationSeconds": 120,
        "severity": 6,
        "leg": "left",
        "note": "Before the update",
        "source": "cramp-now",
        "triggers": [],
    }
    assert data["checklist"] == [
        {"night": "2026-11-19", "ticks": {"stretch": True, "fluids": True}, "updatedAt": "2026-11-19T21:30:00.000Z"}
    ]
    assert data["medicines"] == [] and data["nightNotes"] == []
    names = page.evaluate(
        "new Promise((r) => { const q = indexedDB.open('calmcalf'); q.onsuccess = () => {"
        " const db = q.result; r([db.version, [...db.objectStoreNames]]); db.close(); }; })"
    )
    assert names == [3, ["checklist", "episodes", "medicines", "nightnotes"]]
    # The upgraded diary keeps working: a trigger on an old cramp is saved.
    page.locator("#episode-list li").last.get_by_role("button", name="Edit").click()
    page.locator("#ep-triggers").get_by_role("button", name="Alcohol").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#episode-list li").last).to_contain_text("Possible triggers: Alcohol")


# --- export and import -------------------------------------------------------------------

# A file in the previous version's format (schema 2), as its Export JSON wrote it.
SCHEMA_2_FILE = {
    "kind": "calmcalf-diary",
    "schema": 2,
    "exportedAt": "2026-11-21T08:00:00.000Z",
    "episodes": [
        {
            "id": "e1",
            "start": "2026-11-18T02:30:00.000Z",
            "end": "2026-11-18T02:33:00.000Z",
            "durationSeconds": 180,
            "leg": "right",
            "severity": 4,
            "note": "",
            "source": "manual",
        }
    ],
    "checklist": [{"night": "2026-11-17", "ticks": {"stretch": True}, "updatedAt": "2026-11-17T21:00:00.000Z"}],
}


def test_an_export_in_the_previous_format_still_imports(clocked, live_server, tmp_path):
    page = clocked
    open_diary(page, live_server.url)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(SCHEMA_2_FILE))
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#data-status")).to_have_text("Imported 1 cramp and 1 night of checklist.")
    data = page.evaluate(f"{TRANSFER}.then((t) => t.exportData())")
    assert data["episodes"] == [{**SCHEMA_2_FILE["episodes"][0], "triggers": []}]
    assert data["checklist"] == SCHEMA_2_FILE["checklist"]
    assert data["medicines"] == [] and data["nightNotes"] == []


def test_every_new_field_survives_export_and_import(clocked, live_server, browser, tmp_path):
    page = clocked
    open_diary(page, live_server.url)
    seed_comparison(page, ["2026-11-10", "2026-11-11"])
    add_medicine(page, "Salbutamol inhaler", "Changed (amount or type)", "2026-11-12")
    expect(page.locator("#medicine-list li")).to_have_count(1)
    _, text = download(page, "Export CSV")
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds = [r["record"] for r in rows]
    assert kinds.count("cramp") == 5 and kinds.count("medicine") == 1 and kinds.count("night-note") == 8
    (medicine,) = [r for r in rows if r["record"] == "medicine"]
    assert medicine["medicine"] == "Salbutamol inhaler" and medicine["change"] == "Changed (amount or type)"
    assert medicine["start"] == "2026-11-12"
    notes = {r["night"]: r["triggers"] for r in rows if r["record"] == "night-note"}
    assert notes["2026-11-10"] == "Alcohol" and notes["2026-11-15"] == "none"
    name, text = download(page, "Export JSON")
    exported = json.loads(text)
    assert len(exported["medicines"]) == 1 and len(exported["nightNotes"]) == 8
    path = tmp_path / name
    path.write_text(text)
    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_diary(fresh, live_server.url)
        fresh.set_input_files("#import-file", str(path))
        expect(fresh.locator("#data-status")).to_contain_text("Imported 5 cramps")
        expect(fresh.locator("#medicine-list li")).to_contain_text("Changed (amount or type): Salbutamol inhaler")
        again = fresh.evaluate(f"{TRANSFER}.then((t) => t.exportData())")
        for key in ("episodes", "checklist", "medicines", "nightNotes"):
            assert again[key] == exported[key], key
    finally:
        other.close()


BAD_NEW_FIELDS = [
    (
        {"episodes": [{"id": "a", "start": "2026-11-20T03:00:00.000Z", "source": "manual", "triggers": ["garlic"]}]},
        "episodes[0].triggers",
    ),
    (
        {"episodes": [], "medicines": [{"id": "m", "name": "X", "change": "doubled", "date": "2026-11-01"}]},
        "medicines[0].change",
    ),
    (
        {"episodes": [], "medicines": [{"id": "m", "name": "", "change": "started", "date": "2026-11-01"}]},
        "medicines[0].name",
    ),
    (
        {"episodes": [], "medicines": [{"id": "m", "name": "X", "change": "started", "date": "1 Nov"}]},
        "medicines[0].date",
    ),
    (
        {"episodes": [], "nightNotes": [{"night": "2026-11-01", "triggers": ["alcohol", "alcohol"]}]},
        "nightNotes[0].triggers",
    ),
    ({"episodes": [], "nightNotes": "all of them"}, "nightNotes"),
]


@pytest.mark.parametrize(("fields", "where"), BAD_NEW_FIELDS)
def test_a_bad_new_field_is_refused_by_name_and_nothing_changes(clocked, live_server, tmp_path, fields, where):
    page = clocked
    open_diary(page, live_server.url)
    seed_comparison(page, ["2026-11-10"])
    before = page.evaluate(f"{TRANSFER}.then((t) => t.exportData())")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"kind": "calmcalf-diary", "schema": 3, **fields}))
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#data-status")).to_have_text(f"That file has a bad value in {where}. Nothing was changed.")
    after = page.evaluate(f"{TRANSFER}.then((t) => t.exportData())")
    for key in ("episodes", "checklist", "medicines", "nightNotes"):
        assert after[key] == before[key]


# --- sharing with the doctor ----------------------------------------------------------------

# Web Share with files cannot run headless: the page gets a share() that keeps the file.
SHARE_STUB = """
window.__shared = [];
navigator.canShare = (data) => Boolean(data && data.files && data.files.every((f) => f instanceof File));
navigator.share = async (data) => {
  for (const file of data.files) window.__shared.push({ name: file.name, type: file.type, text: await file.text() });
};
"""


def test_share_sends_the_report_as_a_file_that_matches_the_diary(clocked, live_server, browser):
    page = clocked
    page.add_init_script(SHARE_STUB)
    go_offline(page, live_server.url)
    cramp_now_session(page, live_server.url, 70)
    page.wait_for_selector("#done-triggers[data-ready]")
    page.locator("#done-triggers").get_by_role("button", name="Alcohol").click()
    expect(page.locator("#triggers-saved")).to_have_text("Saved with this cramp.")
    open_diary(page, live_server.url)
    add_medicine(page, "Amlodipine", "Started", "2026-11-15")
    expect(page.locator("#medicine-list li")).to_have_count(1)
    open_report(page, live_server.url)
    page.get_by_role("button", name="Share with your doctor").click()
    (shared,) = wait_until(page, "window.__shared.length && window.__shared")
    assert shared["name"] == "calmcalf-report-2026-11-22.html" and shared["type"] == "text/html"
    html = shared["text"]
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "<script" not in html and "data-msg" not in html and "Share with your doctor" not in html
    page_rows = page.locator("#r-episodes tr").all_inner_texts()
    page_medicines = page.locator("#r-medicines tr").all_inner_texts()

    # The file opened on its own, as a doctor would open it.
    viewer = browser.new_context()
    try:
        doc = viewer.new_page()
        doc.set_content(html)
        assert doc.title() == "Night cramps: report for your doctor"
        assert doc.locator("#r-episodes tr").all_inner_texts() == page_rows
        expect(doc.locator("#r-episodes tr")).to_have_count(1)
        expect(doc.locator("#r-episodes")).to_contain_text("1 min 10 s")
        expect(doc.locator("#r-episodes")).to_contain_text("Alcohol")
        assert doc.locator("#r-medicines tr").all_inner_texts() == page_medicines
        expect(doc.locator("#r-medicines")).to_contain_text("Started: Amlodipine")
        assert doc.locator("#r-triggers tr").all_inner_texts() == page.locator("#r-triggers tr").all_inner_texts()
        expect(doc.locator("#r-triggers")).to_contain_text("Alcohol")
        expect(doc.get_by_text("Talk to your doctor before changing any medicine.")).to_be_visible()
        expect(doc.locator("#r-count")).to_have_text("1")
        assert doc.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    finally:
        viewer.close()


def test_without_file_sharing_the_report_offers_print_only(page, live_server):
    page.goto(live_server.url + "/diary/report")
    page.wait_for_selector("#report[data-ready]")
    assert page.evaluate("!navigator.canShare || !navigator.canShare({ files: [new File([''], 'a.html')] })")
    expect(page.get_by_role("button", name="Share with your doctor")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_visible()

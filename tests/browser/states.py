"""The states of the app a person sees, reached by element ids (so in any language), and a sample diary.

Shared by the looks at every state: axe-core and touch targets (test_accessibility.py), 200% zoom,
and each language's text and fit (test_languages.py). What a person reads on each control is
tested where the control is (test_relief.py, test_diary.py, …), by its role and name.
"""

from __future__ import annotations

from playwright.sync_api import expect

# Three nights of checklist, notes and a medicine change, and two cramps (one from Cramp now), with
# a note the person wrote in the page's language.
SAMPLE_DIARY = """Promise.all([import('/static/js/store.js'), import('/static/js/nights.js'), import('/static/js/notes.js')])
.then(async ([s, n, notes]) => {
  const night = n.nightOf(new Date());
  const note = { en: 'Woke me', es: 'Me despertó', ru: 'Разбудила меня' }[document.documentElement.lang] || '';
  await s.setTick(n.shiftNight(night, 1), 'stretch', true);
  await s.setTick(n.shiftNight(night, 2), 'sheets', true);
  await notes.setNightNote(n.shiftNight(night, 1), ['alcohol', 'cold']);
  await notes.setNightNote(n.shiftNight(night, 2), []);
  await notes.addMedicine({ name: 'Ramipril', change: 'changed', date: n.shiftNight(night, 3) });
  await s.addEpisode({ start: new Date(Date.now() - 86400000).toISOString(), durationSeconds: 120, triggers: ['exertion', 'fluid'],
                       severity: 6, leg: 'left', note, source: 'manual' });
  await s.addEpisode({ start: new Date(Date.now() - 2 * 86400000).toISOString(), durationSeconds: 45,
                       severity: 3, leg: 'right', note: '', source: 'cramp-now' });
})"""

# A Cramp now left two minutes ago, still on offer to continue.
LEFT_A_MOMENT_AGO = (
    "localStorage.setItem('calmcalf.relief-session', JSON.stringify({timer: {durations: [30000, 30000, 60000, 60000],"
    " loop: true, startedAt: Date.now() - 120000, anchor: Date.now() - 120000, pausedAt: null}, leg: null,"
    " seenAt: Date.now() - 30000}))"
)

PAGES = {"home": "/", "doctor": "/doctor", "not-found": "/nope", "bedtime": "/bedtime", "reminders": "/reminders"}
DIARY = ["diary", "diary-form", "diary-table", "diary-log", "diary-medicine", "report"]
RELIEF = ["timer", "paused", "standing-step", "red-flag", "continue-offer", "done", "leg-check"]
STATES = [*PAGES, "menu", *RELIEF, "bedtime-running", "bedtime-done", "checklist", *DIARY]


def open_state(page, base: str, state: str) -> None:
    """Bring the app into one of the STATES, by ids only; the page's clock must be installed for red-flag and bedtime-done."""
    assert state in STATES, state
    if state in PAGES:
        page.goto(base + PAGES[state])
        if state == "reminders":
            page.wait_for_selector("#reminders[data-ready]")
        if state == "doctor":
            page.wait_for_selector("#numbers[data-ready]")
    elif state == "menu":
        page.goto(base + "/")
        page.locator("#languages summary").click()
    elif state in DIARY:
        open_diary(page, base, state)
    elif state.startswith("bedtime"):
        page.goto(base + "/bedtime")
        page.locator("#routine-start").click()
        expect(page.get_by_role("timer")).to_be_visible()
        if state == "bedtime-done":
            page.clock.fast_forward("05:00")
            expect(page.locator("#routine-done-title")).to_be_visible()
    elif state == "checklist":
        page.goto(base + "/checklist")
        page.wait_for_selector("#checklist[data-ready]")
        page.locator("#checklist-form input[name=stretch]").check()
        page.locator("details.why summary").first.click()
        page.locator("#night-triggers [data-trigger-none]").click()
    else:
        open_relief(page, base, state)


def open_diary(page, base: str, state: str) -> None:
    """The diary (with the sample diary in it), one of its forms or views, or the report."""
    page.goto(base + "/diary")
    page.evaluate(SAMPLE_DIARY)
    page.goto(base + ("/diary/report" if state == "report" else "/diary"))
    page.wait_for_selector("[data-ready]")
    if state == "diary-log":  # a link to the form (#log) followed in the open diary
        page.goto(base + "/diary#log")
        expect(page.locator("#episode-form-title")).to_be_visible()
    if state == "diary-form":
        page.locator("#add-episode").click()
        page.locator("#ep-triggers [data-trigger=alcohol]").click()
        page.locator("#ep-minutes").fill("9999")
        page.locator("#episode-form button[type=submit]").click()
        expect(page.locator("#ep-minutes-error")).not_to_be_empty()
    if state == "diary-table":
        page.locator(".table-details summary").click()
        expect(page.locator("#chart-table")).to_be_visible()
    if state == "diary-medicine":
        page.locator("#medicine-form button[type=submit]").click()
        expect(page.locator("#med-name-error")).not_to_be_empty()


def open_relief(page, base: str, state: str) -> None:
    """Cramp now tapped: the timer, one of its moments, or what comes after It's gone."""
    page.goto(base + "/")
    if state == "continue-offer":
        page.evaluate(LEFT_A_MOMENT_AGO)
    page.locator("#cramp-now").click()
    expect(page.get_by_role("timer")).to_be_visible()
    if state == "continue-offer":
        expect(page.locator("#continue")).to_be_visible()
    if state == "paused":
        page.locator("#pause").click()  # "Resume" is the longest word of the three
        expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".dial-paused")).to_be_visible()
    if state == "red-flag":
        page.clock.fast_forward("10:05")
        expect(page.locator("#red-flag")).to_be_visible()
        expect(page.get_by_role("alert")).to_be_visible()
    if state == "standing-step":
        page.locator("#next").click()
        expect(page.locator(".step.current .unsteady")).to_be_visible()
    if state in ("done", "leg-check"):
        page.locator("#gone").click()
        page.locator('[data-severity="3"]').click()
        expect(page.locator("#severity-saved")).not_to_be_empty()
        page.wait_for_selector("#done-triggers[data-ready]")
        page.locator("#done-triggers [data-trigger=alcohol]").click()
        expect(page.locator("#triggers-saved")).not_to_be_empty()
    if state == "leg-check":
        page.locator("#leg-check-yes").click()
        expect(page.locator("#leg-check-advice")).to_be_visible()

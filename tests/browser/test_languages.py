"""Calm Calf in Spanish and Russian, in Chromium: chosen once, kept on the device, offline too.

Each test drives the page by element ids, not English names, so it runs in any language.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.web.pages import OFFLINE_PAGES
from tests.browser.conftest import phone, wait_for_offline_ready, wait_until
from tests.browser.states import open_state
from tests.test_translations import LANGUAGES, LOCALES, SHARED, WORD, english_words

CRAMP_NOW = {"en": "Cramp now", "es": "Tengo un calambre", "ru": "Свело ногу"}


def looking_phone(browser, lang: str, state: str, **extra):
    """A phone for looking at one state: no service worker (it would cache the whole app in three
    languages in the background of every look), except where the page needs one (Reminders)."""
    workers = "allow" if state.startswith("reminders") else "block"
    return phone(browser, lang, service_workers=workers, **extra)


# What a person sees and hears: the rendered text, and the names and labels of elements.
SHOWN = """() => {
  const seen = [document.title, ...document.body.innerText.split('\\n')];
  for (const el of document.querySelectorAll('[aria-label], [title], [alt]')) {
    if (el.closest('[hidden], [translate="no"]') || !el.getClientRects().length) continue;
    seen.push(el.getAttribute('aria-label') || el.getAttribute('title') || el.getAttribute('alt'));
  }
  return seen.map((t) => t.trim()).filter(Boolean);
}"""


def english_in(texts: list[str], lang: str) -> list[str]:
    vocabulary = english_words() - SHARED.get(lang, set())
    return [t for t in texts if {w.lower() for w in WORD.findall(t) if w.isascii()} & vocabulary]


# --- choosing the language ---------------------------------------------------------


def test_the_first_visit_follows_the_browser_language(browser, live_server):
    for lang in ("es-ES", "ru-RU", "en-GB"):
        context = phone(browser, lang)
        try:
            page = context.new_page()
            page.goto(live_server.url + "/")
            base = lang.split("-")[0]
            assert page.evaluate("document.documentElement.lang") == base
            expect(page.locator("#cramp-now")).to_have_text(CRAMP_NOW[base])
        finally:
            context.close()


def test_a_language_chosen_on_any_page_is_kept_on_the_device(browser, live_server):
    context = phone(browser, "es-ES")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/doctor")
        page.locator("#languages summary").click()
        page.locator('#languages a[data-lang="ru"]').click()
        page.wait_for_function("document.documentElement.lang === 'ru'")
        expect(page).to_have_url(live_server.url + "/doctor")  # the address is kept clean
        assert {c["name"]: c["value"] for c in context.cookies()}["calmcalf_lang"] == "ru"
        page.goto(live_server.url + "/")
        expect(page.locator("#cramp-now")).to_have_text("Свело ногу")
        assert page.locator('#languages a[aria-current="true"]').get_attribute("lang") == "ru"
        manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())")
        assert manifest["lang"] == "ru" and manifest["shortcuts"][0]["name"] == "Свело ногу"
    finally:
        context.close()


# --- offline, per language -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_after_one_visit_cramp_now_runs_offline_in_the_chosen_language(browser, live_server, lang):
    context = phone(browser, lang)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_offline_ready(page)
        context.set_offline(True)
        page.goto(live_server.url + "/relief")
        assert page.evaluate("document.documentElement.lang") == lang
        expect(page.get_by_role("timer")).to_be_visible()
        expect(page.locator("#announcer")).not_to_be_empty()
        assert english_in(page.evaluate(SHOWN), lang) == []
        for path in OFFLINE_PAGES:
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.lang") == lang, path
    finally:
        context.close()


def test_switching_language_works_offline(browser, live_server):
    context = phone(browser, "es")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_offline_ready(page)
        context.set_offline(True)
        page.locator("#languages summary").click()
        page.locator('#languages a[data-lang="ru"]').click()
        page.wait_for_function("document.documentElement.lang === 'ru'")
        expect(page.locator("#cramp-now")).to_have_text("Свело ногу")
        page.goto(live_server.url + "/doctor")  # the choice holds for every page, still offline
        assert page.evaluate("document.documentElement.lang") == "ru"
        expect(page.locator('.country-numbers:not([hidden]) a[href="tel:103"]')).to_be_visible()
        page.reload()
        assert page.evaluate("document.documentElement.lang") == "ru"
    finally:
        context.close()


# --- everything a person sees and hears -------------------------------------------------


def test_the_spoken_and_announced_steps_are_in_russian(browser, live_server):
    context = phone(browser, "ru")
    try:
        page = context.new_page()
        page.add_init_script("""window.__spoken = [];
          speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang });""")
        open_state(page, live_server.url, "timer")
        page.locator("#voice").check()
        page.locator("#next").click()
        wait_until(page, "window.__spoken.length >= 2")
        spoken = page.evaluate("window.__spoken")
        assert {s["lang"] for s in spoken} == {"ru"}
        assert english_in([s["text"] for s in spoken], "ru") == []
        expect(page.locator("#announcer")).to_contain_text("секунд")  # "30 секунд."
        assert english_in([page.locator("#announcer").inner_text()], "ru") == []
    finally:
        context.close()


# Russian has three plural forms, chosen by the last digits (11 is not "one", 21 and 22 are).
RUSSIAN_NIGHTS = {1: "1 ночь", 2: "2 ночи", 5: "5 ночей", 11: "11 ночей", 21: "21 ночь", 22: "22 ночи"}


def test_scripts_pick_the_russian_plural_form(browser, live_server):
    context = phone(browser, "ru")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/checklist")
        texts = page.evaluate(
            """(counts) => import('/static/js/text.js').then((t) => Object.fromEntries(
                counts.map((n) => [n, t.plural(document.getElementById('checklist'), 'streak', n)])))""",
            list(RUSSIAN_NIGHTS),
        )
        assert texts == {str(n): f"Растяжка: {nights} подряд. Отлично." for n, nights in RUSSIAN_NIGHTS.items()}
    finally:
        context.close()


def test_the_csv_export_has_headers_in_the_page_language(browser, live_server):
    context = phone(browser, "ru", accept_downloads=True)
    try:
        page = context.new_page()
        open_state(page, live_server.url, "diary")
        with page.expect_download() as download:
            page.locator("#export-csv").click()
        lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert (
            lines[0]
            == "запись,начало,конец,длительность_секунды,нога,сила_боли,факторы,заметка,источник,ночь,лекарство,изменение"
        )
        assert any(",левая," in line and ",вручную," in line for line in lines[1:])
        expect(page.locator("#data-status")).to_have_text("Экспортировано 2 приступа.")
    finally:
        context.close()


def test_the_report_writes_dates_and_numbers_the_language_s_way(browser, live_server):
    context = phone(browser, "ru")
    try:
        page = context.new_page()
        open_state(page, live_server.url, "report")
        period = page.locator("#report-period").inner_text()
        # Recorded over the last three nights (the sample's first record is two nights back).
        assert period.startswith("Записи ведутся с ") and period.endswith(" г.: 3 ночи.")  # "3 декабря 2026 г."
        assert page.locator("#r-duration").inner_text() == "1 мин 23 с"  # the median of 120 s and 45 s
        assert page.locator("#r-per-week").inner_text() == "4,7"  # 2 cramps in 3 nights, with a decimal comma
        assert page.locator("#r-nights").inner_text() == "2 из 3 ночей"
        assert page.locator("td[data-habit='warm']").inner_text() == "не записано"
    finally:
        context.close()


# --- emergency numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "country", "numbers"),
    [("es-ES", "ES", ["112"]), ("ru", "RU", ["112", "103"]), ("en-GB", "GB", ["999", "111"]), ("en-US", "US", ["911"]),
     ("es-MX", "MX", ["911"]), ("de-DE", "EU", ["112"])],
)  # fmt: skip
def test_the_doctor_page_shows_the_numbers_of_the_person_s_country(browser, live_server, locale, country, numbers):
    context = phone(browser, locale)
    try:
        page = context.new_page()
        open_state(page, live_server.url, "doctor")
        assert page.locator("#country").input_value() == country
        shown = page.locator(".country-numbers:not([hidden]) a.call .number").all_inner_texts()
        assert shown == numbers
    finally:
        context.close()


def test_a_chosen_country_is_remembered_and_works_offline(browser, live_server):
    context = phone(browser, "es-ES")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_offline_ready(page)
        context.set_offline(True)
        open_state(page, live_server.url, "doctor")
        page.locator("#country").select_option("AR")
        expect(page.locator('.country-numbers:not([hidden]) a[href="tel:107"]')).to_be_visible()
        page.reload()
        page.wait_for_selector("#numbers[data-ready]")
        assert page.locator("#country").input_value() == "AR"
        assert page.locator(".country-numbers:not([hidden])").count() == 1
    finally:
        context.close()


# --- accessibility and fit ----------------------------------------------------------------


# Every language on every state of the pages that carry medical text: Cramp now and what follows
# it, the doctor page, the bedtime routine, the checklist and the report. The other states are
# looked at in one translation each, the one with the longer words there (the diary in Russian;
# Reminders and page-not-found in Spanish; the diary's form in Spanish, so the diary is seen in
# both; the language menu lists the same names in every language): axe's findings and any English
# a script writes come from the same markup and code in every language, and each message's
# translation is checked by tests/test_translations.py. English: test_accessibility.py (axe, 200% zoom).
MEDICAL = ["home", "timer", "paused", "standing-step", "red-flag", "done", "leg-check", "doctor", "bedtime",
           "bedtime-running", "checklist", "report"]  # fmt: skip
SAMPLED = {"menu": "ru", "not-found": "es", "diary": "ru", "diary-form": "es", "reminders": "es"}
LOOKS = [(state, lang) for state in MEDICAL for lang in LOCALES] + list(SAMPLED.items())
# Where English words left once the scripts have run are looked for (server-rendered text: tests/test_translations.py).
NO_ENGLISH = {"timer", "standing-step", "red-flag", "done", "leg-check", "doctor", "bedtime-running", "checklist", "diary",
              "report", "reminders"}  # fmt: skip
axe = Axe()

OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const cut = [...document.querySelectorAll('button, .button, summary, label, h1, h2, select, .languages a')]
    .filter((el) => el.getClientRects().length && !el.closest('.visually-hidden'))
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => [el.id || el.className, el.textContent.trim().slice(0, 40), el.scrollWidth, el.clientWidth]);
  return { page, cut };
}"""


@pytest.mark.parametrize(("state", "lang"), LOOKS)
def test_each_state_fits_360_px_and_passes_axe_with_no_english_left_in_each_language(browser, live_server, state, lang):
    """One look at each state on a 360 px phone: nothing overflows; in a translation, axe-core finds
    nothing and (once the scripts have run) no word of the English catalogue is shown."""
    context = looking_phone(browser, lang, state, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.clock.install()
        open_state(page, live_server.url, state)
        english = english_in(page.evaluate(SHOWN), lang) if lang != "en" and state in NO_ENGLISH else []
        overflow = page.evaluate(OVERFLOW)
        results = axe.run(page) if lang != "en" else None  # English: tests/browser/test_accessibility.py
        assert english == []
        assert overflow == {"page": 0, "cut": []}
        assert results is None or results.violations_count == 0, results.generate_report()
    finally:
        context.close()

"""The diary says plainly when the browser may delete it (Safari after 7 days), and what to do."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

WARNING = {
    "en": "This browser may delete the diary if Calm Calf is not opened for a while",
    "es": "Este navegador puede borrar el diario",
    "ru": "Этот браузер может удалить дневник",
}
# Both remedies, in each language: the Home Screen, and a copy exported.
REMEDIES = {
    "en": ("Add to Home Screen", "export a copy"),
    "es": ("Añadir a pantalla de inicio", "exporte una copia"),
    "ru": ("На экран „Домой“", "экспортируйте копию"),
}


def diary(browser, live_server, lang: str, init: str = ""):
    """The diary page, in `lang`, with what the browser says stubbed by `init` (if given)."""
    context = browser.new_context(**PHONE, locale=lang)
    page = context.new_page()
    if init:
        page.add_init_script(init)
    page.goto(live_server.url + "/diary")
    page.wait_for_selector("#diary[data-ready]")
    return page


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_a_browser_that_may_delete_the_diary_is_named_with_both_remedies(browser, live_server, lang):
    # Chromium, like Safari in a tab, keeps a site's data only until it needs the room.
    page = diary(browser, live_server, lang)
    try:
        assert page.evaluate("navigator.storage.persisted()") is False
        warning = page.locator("#storage-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(WARNING[lang])
        for remedy in REMEDIES[lang]:
            expect(warning).to_contain_text(remedy)
        # The export it speaks of is right below it.
        below = page.locator("#export-json").bounding_box()
        assert below["y"] > warning.bounding_box()["y"]
    finally:
        page.context.close()


def test_no_warning_where_the_browser_promises_to_keep_the_data(browser, live_server):
    page = diary(browser, live_server, "en", "StorageManager.prototype.persisted = async () => true;")
    try:
        expect(page.locator("#storage-warning")).to_be_hidden()
    finally:
        page.context.close()


def test_no_warning_in_the_app_installed_on_the_home_screen(browser, live_server):
    # What Safari says in an app opened from the Home Screen (Chromium cannot emulate display-mode).
    page = diary(
        browser, live_server, "en", "Object.defineProperty(Navigator.prototype, 'standalone', {get: () => true});"
    )
    try:
        expect(page.locator("#storage-warning")).to_be_hidden()
    finally:
        page.context.close()

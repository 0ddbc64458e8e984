"""Which country's words and numbers a phone gets: its time zone first, then its language's region,
never the UK's by default; and the same urgent route and numbers on /doctor and in the 10-minute advice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.web import content
from tests.browser.conftest import PHONE

SHOWN_ROUTE = ".urgent-route > span:not([hidden])"
SHOWN_CALLS = ".emergency-call:not([hidden]) .number"


def doctor_says(page, base: str) -> tuple[str, str, list[str]]:
    """The country chosen on /doctor, its urgent route and the emergency number shown at the top."""
    page.goto(base + "/doctor")
    page.wait_for_selector("#numbers[data-ready]")
    return (
        page.locator("#country").input_value(),
        page.locator(f".urgent-action {SHOWN_ROUTE}").inner_text(),
        page.locator(f".flags-emergency {SHOWN_CALLS}").all_inner_texts(),
    )


def ten_minutes_say(page, base: str) -> tuple[str, list[str]]:
    """The urgent route and emergency number in the relief timer's 10-minute advice."""
    page.goto(base + "/relief")
    expect(page.get_by_role("timer")).to_be_visible()
    page.clock.fast_forward(10 * 60_000 + 1_000)  # one jump: the timer runs from timestamps
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    return alert.locator(SHOWN_ROUTE).inner_text(), alert.locator(SHOWN_CALLS).all_inner_texts()


def test_every_country_s_urgent_route_and_number_agree_on_doctor_and_in_the_10_minute_advice(browser, live_server):
    context = browser.new_context(**PHONE, service_workers="block")
    try:
        page = context.new_page()
        page.clock.install(time="2026-11-22T02:59:00")
        page.goto(live_server.url + "/doctor")
        page.wait_for_selector("#numbers[data-ready]")
        on_doctor = {}
        for country in content.COUNTRIES:  # chosen on /doctor, as a person would (and so remembered)
            page.locator("#country").select_option(country.code)
            on_doctor[country.code] = (
                page.locator(f".urgent-action {SHOWN_ROUTE}").inner_text(),
                page.locator(f".flags-emergency {SHOWN_CALLS}").all_inner_texts(),
            )
            route, calls = on_doctor[country.code]
            assert route and calls == ([country.emergency.number] if country.emergency else []), country.code
        for country in content.COUNTRIES:
            page.evaluate(f"localStorage.setItem('calmcalf.country', '{country.code}')")  # what choosing it stores
            assert ten_minutes_say(page, live_server.url) == on_doctor[country.code], country.code
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "zone", "country", "number", "route"),
    [
        # English in Chicago: the US, though English says nothing of a country.
        ("en", "America/Chicago", "US", "911", "Go to an urgent care clinic or the emergency room (ER)."),
        # A Russian-language phone in Madrid: Spain's number and route, in Russian (not Russia's 103).
        ("ru", "Europe/Madrid", "ES", "112", "Обратитесь в отделение неотложной помощи (urgencias)"),
        # The time zone beats the language's region: es-MX in Buenos Aires is in Argentina.
        ("es-MX", "America/Argentina/Buenos_Aires", "AR", "107", "Vaya a la guardia de un hospital o llame al 107."),
        # No country in the time zone (UTC) nor in the language: never the UK for English.
        # (A region with UTC, en-US or es-MX: tests/browser/test_languages.py.)
        ("en", "UTC", "ZZ", None, "Go to a hospital emergency department, or call your local emergency number."),
    ],
)
def test_the_country_comes_from_the_phone_s_time_zone_then_its_language(
    browser, live_server, locale, zone, country, number, route
):
    context = browser.new_context(**PHONE, locale=locale, timezone_id=zone, service_workers="block")
    try:
        page = context.new_page()
        page.clock.install(time="2026-11-22T02:59:00")
        chosen, doctor_route, calls = doctor_says(page, live_server.url)
        assert chosen == country
        assert route in doctor_route
        assert calls == ([number] if number else [])
        assert "999" not in page.locator("#numbers .country-numbers:not([hidden])").inner_text()
        assert ten_minutes_say(page, live_server.url) == (doctor_route, calls)
    finally:
        context.close()


def test_a_chosen_country_beats_the_time_zone(browser, live_server):
    context = browser.new_context(**PHONE, locale="en", timezone_id="America/Chicago", service_workers="block")
    try:
        page = context.new_page()
        assert doctor_says(page, live_server.url)[0] == "US"
        page.locator("#country").select_option("GB")
        page.reload()
        page.wait_for_selector("#numbers[data-ready]")
        assert page.locator("#country").input_value() == "GB"
        expect(page.locator(f".flags-emergency {SHOWN_CALLS}")).to_have_text(["999"])
    finally:
        context.close()

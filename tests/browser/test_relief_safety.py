"""Cramp now, safely: hold on before standing (or stay in bed), the emergency inside the
10-minute advice with the person's own number, and a leg check after "It's gone"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE


@pytest.fixture
def phone(browser):
    """A phone in a given browser language, with a clock the test moves; closed afterwards."""
    contexts = []

    def open_phone(locale: str = "en-GB", viewport: dict | None = None, country: str | None = None):
        context = browser.new_context(**{**PHONE, "locale": locale, **({"viewport": viewport} if viewport else {})})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.errors = errors  # type: ignore[attr-defined]
        if country:
            page.add_init_script(f"localStorage.setItem('calmcalf.country', '{country}')")
        page.clock.install(time="2026-11-22T02:59:00")
        return page

    yield open_phone
    for context in contexts:
        context.close()


def start(page, base: str) -> None:
    page.goto(base + "/")
    page.clock.pause_at("2026-11-22T03:00:00")
    page.locator("#cramp-now").click()  # by id: the tests run in every language
    expect(page.get_by_role("timer")).to_be_visible()
    page.clock.run_for(100)


def current(page):
    return page.locator(".step.current")


# --- standing steps -----------------------------------------------------------------------


def test_standing_steps_say_hold_on_first_and_it_is_announced(phone, live_server):
    page = phone()
    start(page, live_server.url)
    expect(current(page).locator(".step-safety")).to_have_count(0)  # toes up: done lying or sitting
    expect(page.locator(".unsteady:visible")).to_have_count(0)
    for title in ("Stand and lean", "Walk on your heels"):
        page.get_by_role("button", name="Next").click()
        expect(current(page).locator(".step-title")).to_have_text(title)
        safety = current(page).locator(".step-safety")
        expect(safety).to_have_text("Hold on to something steady.")
        expect(safety).to_be_visible()
        # Read before the instruction, on screen and by the screen reader.
        assert safety.bounding_box()["y"] < current(page).locator(".step-text").bounding_box()["y"]
        expect(page.locator("#announcer")).to_contain_text(f"{title}. Hold on to something steady. ")
        expect(current(page).get_by_role("button", name="Unsteady? Stay in bed")).to_be_visible()
    assert page.errors == []


def test_unsteady_switches_to_the_in_bed_version_without_losing_the_clock(phone, live_server):
    page = phone(viewport={"width": 360, "height": 640})
    start(page, live_server.url)
    page.clock.run_for(30_500)  # the second step comes by itself
    expect(current(page).locator(".step-title")).to_have_text("Stand and lean")
    unsteady = current(page).get_by_role("button", name="Unsteady? Stay in bed")
    box = unsteady.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300, "one big target for one thumb"
    assert box["y"] + box["height"] <= 640, "on screen without scrolling"
    unsteady.click()
    expect(current(page).locator(".step-title")).to_have_text("Pull with a sheet")
    expect(page.locator("#step-count")).to_have_text("Step 2 of 3")
    expect(page.locator("#elapsed")).to_have_text("0:30")  # the same cramp, the same clock
    expect(page.get_by_role("switch", name="I can't stand up")).to_be_checked()
    assert page.evaluate("document.activeElement.id") == "relief-title"  # focus stays in the timer
    expect(page.locator(".unsteady:visible")).to_have_count(0)
    page.get_by_role("button", name="Next").click()
    expect(current(page).locator(".step-title")).to_have_text("Rub the calf")  # no walking on heels
    # Remembered: the next cramp starts with the in-bed steps; the switch turns standing back on.
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Cramp now").click()
    expect(page.locator("#step-count")).to_have_text("Step 1 of 3")
    page.get_by_role("switch", name="I can't stand up").uncheck()
    expect(page.locator("#step-count")).to_have_text("Step 1 of 4")
    assert page.errors == []


# --- the 10-minute advice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "country", "number", "words"),
    [
        ("en-GB", None, "999", "Call the emergency number now."),
        ("en-US", None, "911", "Call the emergency number now."),
        ("en-GB", "AR", "107", "Call the emergency number now."),  # chosen on "When to see a doctor"
        ("es-ES", None, "112", "Llame ya a emergencias."),
        ("ru-RU", None, "112", "Сразу звоните в экстренную службу."),
    ],
)
def test_the_10_minute_advice_carries_the_emergency_with_the_person_s_number(
    phone, live_server, locale, country, number, words
):
    page = phone(locale, country=country)
    start(page, live_server.url)
    alert = page.get_by_role("alert")
    page.clock.run_for(10 * 60_000 + 1_000)
    expect(alert).to_be_visible()
    expect(alert.locator(".emergency-now")).to_contain_text(words)
    calls = alert.locator("a.call:visible")
    expect(calls).to_have_count(1)
    expect(calls).to_have_attribute("href", f"tel:{number}")
    expect(calls.locator(".number")).to_have_text(number)
    assert calls.bounding_box()["height"] >= 48
    expect(alert.locator('a[href="/doctor"]')).to_be_visible()
    assert page.errors == []


def test_the_10_minute_advice_in_english_says_both_things(phone, live_server):
    page = phone()
    start(page, live_server.url)
    page.clock.run_for(10 * 60_000 + 1_000)
    alert = page.get_by_role("alert")
    # The UK's urgent route (en-GB, no time zone of a country): a real line, not "an urgent advice line".
    expect(alert).to_contain_text("Get urgent medical advice.")
    expect(alert.locator(".urgent-route > span:not([hidden])")).to_have_text(
        "Call NHS 111, day or night. If it is severe, call 999."
    )
    expect(alert).to_contain_text(
        "Sudden breathlessness, chest pain or coughing up blood? Call the emergency number now."
    )
    expect(page.locator(".passes")).to_be_hidden()  # "most cramps pass within 10 minutes" has stopped being true


def test_most_cramps_pass_is_on_screen_while_the_timer_runs(phone, live_server):
    page = phone(viewport={"width": 360, "height": 640})
    start(page, live_server.url)
    passes = page.locator(".passes")
    expect(passes).to_have_text("Most cramps pass within seconds, or at most about 10 minutes.")
    box = passes.bounding_box()
    assert box["y"] + box["height"] <= page.get_by_role("button", name="It's gone").bounding_box()["y"]


# --- after "It's gone" ------------------------------------------------------------------------


def test_the_leg_check_opens_the_urgent_clot_advice_and_links_to_it(phone, live_server):
    page = phone()
    start(page, live_server.url)
    page.clock.run_for(40_000)
    page.get_by_role("button", name="It's gone").click()
    done = page.locator("#done")
    expect(done).to_contain_text("The calf can stay sore or tender for up to a day.")
    expect(done.get_by_text("Is one leg swollen, warm, red or darker than usual?")).to_be_visible()
    advice = page.locator("#leg-check-advice")
    expect(advice).to_be_hidden()
    yes = page.get_by_role("button", name="Yes")
    expect(yes).to_have_attribute("aria-expanded", "false")
    warmth = done.get_by_text("A warm shower, bath or heat pad")
    expect(warmth).to_be_hidden()  # no warmth tip before the answer
    yes.click()
    expect(yes).to_have_attribute("aria-expanded", "true")
    expect(advice).to_be_visible()
    expect(warmth).to_be_hidden()  # and none for a leg that may hold a clot
    expect(advice).to_contain_text("Do not rub or massage it. Get urgent medical advice now.")
    advice.get_by_role("link", name="What to do, and numbers to call").click()
    expect(page).to_have_url(live_server.url + "/doctor#dvt")
    expect(page.locator("#dvt")).to_be_in_viewport()
    expect(page.locator("#dvt")).to_contain_text("deep vein thrombosis")
    assert page.errors == []


def test_the_leg_check_never_stands_in_the_way_of_closing_the_screen(phone, live_server):
    page = phone()
    start(page, live_server.url)
    page.clock.run_for(20_000)
    page.get_by_role("button", name="It's gone").click()
    page.get_by_role("button", name="Yes").click()
    page.get_by_role("button", name="Yes").click()  # and closed again
    expect(page.locator("#leg-check-advice")).to_be_hidden()
    back = page.get_by_role("link", name="Back to start")
    expect(back).to_be_visible()
    assert back.bounding_box()["height"] >= 48
    # Opened, then Back to home and a new cramp in the same page: its check starts closed.
    page.get_by_role("button", name="Yes").click()
    page.go_back()
    page.get_by_role("button", name="Cramp now").click()
    page.clock.run_for(20_000)
    page.get_by_role("button", name="It's gone").click()
    expect(page.get_by_role("button", name="Yes")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#leg-check-advice")).to_be_hidden()
    back.click()
    expect(page.get_by_role("button", name="Cramp now")).to_be_visible()


# --- the doctor page --------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "number"), [("en-GB", "999"), ("es-MX", "911"), ("ru-RU", "112")])
def test_the_doctor_page_opens_on_the_emergency_with_the_country_s_number(phone, live_server, locale, number):
    page = phone(locale, viewport={"width": 360, "height": 640})
    page.goto(live_server.url + "/doctor")
    page.wait_for_selector("#numbers[data-ready]")
    emergency = page.locator(".flags-emergency")
    expect(emergency).to_be_in_viewport()
    call = emergency.locator("a.call:visible")
    expect(call).to_have_count(1)
    expect(call).to_have_attribute("href", f"tel:{number}")
    box = call.bounding_box()
    assert box["y"] + box["height"] <= 640, "the emergency number is on the first screen"
    # Choosing another country changes it here too.
    page.locator("#country").select_option("AU")
    expect(emergency.locator("a.call:visible")).to_have_attribute("href", "tel:000")
    assert page.errors == []


def test_no_shows_the_warmth_tip_after_the_leg_check(phone, live_server):
    page = phone()
    start(page, live_server.url)
    page.clock.run_for(30_000)
    page.get_by_role("button", name="It's gone").click()
    done = page.locator("#done")
    check, warmth = done.locator("#leg-check"), done.locator("#aftercare")
    expect(warmth).to_be_hidden()
    no = page.get_by_role("button", name="No", exact=True)
    assert no.bounding_box()["height"] >= 48
    no.click()
    expect(no).to_have_attribute("aria-pressed", "true")
    expect(warmth).to_be_visible()
    expect(warmth).to_contain_text("A warm shower, bath or heat pad can ease soreness that lingers.")
    assert check.bounding_box()["y"] < warmth.bounding_box()["y"]  # the question comes first
    expect(page.locator("#leg-check-advice")).to_be_hidden()


def test_the_rub_step_says_not_on_a_swollen_warm_red_leg(phone, live_server):
    page = phone()
    start(page, live_server.url)
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
    expect(current(page).locator(".step-title")).to_have_text("Rub the calf")
    caution = current(page).locator(".step-caution")
    expect(caution).to_have_text("Not if the leg is swollen, warm or red.")
    expect(caution).to_be_in_viewport()

"""Large text: the night flow fits one screen at any text size, in every language, and nothing moves.

Android applies its font size as page zoom: 200% on a 360x640 phone is a 180x320 CSS
viewport at two device pixels per CSS pixel. A larger default font is the browser's own
setting (CDP Page.setFontSizes, 24 px). One browser context per phone and text size; the
three languages, every step, paused and with the 10-minute advice, measured in it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_until
from tests.test_translations import LOCALES

LANGS = LOCALES
PHONES = ((360, 640), (390, 844))
# Page zoom factors, and the 24 px default font ("24px") at 100% zoom.
SIZES = (1.0, 1.3, 1.5, 2.0, "24px")
CONTROLS = ("back", "pause", "next", "gone")  # Back, Pause/Resume, Next, It's gone

BOXES = """(ids) => Object.fromEntries(ids.map((id) => {
  const el = id.startsWith('.') ? document.querySelector(id) : document.getElementById(id);
  const r = el.getBoundingClientRect();
  return [id, {x: r.x, y: r.y, width: r.width, height: r.height}];
}))"""
TITLE = ".step.current .step-title"
EPISODES = "import('/static/js/store.js').then((s) => s.listEpisodes())"
# A Cramp now left two minutes ago, without "It's gone": the next tap offers to continue it.
LEFT_OPEN = (
    "localStorage.setItem('calmcalf.relief-session', JSON.stringify({timer: {durations: [30000, 30000, 60000, 60000],"
    " loop: true, startedAt: Date.now() - 120000, anchor: Date.now() - 120000, pausedAt: null}, leg: null,"
    " seenAt: Date.now() - 30000}))"
)


def large_text_page(browser, phone: tuple[int, int], size):
    """A page on a phone at one text size (zoom as a smaller viewport, or a 24 px default font)."""
    (width, height) = phone
    zoom = 1.0 if size == "24px" else size
    context = browser.new_context(
        viewport={"width": round(width / zoom), "height": round(height / zoom)},
        device_scale_factor=zoom,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    if size == "24px":
        cdp = context.new_cdp_session(page)
        cdp.send("Page.enable")
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    page.clock.install(time="2026-11-22T02:59:00")
    return page


@pytest.fixture(
    params=[(phone, size) for phone in PHONES for size in SIZES], ids=lambda p: f"{p[0][0]}x{p[0][1]}-{p[1]}"
)
def large_text(request, browser):
    """Every phone at every text size."""
    page = large_text_page(browser, *request.param)
    yield page
    page.context.close()


# The offer at the usual size, the smallest screen, and the big default font.
@pytest.fixture(
    params=[((360, 640), 1.0), ((360, 640), 2.0), ((390, 844), "24px")], ids=["360-1.0", "360-2.0", "390-24px"]
)
def some_text_sizes(request, browser):
    page = large_text_page(browser, *request.param)
    yield page
    page.context.close()


def boxes(page, ids) -> dict:
    return page.evaluate(BOXES, list(ids))


def assert_on_screen(page, box: dict, what: str) -> None:
    """Fully inside the viewport."""
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    assert box["width"] > 0 and box["height"] > 0, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= vw + 0.5, f"{what} is off screen sideways: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= vh + 0.5, f"{what} is off screen: {box} (viewport {vw}x{vh})"


def assert_step_fits(page, lang: str, step: int) -> dict:
    """The step's name, the countdown and the four controls are on screen, the first two not under the controls."""
    seen = boxes(page, [TITLE, "countdown", ".timer-actions", *CONTROLS])
    for name in (TITLE, "countdown", *CONTROLS):
        assert_on_screen(page, seen[name], f"{name} ({lang}, step {step})")
    foot = seen[".timer-actions"]["y"]
    for name in (TITLE, "countdown"):
        assert seen[name]["y"] + seen[name]["height"] <= foot + 0.5, (
            f"{name} is under the controls ({lang}, step {step})"
        )
    return {name: seen[name] for name in CONTROLS}


# The 10-minute advice: its heading (or, where the box's own heading is for screen readers
# only, the status line's red "Over 10 minutes") and its first line of words, and the controls' top.
ADVICE = """() => {
  const box = document.getElementById('red-flag');
  const heading = box.querySelector('h2').getBoundingClientRect();
  const shown = heading.width > 1 ? heading : document.querySelector('.red-flag-jump').getBoundingClientRect();
  const words = box.querySelector('p').firstChild;
  const range = document.createRange();
  range.setStart(words, 0);
  range.setEnd(words, 1);
  const first = range.getBoundingClientRect();
  const foot = document.querySelector('.relief .timer-actions').getBoundingClientRect().top;
  const call = [...box.querySelectorAll('.call')].find((c) => c.offsetParent).getBoundingClientRect();
  const plain = devicePixelRatio === 1 && getComputedStyle(document.documentElement).fontSize === '16px';
  return {heading: {x: shown.x, y: shown.y, width: shown.width, height: shown.height}, first: first.top,
          firstEnd: first.bottom, foot, call: {x: call.x, y: call.y, width: call.width, height: call.height}, plain};
}"""


def assert_advice_seen(page, lang: str, step: int) -> None:
    """The 10-minute box begins on the first screen: a heading, and its first words above the controls."""
    seen = page.evaluate(ADVICE)
    assert_on_screen(page, seen["heading"], f"the 10-minute heading ({lang}, step {step})")
    assert seen["heading"]["y"] + seen["heading"]["height"] <= seen["foot"] + 0.5, (
        f"heading under the controls ({lang})"
    )
    assert seen["first"] >= 0 and seen["firstEnd"] <= seen["foot"] + 0.5, (
        f"the 10-minute advice's first words are not on screen ({lang}, step {step}): {seen}"
    )
    if seen["plain"]:  # at 100% text the whole box is on the first screen, its emergency call included
        assert_on_screen(page, seen["call"], f"the 10-minute advice's call ({lang}, step {step})")
        assert seen["call"]["y"] + seen["call"]["height"] <= seen["foot"] + 0.5, f"call under the controls ({lang})"


def test_the_night_flow_fits_one_screen(large_text, live_server):
    """Home's Cramp now, every relief step (running, paused, past 10 minutes with the advice begun), and /doctor's call."""
    page = large_text
    for lang in LANGS:
        page.goto(f"{live_server.url}/?lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        assert_on_screen(page, boxes(page, ["cramp-now"])["cramp-now"], f"Cramp now ({lang})")
        page.locator("#cramp-now").click()
        expect(page.get_by_role("timer")).to_be_visible()
        page.clock.run_for(100)
        assert page.evaluate("scrollY") == 0
        total = int(page.locator("#step-count").text_content().split()[-1])
        controls = assert_step_fits(page, lang, 1)
        page.locator("#pause").click()  # Pause becomes Resume: no box moves or changes size
        expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
        assert assert_step_fits(page, lang, 1) == controls, f"Pause and Resume differ ({lang})"
        page.locator("#pause").click()
        for alerting in (False, True):
            if alerting:
                page.clock.fast_forward("10:00")
                expect(page.get_by_role("alert")).to_be_visible()
                # advice.js brings the advice's first words into view (a module loaded during the cramp)
                wait_until(page, f"((seen) => seen.firstEnd <= seen.foot + 0.5)(({ADVICE})())")
            for step in range(1, total + 1):
                assert assert_step_fits(page, lang, step) == controls, f"a control moved ({lang}, step {step})"
                if alerting:
                    assert_advice_seen(page, lang, step)
                page.locator("#next").click()
        page.locator("#gone").click()
        expect(page.locator("#done")).to_be_visible()
        page.goto(f"{live_server.url}/doctor?lang={lang}")
        call = page.locator(".emergency-action .emergency-call:not([hidden]) .call")
        assert_on_screen(page, call.bounding_box(), f"the emergency call on /doctor ({lang})")


def test_the_offer_to_continue_is_seen_first_and_moves_nothing(some_text_sizes, live_server):
    """A Cramp now left minutes ago: the offer floats over the header, the controls stay where they are."""
    page = some_text_sizes
    page.goto(f"{live_server.url}/?lang=ru")
    page.locator("#cramp-now").click()
    page.clock.run_for(100)
    without = assert_step_fits(page, "ru", 1)
    page.locator("#gone").click()
    wait_until(page, f"{EPISODES}.then((l) => l.length === 1)")  # saved before the page goes
    page.goto(f"{live_server.url}/?lang=ru")
    page.evaluate(LEFT_OPEN)
    page.locator("#cramp-now").click()
    offer = page.locator("#continue")
    expect(offer).to_be_visible()
    page.clock.run_for(100)
    assert_on_screen(page, offer.bounding_box(), "the offer")
    controls = boxes(page, CONTROLS)
    assert controls == without
    assert offer.bounding_box()["y"] + offer.bounding_box()["height"] <= controls["back"]["y"]
    wait_until(page, f"{EPISODES}.then((l) => l.length === 2)")  # the first tap's, and the one left open
    page.clock.fast_forward("02:01")
    expect(offer).to_be_hidden()
    assert boxes(page, CONTROLS) == controls, "the offer went, and nothing moved"

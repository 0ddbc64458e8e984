"""Cramp now when the phone does something else: a call in the middle, no vibration, the tone on an iPhone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_until
from tests.browser.test_relief import START, current_title, tap_cramp_now

# Headless Chromium never hides a page, so a call (another app in front) is played by
# the page's visibility: the same property and event a phone's browser changes.
CALL = """
let hidden = false;
Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
window.__setHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
"""
# Every audio context the page makes (a real one, only counted).
CONTEXTS = """
window.__contexts = [];
const RealContext = window.AudioContext;
window.AudioContext = class extends RealContext {
  constructor(...args) { super(...args); window.__contexts.push(this); }
};
"""


@pytest.fixture
def relief(page, live_server):
    """Home with a paused clock, a page whose visibility the test controls, and its audio contexts counted."""
    page.add_init_script(CALL + CONTEXTS)
    page.clock.install(time="2026-11-22T02:59:00")
    page.goto(live_server.url + "/")
    page.clock.pause_at(START)
    return page


def away(page, seconds: float) -> None:
    """The person takes a call: the page is hidden for this long, then shown again."""
    page.evaluate("window.__setHidden(true)")
    page.clock.run_for(int(seconds * 1000))
    page.evaluate("window.__setHidden(false)")
    page.clock.run_for(300)


def test_back_from_a_call_the_step_left_carries_on(relief):
    tap_cramp_now(relief)
    relief.clock.run_for(10_000)
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    away(relief, 40)  # once the steps ran on: this would have been the standing step
    assert current_title(relief) == "Pull your toes up"
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    expect(relief.locator("#elapsed")).to_have_text("0:50")  # the cramp's own time does not stop
    expect(relief.locator("#pause")).to_have_attribute("aria-pressed", "false")
    relief.clock.run_for(5_000)
    expect(relief.get_by_role("timer")).to_have_text("0:15")


def test_a_reload_after_a_call_still_returns_to_the_step_left(relief):
    """A phone that discarded the hidden tab loads it again: the held step is stored too."""
    tap_cramp_now(relief)
    relief.clock.run_for(10_000)
    relief.evaluate("window.__setHidden(true)")
    relief.clock.run_for(60_000)
    relief.reload()
    expect(relief.get_by_role("timer")).to_be_visible()
    relief.clock.run_for(300)
    assert current_title(relief) == "Pull your toes up"
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    expect(relief.locator("#elapsed")).to_have_text("1:10")
    relief.clock.run_for(5_000)
    expect(relief.get_by_role("timer")).to_have_text("0:15")


def test_paused_before_the_call_stays_paused(relief):
    tap_cramp_now(relief)
    relief.clock.run_for(5_000)
    relief.get_by_role("button", name="Pause").click()
    away(relief, 30)
    expect(relief.locator("#pause")).to_have_attribute("aria-pressed", "true")
    expect(relief.get_by_role("timer")).to_have_text("0:25")


def test_back_after_more_than_5_minutes_offers_to_continue(relief):
    tap_cramp_now(relief)
    relief.clock.run_for(20_000)
    away(relief, 6 * 60)
    expect(relief.locator("#elapsed")).to_have_text("0:00")  # a new cramp, unless they say otherwise
    offer = relief.get_by_role("button", name="Continue the cramp from 6 minutes ago?")
    expect(offer).to_be_visible()
    wait_until(relief, "import('/static/js/store.js').then((s) => s.listEpisodes()).then((l) => l.length === 1)")
    offer.click()
    assert current_title(relief) == "Pull your toes up"  # the step left, 20 s into it
    expect(relief.get_by_role("timer")).to_have_text("0:10")
    expect(relief.locator("#elapsed")).to_have_text("6:20")
    expect(relief.get_by_role("alert")).to_be_hidden()
    wait_until(relief, "import('/static/js/store.js').then((s) => s.listEpisodes()).then((l) => l.length === 0)")


def test_with_sound_on_the_tone_starts_in_the_tap(relief):
    """WebKit plays a tone only from an audio context a tap started: it is made in the Cramp now tap."""
    relief.evaluate("localStorage.setItem('calmcalf.settings', JSON.stringify({sound: true}))")
    relief.reload()
    relief.get_by_role("button", name="Cramp now").click()
    assert relief.evaluate("window.__contexts.length") == 1  # before any step has changed
    wait_until(relief, "window.__contexts[0].state === 'running'")
    relief.clock.run_for(30_500)
    assert current_title(relief) == "Stand and lean"
    assert relief.evaluate("window.__contexts.map((c) => c.state)") == ["running"]


def test_sound_off_makes_no_audio_context(relief):
    tap_cramp_now(relief)
    relief.clock.run_for(30_500)
    assert relief.evaluate("window.__contexts.length") == 0


NO_VIBRATION = "delete Navigator.prototype.vibrate;"  # as on every iPhone


def test_a_phone_that_cannot_vibrate_is_told_once_and_offered_the_tone(page, live_server):
    page.add_init_script(NO_VIBRATION + CONTEXTS)
    page.clock.install(time="2026-11-22T02:59:00")
    page.goto(live_server.url + "/")
    tap_cramp_now(page)
    note = page.locator("#no-buzz")
    expect(note).to_be_visible()
    expect(note).to_contain_text("This phone cannot vibrate when the step changes.")
    box = note.bounding_box()
    gone = page.get_by_role("button", name="It's gone").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= gone["y"]  # seen, above the controls
    note.get_by_role("button", name="Play a soft tone instead").click()
    expect(note).to_be_hidden()
    expect(page.get_by_role("switch", name="Sound")).to_be_checked()
    wait_until(page, "window.__contexts.length === 1 && window.__contexts[0].state === 'running'")
    page.get_by_role("button", name="It's gone").click()
    # Remembered: the next cramp has the tone, and is not told again.
    page.goto(live_server.url + "/")
    tap_cramp_now(page)
    page.clock.run_for(1_000)
    expect(page.locator("#no-buzz")).to_be_hidden()
    expect(page.get_by_role("switch", name="Sound")).to_be_checked()


def test_the_no_vibration_note_is_said_once_even_if_not_answered(page, live_server):
    page.add_init_script(NO_VIBRATION)
    page.clock.install(time="2026-11-22T02:59:00")
    page.goto(live_server.url + "/")
    tap_cramp_now(page)
    expect(page.locator("#no-buzz")).to_be_visible()
    page.clock.run_for(61_000)
    expect(page.locator("#no-buzz")).to_be_hidden()  # it goes by itself
    page.get_by_role("button", name="It's gone").click()
    page.goto(live_server.url + "/")
    tap_cramp_now(page)
    expect(page.locator("#no-buzz")).to_be_hidden()
    expect(page.get_by_role("switch", name="Sound")).not_to_be_checked()


def test_a_phone_that_can_vibrate_is_not_told(relief):
    tap_cramp_now(relief)
    expect(relief.locator("#no-buzz")).to_be_hidden()

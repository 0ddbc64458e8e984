"""Every page and state passes axe-core, with big touch targets, 200% zoom and reduced motion."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.states import open_state

axe = Axe()


def assert_no_violations(page) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


STATES = [
    "home",
    "timer",
    "standing-step",
    "paused",
    "red-flag",
    "continue-offer",
    "done",
    "leg-check",
    "doctor",
    "not-found",
    "bedtime",
    "bedtime-running",
    "bedtime-done",
    "checklist",
    "diary",
    "diary-form",
    "diary-table",
    "diary-log",
    "diary-medicine",
    "report",
    "reminders",
]
EVERY_PAGE = [
    "home",
    "timer",
    "standing-step",
    "red-flag",
    "continue-offer",
    "done",
    "leg-check",
    "doctor",
    "bedtime",
    "bedtime-running",
    "checklist",
    "diary",
    "diary-form",
    "report",
    "reminders",
]


TARGETS = "button:visible, a:visible, label:visible:has(input)"


# In one call: every box measured in the page, not three round trips per element.
SMALL = """(targets) => targets
  // Links inside running text are exempt (WCAG 2.5.8 inline exception).
  .filter((el) => !(el.tagName === 'A' && el.closest('p, li')))
  .map((el) => [el.innerText, el.getBoundingClientRect()])
  .filter(([, box]) => box.height < 48 || box.width < 48)
  .map(([text, box]) => [text, box.width, box.height])"""


def small_targets(page) -> list:
    """Buttons, links and labelled inputs (visible, as Playwright sees it) smaller than 48 × 48 px."""
    return page.locator(TARGETS).evaluate_all(SMALL)


assert set(EVERY_PAGE) <= set(STATES)


@pytest.mark.parametrize("state", STATES)
def test_axe_finds_no_violations_and_touch_targets_are_at_least_48_px(page, live_server, state):
    """One look at each state: axe-core, and on every page a person taps, targets of at least 48 px."""
    page.clock.install()  # so "red-flag" can move time on
    open_state(page, live_server.url, state)
    small = small_targets(page) if state in EVERY_PAGE else []
    assert_no_violations(page)
    assert small == []


@pytest.mark.parametrize("state", EVERY_PAGE)
def test_readable_at_200_percent_zoom(browser, live_server, state):
    """200% zoom on a phone is a viewport half as wide in CSS pixels: nothing may scroll sideways."""
    context = browser.new_context(**{**PHONE, "viewport": {"width": 195, "height": 422}, "device_scale_factor": 2})
    try:
        page = context.new_page()
        page.clock.install()
        open_state(page, live_server.url, state)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('h1, h2, p, li, button, a, label')]
                .filter((el) => el.offsetParent && !el.closest('.visually-hidden') && el.getBoundingClientRect().width > 1
                         && el.scrollWidth > el.clientWidth + 1
                         && getComputedStyle(el).overflow !== 'visible')
                .map((el) => [el.tagName, el.className, el.textContent.trim().slice(0, 60), el.scrollWidth, el.clientWidth])"""
        )
        assert clipped == []
    finally:
        context.close()


def test_reduced_motion_turns_off_the_ring_animation(browser, live_server):
    context = browser.new_context(**PHONE, reduced_motion="reduce")
    try:
        page = context.new_page()
        open_state(page, live_server.url, "timer")
        duration = page.locator("#ring").evaluate("el => getComputedStyle(el).transitionDuration")
        assert float(duration.rstrip("s")) < 0.001
    finally:
        context.close()
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        open_state(page, live_server.url, "timer")
        assert page.locator("#ring").evaluate("el => getComputedStyle(el).transitionDuration") == "0.25s"
    finally:
        context.close()


def test_timer_progress_is_exposed_to_screen_readers(page, live_server):
    open_state(page, live_server.url, "timer")
    expect(page.get_by_role("timer", name="Time left in this step")).to_be_visible()
    live = page.locator("[aria-live='polite']#announcer")
    expect(live).to_contain_text("Step" if False else "Pull your toes up")


def test_the_timer_laid_out_ahead_is_hidden_from_people_and_assistive_tech(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#relief.ready-offstage", state="attached")
    assert_no_violations(page)
    # Not in the accessibility tree, not reachable by keyboard, not clickable.
    # Chromium's own accessibility tree (what a screen reader gets).
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    exposed = {
        node.get("name", {}).get("value")
        for node in tree
        if not node.get("ignored") and node.get("role", {}).get("value") in ("button", "timer", "switch")
    }
    assert "Cramp now" in exposed
    assert not exposed & {"It's gone", "Pause", "Next", "Time left in this step", "Sound"}
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("!document.activeElement.closest('#relief')")
    assert page.evaluate("document.elementFromPoint(195, 600).closest('#relief') === null")
    # The home screen cannot scroll into it.
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")

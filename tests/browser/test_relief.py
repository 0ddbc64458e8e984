"""Cramp now: one tap starts a guided relief timer that stays right however time passes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import phone, wait_until
from tests.test_translations import LOCALES

# Record every real wake lock and vibration the page asks for (the real APIs still run).
SPY = """
window.__wakeLocks = [];
window.__vibrations = [];
if (navigator.wakeLock) {
  const request = navigator.wakeLock.request.bind(navigator.wakeLock);
  navigator.wakeLock.request = async (type) => {
    const sentinel = await request(type);
    window.__wakeLocks.push(sentinel);
    return sentinel;
  };
}
const vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : () => true;
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return vibrate(pattern); };
"""

START = "2026-11-22T03:00:00"


@pytest.fixture
def relief(page, live_server):
    """The home page with a controllable clock, ready for a tap on Cramp now."""
    page.add_init_script(SPY)
    page.clock.install(time="2026-11-22T02:59:00")  # a minute of slack for a slow load
    page.goto(live_server.url + "/")
    page.clock.pause_at(START)  # time moves only when a test moves it
    return page


def tap_cramp_now(page, button=None):
    """Tap Cramp now (by its English name unless given the button) and let the timer's first frames run."""
    (button or page.get_by_role("button", name="Cramp now")).click()
    expect(page.get_by_role("timer")).to_be_visible()
    page.clock.run_for(100)  # the first frames: the app's after-paint bookkeeping runs


def current_title(page) -> str:
    return page.locator(".step.current .step-title").inner_text()


def test_one_tap_starts_the_first_step_at_once(relief):
    tap_cramp_now(relief)
    assert relief.url.endswith("/relief")
    assert current_title(relief) == "Pull your toes up"
    expect(relief.get_by_role("timer")).to_have_text("0:30")
    expect(relief.locator("#step-count")).to_have_text("Step 1 of 4")
    expect(relief.locator(".step.current svg")).to_be_visible()
    expect(relief.get_by_role("button", name="It's gone")).to_be_visible()
    expect(relief.locator("#home")).to_be_hidden()


def test_keyboard_focus_moves_into_the_timer_and_back_returns_home(relief):
    relief.get_by_role("button", name="Cramp now").focus()
    relief.keyboard.press("Enter")
    expect(relief.get_by_role("timer")).to_be_visible()
    relief.clock.run_for(300)
    assert relief.evaluate("document.activeElement.id") == "relief-title"
    relief.keyboard.press("Tab")
    assert relief.evaluate("!!document.activeElement.closest('#relief')")
    relief.go_back()
    expect(relief.get_by_role("button", name="Cramp now")).to_be_visible()
    assert relief.url.endswith("/")
    relief.clock.run_for(2000)
    relief.wait_for_selector("#relief.ready-offstage", state="attached")
    tap_cramp_now(relief)  # and a second tap starts afresh
    expect(relief.get_by_role("timer")).to_have_text("0:30")


def test_a_tap_on_home_before_the_timer_has_settled_does_nothing(relief):
    """For its first frame the timer is drawn over home, which is still in place: a second tap must land nowhere."""
    relief.clock.run_for(2000)  # the timer is laid out ahead in idle time
    relief.wait_for_selector("#relief.ready-offstage", state="attached")
    relief.get_by_role("button", name="Cramp now").click()
    # The clock is paused: the frame after the tap has not come, so home is still under the timer.
    relief.locator("#log-cramp").click()
    relief.clock.run_for(100)
    assert relief.url.endswith("/relief")
    expect(relief.locator("#home")).to_be_hidden()
    expect(relief.get_by_role("timer")).to_have_text("0:30")
    relief.get_by_role("button", name="Pause").click()  # and the timer takes taps once it has settled
    expect(relief.locator("#pause")).to_have_attribute("aria-pressed", "true")


def test_steps_follow_the_guidance_in_order_and_loop(relief):
    tap_cramp_now(relief)
    seen = [current_title(relief)]
    for seconds in (30, 30, 60, 60):
        relief.clock.run_for(seconds * 1000)
        seen.append(current_title(relief))
    assert seen == [
        "Pull your toes up",
        "Stand and lean",
        "Walk on your heels",
        "Rub the calf",
        "Pull your toes up",
    ]
    expect(relief.locator("#announcer")).to_contain_text("Once more from the start")


def test_timer_stays_right_when_time_jumps(relief):
    """A locked phone runs no timers; on waking, the display must match the wall clock."""
    tap_cramp_now(relief)
    # 95 s pass with no ticks at all, as behind a locked screen...
    relief.clock.set_system_time("2026-11-22T03:01:35")
    # ...then the page gets a single tick.
    relief.clock.run_for(300)
    assert current_title(relief) == "Walk on your heels"  # 60 s in: 35.3 s into a 60 s step
    expect(relief.get_by_role("timer")).to_have_text("0:25")  # 95.3 s in
    expect(relief.locator("#elapsed")).to_have_text("1:35")


def test_pause_freezes_the_countdown_and_resume_continues(relief):
    tap_cramp_now(relief)
    relief.clock.run_for(10_000)
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    relief.get_by_role("button", name="Pause").click()
    expect(relief.locator("#pause")).to_have_attribute("aria-pressed", "true")
    relief.clock.run_for(45_000)
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    assert current_title(relief) == "Pull your toes up"
    relief.get_by_role("button", name="Resume").click()
    relief.clock.run_for(5_000)
    expect(relief.get_by_role("timer")).to_have_text("0:15")


def test_next_and_back_move_between_steps(relief):
    tap_cramp_now(relief)
    relief.get_by_role("button", name="Next").click()
    assert current_title(relief) == "Stand and lean"
    expect(relief.get_by_role("timer")).to_have_text("0:30")
    relief.get_by_role("button", name="Back").click()
    assert current_title(relief) == "Pull your toes up"
    relief.clock.run_for(5_000)
    relief.get_by_role("button", name="Back").click()  # restarts the step it is in
    expect(relief.get_by_role("timer")).to_have_text("0:30")
    assert current_title(relief) == "Pull your toes up"


def test_cant_stand_up_swaps_in_the_sheet_pull_and_is_remembered(relief, live_server):
    tap_cramp_now(relief)
    relief.get_by_role("button", name="Next").click()
    relief.get_by_role("switch", name="I can't stand up").check()
    assert current_title(relief) == "Pull with a sheet"
    expect(relief.locator("#step-count")).to_have_text("Step 2 of 3")
    relief.get_by_role("button", name="Next").click()
    assert current_title(relief) == "Rub the calf"  # no walking on heels from bed
    relief.goto(live_server.url + "/")
    tap_cramp_now(relief)
    expect(relief.get_by_role("switch", name="I can't stand up")).to_be_checked()
    expect(relief.locator("#step-count")).to_have_text("Step 1 of 3")


def test_choosing_the_left_leg_mirrors_the_illustration(relief):
    tap_cramp_now(relief)
    svg = relief.locator(".step.current svg")
    assert svg.evaluate("el => getComputedStyle(el).transform") == "none"
    relief.get_by_role("radio", name="Left").check()
    assert svg.evaluate("el => getComputedStyle(el).transform").startswith("matrix(-1")


def test_a_screen_wake_lock_is_held_while_the_timer_runs(relief):
    tap_cramp_now(relief)
    relief.wait_for_function("() => window.__wakeLocks.length > 0")
    assert relief.evaluate("window.__wakeLocks.map((s) => [s.type, s.released])") == [["screen", False]]
    relief.get_by_role("button", name="It's gone").click()
    relief.wait_for_function("() => window.__wakeLocks.every((s) => s.released)")


def test_the_wake_lock_is_taken_again_when_the_page_is_visible_again(relief):
    tap_cramp_now(relief)
    relief.wait_for_function("() => window.__wakeLocks.length === 1")
    # Hiding a page releases its wake lock; coming back must ask again.
    relief.evaluate("window.__wakeLocks[0].release()")
    relief.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    relief.wait_for_function("() => window.__wakeLocks.length === 2")
    assert relief.evaluate("window.__wakeLocks[1].released") is False


def test_step_changes_vibrate_and_are_announced(relief):
    tap_cramp_now(relief)
    announcer = relief.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("Pull your toes up")
    assert relief.evaluate("window.__vibrations.length") == 0
    relief.clock.run_for(30_500)
    expect(announcer).to_contain_text("Stand and lean")
    expect(announcer).to_contain_text("30 seconds")
    assert relief.evaluate("window.__vibrations.length") == 1


def test_sound_and_voice_are_off_by_default_and_remembered(relief):
    tap_cramp_now(relief)
    sound = relief.get_by_role("switch", name="Sound")
    voice = relief.get_by_role("switch", name="Speak the steps")
    expect(sound).not_to_be_checked()
    expect(voice).not_to_be_checked()
    sound.check()
    relief.reload()
    expect(relief.get_by_role("switch", name="Sound")).to_be_checked()
    expect(relief.get_by_role("switch", name="Speak the steps")).not_to_be_checked()


def test_red_flag_advice_appears_at_ten_minutes(relief):
    tap_cramp_now(relief)
    alert = relief.get_by_role("alert")
    relief.clock.run_for(9 * 60_000 + 58_000)
    expect(alert).to_be_hidden()
    relief.clock.run_for(3_000)
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("urgent medical advice")
    expect(alert.get_by_role("link", name="When to see a doctor")).to_be_visible()


def test_a_reload_resumes_the_same_session(relief):
    tap_cramp_now(relief)
    relief.get_by_role("radio", name="Right").check()
    relief.clock.run_for(40_000)
    relief.reload()  # e.g. the phone discarded the tab while locked
    expect(relief.get_by_role("timer")).to_have_text("0:20")
    assert current_title(relief) == "Stand and lean"
    expect(relief.get_by_role("radio", name="Right")).to_be_checked()
    expect(relief.locator("#elapsed")).to_have_text("0:40")


EPISODES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('calmcalf');
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction('episodes').objectStore('episodes').getAll();
    all.onsuccess = () => resolve({version: db.version, episodes: all.result});
    all.onerror = () => reject(all.error);
  };
  open.onerror = () => reject(open.error);
})"""


def test_its_gone_records_the_episode_and_asks_how_bad(relief):
    tap_cramp_now(relief)
    relief.get_by_role("radio", name="Left").check()
    relief.clock.run_for(75_000)
    relief.get_by_role("button", name="It's gone").click()
    expect(relief.get_by_role("heading", name="Glad it has eased")).to_be_focused()
    expect(relief.locator("#done-duration")).to_have_text("It lasted 1 min 15 s.")
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 1)")
    stored = relief.evaluate(EPISODES)
    assert stored["version"] == 3
    (episode,) = stored["episodes"]
    assert episode["triggers"] == []  # none asked for: the chips below are optional
    assert episode["start"] == relief.evaluate(f"new Date('{START}').toISOString()")
    assert episode["durationSeconds"] == 75
    assert episode["leg"] == "left"
    assert episode["severity"] is None
    assert episode["source"] == "cramp-now"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", episode["end"])

    relief.get_by_role("button", name="6", exact=True).click()
    expect(relief.locator("#severity-saved")).to_have_text("Saved: 6 out of 10.")
    assert relief.evaluate(EPISODES)["episodes"][0]["severity"] == 6
    relief.get_by_role("button", name="7", exact=True).click()
    expect(relief.locator("#severity-saved")).to_have_text("Saved: 7 out of 10.")
    (episode,) = relief.evaluate(EPISODES)["episodes"]
    assert episode["severity"] == 7


def test_the_manifest_shortcut_opens_the_running_timer(page, live_server):
    page.goto(live_server.url + "/relief")
    expect(page.get_by_role("timer")).to_be_visible()
    expect(page.locator("#home")).to_be_hidden()
    assert current_title(page) == "Pull your toes up"


def test_cramp_now_button_is_big_and_within_thumb_reach(page, live_server):
    page.goto(live_server.url + "/")
    box = page.get_by_role("button", name="Cramp now").bounding_box()
    viewport = page.viewport_size
    assert box["height"] >= 96
    assert box["width"] >= viewport["width"] * 0.85
    assert box["y"] + box["height"] <= viewport["height"], "visible without scrolling"
    assert box["y"] >= viewport["height"] * 0.35, "in the lower part of the screen, near the thumb"
    # Nothing else on the home screen competes: it is the only button, and the
    # bedtime links sit quietly at the top, in smaller type.
    assert page.locator("#home button:visible").count() == 1
    button_size = page.get_by_role("button", name="Cramp now").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    for link in page.locator("#home a:visible").all():
        # The bedtime links sit above it; the report for a doctor (a daytime task) below, never pushing it down.
        above = link.bounding_box()["y"] < box["y"] - 100
        assert above or (
            link.get_attribute("href") == "/diary/report" and link.bounding_box()["y"] > box["y"] + box["height"]
        )
        assert link.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") < button_size / 2


# --- a new cramp is a new session ------------------------------------------------


def leave_without_its_gone(page, live_server, seconds: int) -> None:
    """Run the timer, then close it without "It's gone" (here: go to another page)."""
    tap_cramp_now(page)
    page.clock.run_for(seconds * 1000)
    page.goto(live_server.url + "/doctor")


def open_cramp_now(page, live_server, how: str) -> None:
    if how == "tap":
        page.goto(live_server.url + "/")
        tap_cramp_now(page)
    else:  # the home-screen shortcut
        page.goto(live_server.url + "/relief")
        expect(page.get_by_role("timer")).to_be_visible()
        page.clock.run_for(100)


@pytest.mark.parametrize("how", ["tap", "shortcut"])
def test_an_unended_session_15_minutes_old_is_not_resumed(relief, live_server, how):
    leave_without_its_gone(relief, live_server, 30)
    relief.clock.run_for(15 * 60_000 - 30_000)  # the next cramp, 15 minutes after the first began
    open_cramp_now(relief, live_server, how)
    expect(relief.locator("#elapsed")).to_have_text("0:00")
    expect(relief.get_by_role("timer")).to_have_text("0:30")
    assert current_title(relief) == "Pull your toes up"
    expect(relief.get_by_role("alert")).to_be_hidden()
    expect(relief.locator("#continue")).to_be_hidden()  # too long ago to be the same cramp
    # The first cramp is in the diary, but not as a 15-minute one: its length is unknown.
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 1)")
    (episode,) = relief.evaluate(EPISODES)["episodes"]
    assert episode["start"] == relief.evaluate(f"new Date('{START}').toISOString()")
    assert episode["durationSeconds"] is None and episode["end"] is None
    assert episode["source"] == "cramp-now"
    relief.clock.run_for(10 * 60_000 - 5_000)
    expect(relief.get_by_role("alert")).to_be_hidden()  # no false 10-minute advice
    relief.clock.run_for(10_000)
    expect(relief.get_by_role("alert")).to_be_visible()  # but a real 10 minutes still counts


@pytest.mark.parametrize("how", ["tap", "shortcut"])
def test_a_session_left_minutes_ago_is_offered_back(relief, live_server, how):
    leave_without_its_gone(relief, live_server, 120)
    relief.clock.run_for(60_000)
    open_cramp_now(relief, live_server, how)
    expect(relief.locator("#elapsed")).to_have_text("0:00")  # a fresh start, unless they choose
    offer = relief.get_by_role("button", name="Continue the cramp from 3 minutes ago?")
    expect(offer).to_be_visible()
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 1)")
    offer.click()
    expect(offer).to_be_hidden()
    expect(relief.locator("#elapsed")).to_have_text("3:00")
    # It is one cramp again: the entry made when it was closed is taken back.
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 0)")
    relief.get_by_role("button", name="It's gone").click()
    expect(relief.locator("#done-duration")).to_have_text("It lasted 3 min.")
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 1)")
    assert relief.evaluate(EPISODES)["episodes"][0]["durationSeconds"] == 180


def test_the_offer_to_continue_goes_away_by_itself(relief, live_server):
    leave_without_its_gone(relief, live_server, 20)
    open_cramp_now(relief, live_server, "tap")
    offer = relief.locator("#continue")
    expect(offer).to_be_visible()
    relief.clock.run_for(2 * 60_000 + 1_000)
    expect(offer).to_be_hidden()
    wait_until(relief, f"({EPISODES})().then((r) => r.episodes.length === 1)")


def test_a_slip_of_the_finger_is_not_kept(relief, live_server):
    leave_without_its_gone(relief, live_server, 3)
    relief.clock.run_for(20 * 60_000)
    open_cramp_now(relief, live_server, "tap")
    relief.clock.run_for(1_000)
    # Through the app's own store: a bare indexedDB.open would create an empty database.
    assert relief.evaluate("import('/static/js/store.js').then((s) => s.listEpisodes())") == []


# --- history ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["tap", "shortcut"])
def test_back_after_its_gone_shows_home(relief, live_server, how):
    open_cramp_now(relief, live_server, how)
    relief.clock.run_for(20_000)
    relief.get_by_role("button", name="It's gone").click()
    expect(relief.get_by_role("heading", name="Glad it has eased")).to_be_visible()
    relief.go_back()
    expect(relief.get_by_role("button", name="Cramp now")).to_be_visible()
    expect(relief.get_by_role("heading", name="Glad it has eased")).to_be_hidden()
    assert relief.url == live_server.url + "/"
    assert relief.title().startswith("Calf cramp relief")


# --- one small screen -----------------------------------------------------------------


CONTROLS = ("back", "pause", "next", "gone")  # ids: Back, Pause, Next, It's gone (in any language)


def assert_fits(page) -> dict[str, float]:
    """The step, the countdown and the four controls are fully on screen; returns the controls' tops."""
    height, width = page.viewport_size["height"], page.viewport_size["width"]
    tops = {}
    for name in CONTROLS:
        box = page.locator(f"#{name}").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{name} is off screen ({box})"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        tops[name] = box["y"]
    for locator in (page.get_by_role("timer"), page.locator(".step.current .step-title")):
        box = locator.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height
    return tops


# Spanish and Russian words are longer: the longest step, the controls and the 10-minute advice fit too.
@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("cant_stand", [False, True])
def test_the_relief_screen_fits_a_360_by_640_phone(browser, live_server, cant_stand, lang):
    context = phone(browser, lang, viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.clock.install(time="2026-11-22T02:59:00")
        page.goto(live_server.url + "/")
        assert page.evaluate("document.documentElement.lang") == lang
        tap_cramp_now(page, page.locator("#cramp-now"))
        if cant_stand:
            page.locator("#cant-stand").check()
            page.evaluate("scrollTo(0, 0)")
        total = page.locator("#step-count").inner_text().split()[-1]
        for alerting in (False, True):
            if alerting:
                page.clock.run_for(10 * 60_000)
                expect(page.get_by_role("alert")).to_be_visible()
            seen = []
            for _ in range(int(total)):
                seen.append(assert_fits(page))
                if alerting:
                    alert = page.get_by_role("alert").bounding_box()
                    assert alert["y"] + alert["height"] <= 640
                page.locator("#next").click()
            assert all(tops == seen[0] for tops in seen), "the controls stay put from step to step"
        # The options are one short scroll away.
        switch = page.locator("#cant-stand").bounding_box()
        assert switch["y"] + switch["height"] <= 640 * 1.5
    finally:
        context.close()


def test_the_controls_sit_at_the_foot_and_the_options_one_short_scroll_below_on_a_390_by_844_phone(relief):
    """The first screen is the timer, its controls at the thumb; the options follow it."""
    tap_cramp_now(relief)
    gone = relief.get_by_role("button", name="It's gone").bounding_box()
    assert 844 - 24 <= gone["y"] + gone["height"] <= 844
    for name in ("I can't stand up", "Sound"):
        box = relief.get_by_role("switch", name=name).bounding_box()
        assert 844 < box["y"] + box["height"] <= 844 * 1.5
    for name in ("Left", "Right"):
        box = relief.get_by_role("radio", name=name).bounding_box()
        assert box["y"] + box["height"] <= 844 * 1.5


def test_the_chosen_leg_is_remembered(relief, live_server):
    tap_cramp_now(relief)
    relief.get_by_role("radio", name="Left").check()
    relief.get_by_role("button", name="It's gone").click()
    relief.goto(live_server.url + "/")
    tap_cramp_now(relief)
    expect(relief.get_by_role("radio", name="Left")).to_be_checked()


def test_paused_looks_paused(relief):
    tap_cramp_now(relief)
    label = relief.locator(".dial-paused")
    expect(label).to_be_hidden()
    ring = relief.locator("#ring")
    running_colour = ring.evaluate("el => getComputedStyle(el).stroke")
    relief.get_by_role("button", name="Pause").click()
    expect(label).to_be_visible()
    expect(label).to_have_text("Paused")
    assert ring.evaluate("el => getComputedStyle(el).stroke") != running_colour
    relief.get_by_role("button", name="Resume").click()
    expect(label).to_be_hidden()


def test_sources_are_below_the_controls(relief):
    tap_cramp_now(relief)
    gone = relief.get_by_role("button", name="It's gone").bounding_box()
    links = relief.locator("#relief a[href^='http']:visible")
    assert links.count() > 0
    for link in links.all():
        assert link.bounding_box()["y"] > gone["y"] + gone["height"] + 100
    expect(relief.locator("#relief .steps .source").first).to_be_hidden()


def test_a_source_link_tapped_offline_says_it_needs_a_connection(offline_page, live_server):
    page = offline_page
    page.goto(live_server.url + "/relief")
    expect(page.get_by_role("timer")).to_be_visible()
    link = page.locator(".step-sources a[href^='https://']").first
    link.scroll_into_view_if_needed()
    link.click()
    note = page.locator(".step-sources .offline-note").first
    expect(note).to_have_text(" (This source needs an internet connection.)")
    assert page.url == live_server.url + "/relief"
    expect(page.get_by_role("timer")).to_be_visible()

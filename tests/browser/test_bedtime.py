"""Bedtime: the routine, tonight's checklist (noon to noon), and both working offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import phone, start_server, wait_for_offline_ready, wait_until
from tests.test_translations import LOCALES

STORE = "import('/static/js/store.js')"


def stored_ticks(page, night: str) -> dict:
    return page.evaluate(f"{STORE}.then((s) => s.getChecklist({night!r})).then((r) => r.ticks)")


@pytest.fixture
def offline(offline_page):
    """One visit, then no network."""
    return offline_page


@pytest.mark.parametrize(
    ("link", "heading"),
    [("Bedtime routine", "Bedtime routine"), ("Checklist", "Tonight's checklist"), ("Diary", "Cramp diary")],
)
def test_home_links_lead_to_the_bedtime_pages_offline(offline, live_server, link, heading):
    offline.goto(live_server.url + "/")
    offline.get_by_role("link", name=link, exact=True).click()
    expect(offline.get_by_role("heading", name=heading, level=1)).to_be_visible()


def test_the_routine_runs_to_the_end_offline_and_ticks_tonight(offline, live_server):
    offline.clock.install(time="2026-11-21T21:30:00")
    offline.goto(live_server.url + "/bedtime")
    offline.clock.pause_at("2026-11-21T21:30:05")
    offline.get_by_role("button", name="Start").click()
    expect(offline.get_by_role("timer")).to_have_text("0:10")
    expect(offline.locator(".step.current .step-title")).to_have_text("Calf stretch at a wall: Right leg")
    expect(offline.locator("#step-count")).to_have_text("Step 1 of 24")
    expect(offline.locator("#announcer")).to_contain_text("Get ready")
    offline.clock.run_for(10_500)
    expect(offline.locator(".step.current .step-text")).to_contain_text("Hold.")
    expect(offline.locator("#announcer")).to_contain_text("moderate pull")
    # A left-leg block mirrors the drawing.
    offline.clock.run_for(50_000)
    expect(offline.locator(".step.current .step-title")).to_have_text("Calf stretch at a wall: Left leg")
    expect(offline.locator("#routine")).to_have_class("page bedtime leg-left")
    offline.clock.run_for(4 * 60_000)
    expect(offline.get_by_role("heading", name="Well done. Sleep well.")).to_be_visible()
    wait_until(offline, f"{STORE}.then((s) => s.getChecklist('2026-11-21')).then((r) => !!r.ticks.stretch)")
    offline.goto(live_server.url + "/checklist")
    expect(offline.get_by_role("checkbox", name="Did the stretch routine")).to_be_checked()


# The countdown, the controls and Stop, while the person stretches: by ids, in every language.
ON_SCREEN = ("countdown", "back", "pause", "next", "routine-stop")


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("seated", [False, True])
def test_every_step_of_the_routine_fits_a_360_by_640_phone(browser, live_server, lang, seated):
    context = phone(browser, lang, viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.clock.install(time="2026-11-21T21:30:00")
        page.goto(live_server.url + "/bedtime")
        assert page.evaluate("document.documentElement.lang") == lang
        if seated:
            page.locator("#seated").check()
        page.locator("#routine-start").click()
        expect(page.locator("#countdown")).to_be_visible()
        shown = 0
        while not page.locator("#routine-done").is_visible():
            shown += 1
            assert shown <= 60, "the routine ends"
            for name in ON_SCREEN:
                box = page.locator(f"#{name}").bounding_box()
                assert box["y"] >= 0 and box["y"] + box["height"] <= 640, f"step {shown}: {name} off screen ({box})"
            title = page.locator("#routine-player .step.current .step-title").bounding_box()
            assert title["y"] >= 0 and title["y"] + title["height"] <= 640, f"step {shown}: title off screen"
            page.locator("#next").click()
        assert shown >= 12, "every step was looked at"
    finally:
        context.close()


def test_the_seated_version_is_for_people_who_cannot_stand(page, live_server):
    page.goto(live_server.url + "/bedtime")
    page.get_by_role("switch", name="I can't stand safely: do it sitting down").check()
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".step.current .step-title")).to_have_text("Seated calf stretch: Right leg")
    expect(page.locator(".illus:not([hidden]) svg")).to_be_visible()
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Start")).to_be_focused()
    page.reload()
    expect(page.get_by_role("switch", name="I can't stand safely: do it sitting down")).to_be_checked()


def test_the_routine_uses_the_same_timer_as_cramp_now(page, live_server):
    """One implementation: the same player module, with its wake lock and controls."""
    page.goto(live_server.url + "/bedtime")
    scripts = page.evaluate("[...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href)")
    assert any(s.endswith("/js/player.js") for s in scripts)
    page.clock.install()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".step.current .step-text")).to_contain_text("Hold.")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")


def test_stopping_early_does_not_tick_the_routine(page, live_server):
    page.goto(live_server.url + "/bedtime")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Stop").click()
    page.goto(live_server.url + "/checklist")
    page.wait_for_selector("#checklist[data-ready]")
    expect(page.get_by_role("checkbox", name="Did the stretch routine")).not_to_be_checked()


def test_checklist_ticks_survive_a_reload(page, live_server):
    page.goto(live_server.url + "/checklist")
    page.wait_for_selector("#checklist[data-ready]")
    page.get_by_role("checkbox", name="Loosened the sheets at the foot of the bed").check()
    page.get_by_role("checkbox", name="Drank enough during the day").check()
    page.get_by_role("checkbox", name="Drank enough during the day").uncheck()
    page.wait_for_selector("#checklist[data-saving='0']")
    page.reload()
    page.wait_for_selector("#checklist[data-ready]")
    expect(page.get_by_role("checkbox", name="Loosened the sheets at the foot of the bed")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Drank enough during the day")).not_to_be_checked()


def test_why_shows_the_reason_and_its_source(page, live_server):
    page.goto(live_server.url + "/checklist")
    why = page.locator(".check-item").filter(has_text="Loosened the sheets").locator("details")
    expect(why.get_by_text("Tight sheets push the toes down")).to_be_hidden()
    why.locator("summary").click()
    expect(why.get_by_text("Tight sheets push the toes down")).to_be_visible()
    expect(why.get_by_text("May help")).to_be_visible()
    expect(why.get_by_text("Mayo Clinic")).to_be_visible()
    # Magnesium is shown as "no benefit shown", never as something to tick.
    expect(page.get_by_text("No benefit shown")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Magnesium")).to_have_count(0)


@pytest.mark.parametrize(
    ("moment", "night"),
    [
        ("2026-11-21T23:59:00", "2026-11-21"),
        ("2026-11-22T00:30:00", "2026-11-21"),  # after midnight: still the evening before
        ("2026-11-22T11:59:00", "2026-11-21"),
        ("2026-11-22T12:00:00", "2026-11-22"),  # noon starts the next night
    ],
)
def test_a_night_runs_from_noon_to_noon(page, live_server, moment, night):
    page.clock.install(time=moment)
    page.goto(live_server.url + "/checklist")
    page.wait_for_selector("#checklist[data-ready]")
    page.get_by_role("checkbox", name="Kept alcohol and caffeine low this evening").check()
    wait_until(page, f"{STORE}.then((s) => s.getChecklist({night!r})).then((r) => !!r.ticks['alcohol-caffeine'])")
    assert page.evaluate(f"{STORE}.then((s) => s.listChecklist()).then((all) => all.map((r) => r.night))") == [night]


def test_the_night_rule_holds_across_daylight_saving(browser, live_server):
    # 25 Oct 2026 01:30 happens twice in London; both are still the night of the 24th.
    context = browser.new_context(timezone_id="Europe/London")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/checklist")
        nights = page.evaluate(
            """import('/static/js/nights.js').then((s) => [
              '2026-10-25T00:30:00+01:00', '2026-10-25T01:30:00+01:00', '2026-10-25T01:30:00+00:00',
              '2026-10-25T11:59:00+00:00', '2026-10-25T12:00:00+00:00', '2026-03-29T00:30:00+00:00',
            ].map((t) => s.nightOf(new Date(t))))"""
        )
        assert nights == ["2026-10-24"] * 4 + ["2026-10-25", "2026-03-28"]
    finally:
        context.close()


def test_a_gentle_streak_counts_routine_nights_in_a_row(page, live_server):
    page.clock.install(time="2026-11-22T20:00:00")
    page.goto(live_server.url + "/checklist")
    page.wait_for_selector("#checklist[data-ready]")
    expect(page.locator("#streak")).to_have_text("Every night is a fresh start.")
    page.evaluate(
        f"""{STORE}.then(async (s) => {{
          for (const night of ['2026-11-19', '2026-11-20', '2026-11-21']) await s.setTick(night, 'stretch', true);
          await s.setTick('2026-11-17', 'stretch', true);
        }})"""
    )
    page.reload()
    expect(page.locator("#streak")).to_have_text("Stretch routine: 3 nights in a row. Nice.")
    page.get_by_role("checkbox", name="Did the stretch routine").check()
    expect(page.locator("#streak")).to_have_text("Stretch routine: 4 nights in a row. Nice.")


def test_ticks_and_episodes_survive_a_service_worker_update(page):
    server = start_server()
    try:
        page.goto(server.url + "/checklist")
        wait_for_offline_ready(page)
        page.wait_for_selector("#checklist[data-ready]")
        page.get_by_role("checkbox", name="Did the stretch routine").check()
        page.evaluate(f"{STORE}.then((s) => s.addEpisode({{ start: new Date().toISOString(), source: 'manual' }}))")
        server.app.config["ASSET_VERSION"] = "release-2"
        page.reload()
        page.get_by_role("button", name="Update").click()
        wait_until(page, "caches.keys().then((k) => k.length === 1 && k[0].endsWith('release-2'))")
        page.wait_for_selector("#checklist[data-ready]")
        expect(page.get_by_role("checkbox", name="Did the stretch routine")).to_be_checked()
        assert page.evaluate(f"{STORE}.then((s) => s.listEpisodes()).then((e) => e.length)") == 1
    finally:
        server.stop()

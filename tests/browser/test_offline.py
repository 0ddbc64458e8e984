"""Installable and offline: after one visit, every page opens and Cramp now runs with no network."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from app.web.pages import OFFLINE_PAGES
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_for_offline_ready

HEADINGS = {
    "/": "Calf cramp?",
    "/relief": "Pull your toes up",
    "/doctor": "When to see a doctor",
    "/bedtime": "Bedtime routine",
    "/checklist": "Tonight's checklist",
    "/diary": "Cramp diary",
    "/diary/report": "Night cramps: report for your doctor",
    "/reminders": "Evening reminders",
}


def test_no_installability_errors(playwright_instance, live_server, tmp_path):
    # An incognito context always reports "in-incognito", so use a real profile.
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, **PHONE
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_offline_ready(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        assert manifest["url"].endswith("/manifest.webmanifest?lang=en")  # the manifest in the page's language
    finally:
        context.close()


def test_install_button_appears_when_the_browser_offers_installation(playwright_instance, live_server, tmp_path):
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        # Chromium offers installation only after some use; skip that wait.
        args=[*CHROMIUM_ARGS, "--bypass-app-banner-engagement-checks"],
        **PHONE,
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_offline_ready(page)
        page.reload()
        expect(page.get_by_role("button", name="Install Calm Calf")).to_be_visible(timeout=10000)
        expect(page.get_by_text("Add to Home Screen")).to_be_hidden()
    finally:
        context.close()


# The browser's offer, as Chromium fires it once the page is installable: here at DOMContentLoaded,
# before the load event after which install.js is loaded.
EARLY_OFFER = """
window.__prompted = 0;
document.addEventListener('DOMContentLoaded', () => {
  const offer = new Event('beforeinstallprompt', { cancelable: true });
  offer.prompt = () => { window.__prompted += 1; };
  offer.userChoice = Promise.resolve({ outcome: 'accepted' });
  window.dispatchEvent(offer);
  window.__offerCancelled = offer.defaultPrevented;
});
"""


def test_an_install_offer_before_the_page_has_loaded_is_kept(page, live_server):
    page.add_init_script(EARLY_OFFER)
    page.goto(live_server.url + "/")
    button = page.get_by_role("button", name="Install Calm Calf")
    expect(button).to_be_visible()
    assert page.evaluate("window.__offerCancelled"), "the browser's own banner is held back"
    button.click()
    expect(button).to_be_hidden()
    assert page.evaluate("window.__prompted") == 1
    # A page without our button leaves the offer to the browser.
    page.goto(live_server.url + "/doctor")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__offerCancelled") is False


def test_no_install_button_without_the_browsers_offer(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_offline_ready(page)
    page.wait_for_timeout(500)
    expect(page.get_by_role("button", name="Install Calm Calf")).to_be_hidden()


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_ios_gets_add_to_home_screen_instructions(browser, live_server):
    context = browser.new_context(**PHONE, user_agent=IPHONE_SAFARI)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.get_by_text("tap Share, then “Add to Home Screen”")).to_be_visible()
        expect(page.get_by_role("button", name="Install Calm Calf")).to_be_hidden()
    finally:
        context.close()


def test_every_page_loads_offline(offline_page, live_server):
    """One visit cached the app; then each page, one after another with no network, comes from the worker."""
    assert set(HEADINGS) == set(OFFLINE_PAGES)
    failed = {}
    for path in OFFLINE_PAGES:
        response = offline_page.goto(live_server.url + path)
        heading = offline_page.get_by_role("heading", name=HEADINGS[path]).first
        try:
            heading.wait_for(state="visible", timeout=5000)
            shown = True
        except PlaywrightTimeoutError:
            shown = False
        # The stylesheet came from the cache too: the night palette, not a white page.
        background = offline_page.evaluate("getComputedStyle(document.body).backgroundColor")
        served = response is not None and response.ok and response.from_service_worker
        if not (served and shown and background == "rgb(20, 9, 9)"):
            failed[path] = {"ok from the worker": served, "heading shown": shown, "background": background}
    assert failed == {}


def test_cramp_now_runs_offline(offline_page, live_server):
    offline_page.goto(live_server.url + "/")
    offline_page.get_by_role("button", name="Cramp now").click()
    timer = offline_page.get_by_role("timer")
    expect(timer).to_have_text("0:30")
    expect(timer).to_have_text("0:29", timeout=3000)
    offline_page.get_by_role("button", name="It's gone").click()
    expect(offline_page.get_by_role("heading", name="Glad it has eased")).to_be_visible()
    expect(offline_page.locator("#done-stored")).to_have_text("Saved on this device.")


def test_an_unknown_page_offline_falls_back_to_the_app(offline_page, live_server):
    offline_page.goto(live_server.url + "/never-cached")
    expect(offline_page.get_by_role("button", name="Cramp now")).to_be_visible()


def test_no_white_flash_the_first_paint_is_dark(page, live_server):
    """The canvas is dark even without the stylesheet (the color-scheme meta)."""
    page.route("**/static/*/css/app.css", lambda route: route.abort())
    page.goto(live_server.url + "/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgba(0, 0, 0, 0)"
    canvas = page.screenshot(clip={"x": 0, "y": 0, "width": 10, "height": 10})
    from io import BytesIO

    from PIL import Image

    red, green, blue, *_ = Image.open(BytesIO(canvas)).getpixel((5, 5))
    assert max(red, green, blue) < 60

"""WebKit smoke suite (Safari's engine): WebKitGTK's MiniBrowser through WebKitWebDriver and Selenium.

MiniBrowser's window is at least about 334 px wide with its toolbar; in full-screen mode
(no toolbar) it is a real 360x640 viewport, checked by innerWidth. A larger text size is
WebKit's own default-font-size setting (24 px), given in MiniBrowser's --config file.
The page's clock is moved on by a script the test adds after each load (WebDriver has
no clock), as a locked phone's time would jump.
"""

from __future__ import annotations

import os
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.support.wait import WebDriverWait
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

from tests.browser.conftest import start_server
from tests.engines.conftest import minibrowser, require
from tests.test_translations import LOCALES

DRIVER = os.environ.get("CALMCALF_TEST_WEBKITDRIVER", "/usr/bin/WebKitWebDriver")
SKIP = """(() => {
  if (window.__skip) return;
  const now = Date.now.bind(Date);
  let skew = 0;
  Date.now = () => now() + skew;
  window.__skip = (ms) => { skew += ms; };
})();"""
CONTROLS = ("back", "pause", "next", "gone")


def launch(display: str, *args: str) -> webdriver.Remote:
    """MiniBrowser in full-screen mode at 360x640, through WebKitWebDriver (both given by path)."""
    browser = minibrowser()
    require(os.path.exists(DRIVER) and browser is not None, "WebKitWebDriver or MiniBrowser is missing")
    options = Options()
    options.binary_location = browser
    for arg in ("--automation", "--full-screen", *args):
        options.add_argument(arg)
    service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": display})
    service.start()
    connection = RemoteConnection(client_config=ClientConfig(remote_server_addr=service.service_url))
    driver = webdriver.Remote(command_executor=connection, options=options)
    driver.quit = quitting(driver.quit, service)
    driver.set_window_rect(width=360, height=640)
    return driver


def quitting(quit, service: Service):
    """quit() that also ends the WebKitWebDriver process started for this browser."""

    def quit_both() -> None:
        try:
            quit()
        finally:
            service.stop()

    return quit_both


@pytest.fixture(scope="module")
def webkit(xvfb):
    driver = launch(xvfb)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def webkit_24px(xvfb, tmp_path_factory):
    """The same, with WebKit's default font size at 24 px."""
    config = tmp_path_factory.mktemp("minibrowser") / "settings.ini"
    config.write_text("[websettings]\ndefault-font-size=24\n")
    driver = launch(xvfb, f"--config={config}")
    yield driver
    driver.quit()


def until(driver, script: str, timeout: float = 20):
    """Poll a script (a `return …` expression, awaited if a Promise) until it is truthy."""
    wrapped = f"const done = arguments[arguments.length - 1]; Promise.resolve((() => {{ {script} }})()).then(done, () => done(null));"
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_async_script(wrapped))


def load(driver, url: str) -> None:
    """Open a page (cookies are shared by every port of 127.0.0.1: ask for English where English is checked)."""
    driver.get(url)
    until(driver, "return document.readyState === 'complete'")
    driver.execute_script(SKIP)


def tap(driver, selector: str) -> None:
    """A real tap at the element's centre, scrolled to first as a person would (the timer laid out
    ahead over home takes no taps, but WebDriver's element click sees it there and calls the
    button obscured)."""
    box = driver.execute_script(
        "const e = document.querySelector(arguments[0]); e.scrollIntoView({ block: 'nearest' });"
        " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];",
        selector,
    )
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(box[0]), int(box[1])).click()
    actions.perform()


def test_a_real_360_by_640_viewport(webkit, server):
    load(webkit, server.url + "/")
    assert webkit.execute_script("return [innerWidth, innerHeight]") == [360, 640]


def test_first_load_caches_the_app_and_a_reload_works_with_the_server_stopped(webkit):
    own = start_server()
    try:
        load(webkit, own.url + "/?lang=en")
        until(
            webkit,
            """return navigator.serviceWorker.ready.then(() => caches.keys()).then((names) =>
            !!navigator.serviceWorker.controller && names.some((n) => n.startsWith('calmcalf-static-')))""",
            60,
        )
    finally:
        own.stop()
    webkit.refresh()
    until(webkit, "return document.getElementById('cramp-now')?.textContent === 'Cramp now'")
    load(webkit, own.url + "/relief")
    until(webkit, "return document.querySelector('.step.current .step-title').textContent === 'Pull your toes up'")


def test_cramp_now_its_gone_and_the_diary(webkit, server):
    load(webkit, server.url + "/?lang=en")
    tap(webkit, "#cramp-now")
    until(webkit, "return location.pathname === '/relief' && !document.getElementById('relief').hidden")
    webkit.execute_script("window.__skip(75000)")
    until(webkit, "return document.querySelector('.step.current').dataset.step === 'heel-walk'")
    tap(webkit, "#gone")
    until(webkit, r"return /^It lasted 1 min 1[5-9] s\.$/.test(document.getElementById('done-duration').textContent)")
    tap(webkit, 'button[data-severity="4"]')
    until(webkit, "return document.getElementById('severity-saved').textContent === 'Saved: 4 out of 10.'")
    load(webkit, server.url + "/diary")
    until(webkit, "return document.getElementById('diary').dataset.ready === 'true'")
    items = webkit.find_elements(By.CSS_SELECTOR, "#episode-list li")
    assert len(items) == 1 and "1 min 1" in items[0].text


def test_the_bedtime_routine_ticks_tonights_checklist(webkit, server):
    load(webkit, server.url + "/bedtime?lang=en")
    tap(webkit, "#routine-start")
    until(webkit, "return !document.getElementById('routine-player').hidden")
    webkit.execute_script("window.__skip(10 * 60000)")
    until(webkit, "return document.getElementById('routine').dataset.nightDone")
    load(webkit, server.url + "/checklist")
    until(webkit, "return document.getElementById('checklist').dataset.ready === 'true'")
    assert webkit.execute_script("return document.querySelector('input[name=\"stretch\"]').checked") is True


def test_the_language_menu_switches_to_spanish_and_russian(webkit, server):
    load(webkit, server.url + "/?lang=en")
    for lang, button in (("es", "Tengo un calambre"), ("ru", "Свело ногу")):
        tap(webkit, "#languages summary")
        until(
            webkit, f"return document.querySelector('#languages a[data-lang=\"{lang}\"]').getClientRects().length > 0"
        )
        tap(webkit, f'#languages a[data-lang="{lang}"]')
        until(webkit, f"return document.documentElement.lang === '{lang}' && document.readyState === 'complete'")
        assert webkit.find_element(By.ID, "cramp-now").text == button


def test_reminders_say_plainly_that_this_browser_has_no_web_push(webkit, server):
    load(webkit, server.url + "/reminders?lang=en")
    until(webkit, "return document.getElementById('reminders').dataset.ready === 'true'")
    assert webkit.execute_script("return 'PushManager' in window") is False  # WebKitGTK has no push service
    problem = webkit.find_element(By.ID, "push-problem")
    assert problem.text.startswith("This browser cannot receive reminders (it has no web push).")
    assert not webkit.find_element(By.ID, "reminder-on").is_enabled()


def test_with_sound_on_the_tone_is_running_after_the_first_step_change(webkit, server):
    """WebKit lets an audio context play only if a tap started it (as on every iPhone)."""
    load(webkit, server.url + "/")
    webkit.execute_script("localStorage.setItem('calmcalf.settings', JSON.stringify({sound: true}))")
    load(webkit, server.url + "/")
    webkit.execute_script(
        """window.__contexts = []; const Real = window.AudioContext;
        window.AudioContext = class extends Real { constructor(...a) { super(...a); window.__contexts.push(this); } };"""
    )
    tap(webkit, "#cramp-now")
    # The first step changes by itself 30 s in: long after the tap's few seconds of grace.
    time.sleep(6)
    webkit.execute_script("window.__skip(30000)")
    until(webkit, "return document.querySelector('.step.current').dataset.step === 'stand-lean'")
    assert webkit.execute_script("return window.__contexts.map((c) => c.state)") == ["running"]


@pytest.mark.parametrize("lang", LOCALES)
def test_at_a_24_px_font_the_step_and_the_controls_fit_and_stay_put(webkit_24px, server, lang):
    driver = webkit_24px
    load(driver, f"{server.url}/?lang={lang}")
    assert driver.execute_script("return [innerWidth, getComputedStyle(document.documentElement).fontSize]") == [
        360,
        "24px",
    ]
    home = driver.execute_script("return document.getElementById('cramp-now').getBoundingClientRect().toJSON()")
    assert home["top"] >= 0 and home["bottom"] <= 640
    tap(driver, "#cramp-now")
    until(driver, "return !document.getElementById('relief').hidden && scrollY === 0")
    measure = """const box = (el) => el.getBoundingClientRect().toJSON();
      return {title: box(document.querySelector('.step.current .step-title')), countdown: box(document.getElementById('countdown')),
              foot: box(document.querySelector('.timer-actions')).top,
              controls: Object.fromEntries(arguments[0].map((id) => [id, box(document.getElementById(id))]))};"""
    first = driver.execute_script(measure, list(CONTROLS))
    for step in range(1, 5):
        seen = driver.execute_script(measure, list(CONTROLS))
        for name in ("title", "countdown"):
            assert seen[name]["top"] >= 0 and seen[name]["bottom"] <= seen["foot"] + 0.5, (lang, step, name, seen)
        for box in seen["controls"].values():
            assert box["top"] >= 0 and box["bottom"] <= 640.5, (lang, step, seen)
        assert seen["controls"] == first["controls"], (lang, step)
        tap(driver, "#next")
    tap(driver, "#pause")
    until(driver, "return document.getElementById('pause').getAttribute('aria-pressed') === 'true'")
    assert driver.execute_script(measure, list(CONTROLS))["controls"] == first["controls"]
    tap(driver, "#gone")

"""A new app version waits until the person taps "Update", then the page reloads once."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_offline_ready, wait_until
from tests.browser.test_accessibility import assert_no_violations


def cache_names(page) -> list[str]:
    return page.evaluate("caches.keys()")


def test_update_prompt_appears_for_a_new_version_and_reloads_once(page, server):
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    banner = page.get_by_text("An update is available.")
    expect(banner).to_be_hidden()
    (old_cache,) = cache_names(page)

    server.app.config["ASSET_VERSION"] = "release-2"  # a new deploy
    page.reload()  # the browser checks for a new worker on navigation
    expect(banner).to_be_visible(timeout=15000)
    # The new version waits: the page still runs on the old one until asked.
    assert old_cache in cache_names(page)

    loads = []
    page.on("load", lambda _: loads.append(page.url))
    page.get_by_role("button", name="Update").click()
    expect(banner).to_be_hidden(timeout=15000)
    wait_until(
        page,
        "caches.keys().then((k) => !!navigator.serviceWorker.controller && k.length === 1 && k[0].endsWith('release-2'))",
    )
    page.wait_for_timeout(1000)
    assert len(loads) == 1, "reloaded exactly once"
    assert cache_names(page) == ["calmcalf-static-release-2"]


def test_first_visit_does_not_offer_an_update_or_reload(page, server):
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    page.wait_for_timeout(500)
    expect(page.get_by_text("An update is available.")).to_be_hidden()
    assert len(loads) == 1


def test_a_new_version_arriving_after_first_paint_moves_nothing(page, server):
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    server.app.config["ASSET_VERSION"] = "release-3"
    page.reload()
    cramp_now = page.get_by_role("button", name="Cramp now")
    before = cramp_now.bounding_box()
    banner = page.get_by_text("An update is available.")
    expect(banner).to_be_visible(timeout=15000)
    assert cramp_now.bounding_box() == before
    assert_no_violations(page)
    # It floats over the header, clear of the button, and can be put off.
    assert page.locator("#update-inner").bounding_box()["y"] + 100 < before["y"]
    page.get_by_role("button", name="Not now").click()
    expect(banner).to_be_hidden()


def test_the_update_offer_waits_while_the_timer_runs(page, server):
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    server.app.config["ASSET_VERSION"] = "release-4"
    page.goto(server.url + "/relief")  # the shortcut: straight into a timer
    expect(page.get_by_role("timer")).to_be_visible()
    controls = [page.get_by_role("button", name=n, exact=True) for n in ("Back", "Pause", "Next", "It's gone")]
    boxes = [c.bounding_box() for c in controls]
    wait_until(page, "navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)")
    page.wait_for_timeout(500)
    expect(page.get_by_text("An update is available.")).to_be_hidden()
    assert [c.bounding_box() for c in controls] == boxes
    page.get_by_role("button", name="It's gone").click()
    expect(page.get_by_text("An update is available.")).to_be_visible()

"""In Chromium, each page's modules all come from its preload links: none is found late (no waterfall).

The page's list is read from the scripts' imports at start-up (app/web/modules.py); here the
browser's own module loader is the judge of whether that reading missed an import.
"""

from __future__ import annotations

import pytest

from app.web.pages import SCRIPTS
from tests.browser.conftest import phone

PATHS = {"relief": "/", "report": "/diary/report"}  # the others are at /<page>

# Every script the page fetched before it was parsed and its modules had run, and who asked for it:
# "script" for the page's <script> tags and for an import found while running (a waterfall),
# "other" for a preload link.
FETCHED = """() => {
  const parsed = performance.getEntriesByType('navigation')[0].domContentLoadedEventStart;
  return performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/js/') && e.startTime < parsed)
    .map((e) => [new URL(e.name).pathname.split('/').pop(), e.initiatorType]);
}"""
PRELOADS = (
    "[...document.querySelectorAll('link[rel=modulepreload]')].map((l) => new URL(l.href).pathname.split('/').pop())"
)


@pytest.mark.parametrize("page_name", sorted(SCRIPTS))
def test_every_module_a_page_runs_was_preloaded(browser, live_server, page_name):
    context = phone(browser, "en", service_workers="block")
    try:
        page = context.new_page()
        page.goto(live_server.url + PATHS.get(page_name, f"/{page_name}"))
        page.wait_for_load_state("load")
        fetched = page.evaluate(FETCHED)
        preloaded = page.evaluate(PRELOADS)
        assert sorted(preloaded) == sorted(SCRIPTS[page_name]["imports"])
        assert sorted(name for name, by in fetched if by == "script") == sorted(
            ["main.js", SCRIPTS[page_name]["entry"]]
        )
        assert sorted(name for name, _ in fetched) == sorted(["main.js", SCRIPTS[page_name]["entry"], *preloaded])
    finally:
        context.close()

"""The pages and headers every visitor gets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.web import content
from app.web.pages import OFFLINE_PAGES


class ScriptFinder(HTMLParser):
    """Collects <script> tags and inline event handlers."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.style_attrs = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        self.style_attrs += "style" in attrs


def test_home_offers_one_big_cramp_now_button(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<button id="cramp-now"[^>]*>Cramp now</button>', html)
    assert 'href="/doctor"' in html


def test_relief_page_lists_every_step_in_order(client):
    html = client.get("/relief").get_data(as_text=True)
    keys = re.findall(r'data-step="([\w-]+)"', html)
    assert keys == ["toes-up", "stand-lean", "towel-pull", "heel-walk", "massage"]
    assert 'role="timer"' in html and 'aria-live="polite"' in html
    assert 'data-autostart="true"' in html
    assert 'data-autostart="false"' in client.get("/").get_data(as_text=True)


def test_doctor_page_names_the_red_flags(client):
    html = client.get("/doctor").get_data(as_text=True)
    assert "When to see a doctor" in html
    assert "longer than 10 minutes" in html
    assert "deep vein thrombosis" in html
    assert "not a diagnosis" in html


@pytest.mark.parametrize("path", [*OFFLINE_PAGES, "/no-such-page"])
def test_every_page_has_strict_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # The manifest falls under default-src; WebKit (Safari) logs a manifest-src directive as unrecognised.
    assert "default-src 'self'" in csp and "manifest-src" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", [*OFFLINE_PAGES, "/no-such-page"])
def test_pages_have_no_inline_script_or_style(client, path):
    finder = ScriptFinder()
    finder.feed(client.get(path).get_data(as_text=True))
    assert finder.scripts, "every page loads the app script"
    assert all(re.match(r"/static/[0-9a-f]{12}/(js|vendor)/", s.get("src", "")) for s in finder.scripts)
    assert finder.handlers == []
    assert finder.style_attrs == 0


def test_unknown_page_is_a_calm_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# The content brief forbids this advice: the app must not mention it, not even to warn.
FORBIDDEN = [
    r"\bpins?\b",
    r"\bneedles?\b",
    r"\bvodka\b",
    r"\btinctures?\b",
    r"\blinden\b",
    r"\bgarlic\b",
    r"\bcamphor\b",
    r"\bquinine\b",
    r"\bgabapentin\b",
    r"\bphenobarbital\b",
    r"muscle relaxant",
    r"calcium[- ]channel",
    r"\bicy\b",
    r"\bcold water\b",
    r"completely disappear",
    r"\bdoses?\b",
    r"\bmg\b",
]


@pytest.mark.parametrize("path", OFFLINE_PAGES)
def test_pages_never_give_forbidden_advice(app, client, path):
    html = client.get(path).get_data(as_text=True)
    with app.test_request_context():
        # The one place a drug is named, only to say it is not recommended (tests/test_content_safety.py).
        for allowed in (content.NOT_RECOMMENDED.text, content.QUININE.name):
            html = html.replace(str(allowed), "")
    text = re.sub(r"<[^>]+>", " ", html).lower()
    found = [pattern for pattern in FORBIDDEN if re.search(pattern, text)]
    assert found == []


def test_htmx_is_the_pinned_file_the_api_docs_name(client):
    """static/vendor holds htmx 2.0.11 byte for byte (npm htmx.org@2.0.11, dist/htmx.min.js)."""
    import hashlib

    from app.config import ROOT

    data = (ROOT / "static" / "vendor" / "htmx-2.0.11.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
    assert digest in (ROOT / "docs" / "api.md").read_text()
    assert b'version:"2.0.11"' in data
    page = client.get("/reminders").get_data(as_text=True)
    assert 'name="htmx-config"' in page and '"allowEval": false' in page and '"includeIndicatorStyles": false' in page
    assert "vendor/htmx-2.0.11.min.js" in page and "vendor/htmx" not in client.get("/").get_data(as_text=True)

"""Every user-facing string goes through Flask-Babel, so a language can be added.

The test extracts the messages as a translator would (babel.cfg), makes a
pseudo-translation that brackets each one, and renders every page in it:
any visible text left unbracketed was not marked for translation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo

from app import create_app
from app.config import ROOT
from app.web import content
from app.web.pages import OFFLINE_PAGES

PSEUDO = "eo"  # a real locale code no one ships yet
SOURCES = {s.name for s in vars(content).values() if isinstance(s, content.Source)}
# Not language: the brand, numbers, times, punctuation, and the names of sources.
NOT_TEXT = re.compile(r"^[\d\s:.,;/·—–()-]*$")
# As in the README: pybabel extract -F babel.cfg -k _l -k lazy_gettext
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "content")


def method_map():
    return [("app/**.py", "python"), ("templates/**.html", "jinja2")]


@pytest.fixture(scope="module")
def pseudo_app(tmp_path_factory):
    catalog = Catalog(locale=PSEUDO)
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map(), keywords=KEYWORDS):
        if isinstance(message, str):
            catalog.add(message, f"⟦{message}⟧")
        elif isinstance(message, tuple):  # ngettext: singular and plural
            catalog.add(message, tuple(f"⟦{form}⟧" for form in message[:2]))
    folder = tmp_path_factory.mktemp("translations")
    (folder / PSEUDO / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / PSEUDO / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return create_app({"TESTING": True, "BABEL_TRANSLATION_DIRECTORIES": str(folder)})


class Texts(HTMLParser):
    """Visible text and user-facing attribute values."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        if tag == "meta":  # only the description is text; the rest are settings
            attrs = {"content": attrs["content"]} if attrs.get("name") == "description" else {}
        for name, value in attrs.items():
            if value and (name in ATTRIBUTES or name.startswith("data-msg-")):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def untranslated(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    left = []
    for text in parser.texts:
        bare = re.sub(r"⟦[^⟧]*⟧", "", text).replace("Calm Calf", "")
        for name in SOURCES:
            bare = bare.replace(name, "")
        if not NOT_TEXT.match(bare.strip()):
            left.append(text)
    return left


@pytest.mark.parametrize("path", [*OFFLINE_PAGES, "/missing"])
def test_every_visible_string_is_translatable(pseudo_app, path):
    response = pseudo_app.test_client().get(path, headers={"Accept-Language": PSEUDO})
    html = response.get_data(as_text=True)
    assert f'lang="{PSEUDO}"' in html
    assert untranslated(html) == []


def test_the_manifest_is_translated(pseudo_app):
    response = pseudo_app.test_client().get("/manifest.webmanifest", headers={"Accept-Language": PSEUDO})
    manifest = response.get_json(force=True)
    assert manifest["lang"] == PSEUDO
    assert manifest["description"].startswith("⟦")
    assert manifest["shortcuts"][0]["name"] == "⟦Cramp now⟧"


def test_english_is_the_default(client):
    html = client.get("/", headers={"Accept-Language": "xx"}).get_data(as_text=True)
    assert 'lang="en"' in html and "⟦" not in html

"""Every user-facing string goes through Flask-Babel, and Spanish and Russian are complete.

- The pseudo-locale test extracts the messages as a translator would (babel.cfg),
  makes a pseudo-translation that brackets each one, and renders every page in it:
  any visible text left unbracketed was not marked for translation.
- The catalogue tests extract from the current source, so a new string without a
  Spanish and Russian translation (or a fuzzy one, or a missing plural form) fails.
- The "no English left" test renders every page in each language and looks for
  words of the English catalogue.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from app import create_app
from app.config import ROOT, defaults
from app.web import content
from app.web.i18n import DEFAULT_LOCALE, shipped_locales
from app.web.pages import OFFLINE_PAGES

PSEUDO = "eo"  # a real locale code no one ships yet
# The languages the app ships, as it finds them (app/web/i18n.py); LANGUAGES: those besides English.
LOCALES = tuple(shipped_locales(defaults()["BABEL_TRANSLATION_DIRECTORIES"]))
LANGUAGES = tuple(lang for lang in LOCALES if lang != DEFAULT_LOCALE)
# Not language: numbers, times, punctuation.
NOT_TEXT = re.compile(r"^[\d\s:.,;/·—–()+-]*$")
# As in docs/languages.md: pybabel extract -F babel.cfg -k _l -k lazy_gettext (ngettext is a default keyword)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "content")
# Names of services, which stay as they are in every language ("NHS 111", "healthdirect").
SERVICE_NAMES = {line.name for c in content.COUNTRIES for line in c.lines if type(line.name) is str and line.name}


def method_map():
    return [("app/**.py", "python"), ("templates/**.html", "jinja2")]


@functools.cache  # the source does not change during a run; extracting it takes about a second
def extracted() -> dict[tuple[str, str | None], tuple[str, ...]]:
    """Every message in the source now: (msgid, context) -> (msgid,) or (singular, plural)."""
    found = {}
    for _, _, message, _, context in extract_from_dir(str(ROOT), method_map(), keywords=KEYWORDS):
        ids = (message,) if isinstance(message, str) else tuple(m for m in message if m)
        found[ids[0], context] = ids
    return found


@pytest.fixture(scope="module")
def pseudo_app(tmp_path_factory):
    catalog = Catalog(locale=PSEUDO)
    for (_, context), ids in extracted().items():
        if len(ids) == 1:
            catalog.add(ids[0], f"⟦{ids[0]}⟧", context=context)
        else:
            catalog.add(ids, tuple(f"⟦{ids[min(i, 1)]}⟧" for i in range(catalog.num_plurals)), context=context)
    folder = tmp_path_factory.mktemp("translations")
    (folder / PSEUDO / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / PSEUDO / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return create_app({"TESTING": True, "BABEL_TRANSLATION_DIRECTORIES": str(folder)})


class Texts(HTMLParser):
    """Visible text and user-facing attribute values, except text that says it is in another
    language (lang="…"), is not to be translated (translate="no": the language links, in their
    own languages) or comes from CLDR through Babel (data-cldr: country names)."""

    def __init__(self, page_lang: str | None = None):
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = (
            (attrs.get("lang") not in (None, self.page_lang) and tag != "html")
            or "data-cldr" in attrs
            or attrs.get("translate") == "no"
        )
        if tag in ("script", "style") or foreign:
            self.skip += 1
            self.stack.append((tag, True))
        elif tag not in ("meta", "link", "input", "br", "img", "source", "circle", "path", "line", "rect"):
            self.stack.append((tag, False))
        if tag == "meta":  # only the description is text; the rest are settings
            attrs = {"content": attrs["content"]} if attrs.get("name") == "description" else {}
        if self.skip and not foreign:
            return
        for name, value in attrs.items():
            if value and (name in ATTRIBUTES or name.startswith("data-msg-")):
                self.texts.append(value)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, skipped = self.stack.pop()
            if skipped:
                self.skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str, lang: str | None = None) -> list[str]:
    parser = Texts(lang)
    parser.feed(html)
    return parser.texts


def untranslated(html: str) -> list[str]:
    left = []
    for text in visible_texts(html, PSEUDO):
        bare = text
        while (inner := re.sub(r"⟦[^⟦⟧]*⟧", "", bare)) != bare:  # innermost first: a message may hold another
            bare = inner
        bare = bare.replace("Calm Calf", "")
        for name in SERVICE_NAMES:
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


# --- the shipped catalogues ---------------------------------------------------


def shipped(lang: str) -> Catalog:
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_in_the_source_is_translated(lang):
    """Medical text included: a missing, empty or fuzzy message fails, never an English fallback."""
    catalog = shipped(lang)
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for (msgid, context), ids in extracted().items():
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(ids) == 2 and (not isinstance(message.id, tuple) or len(strings) != catalog.num_plurals):
            problems.append(f"needs {catalog.num_plurals} plural forms: {msgid!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"empty: {msgid!r}")
    assert problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang):
    catalog = shipped(lang)
    errors = [(message.id, [str(e) for e in errs]) for message, errs in catalog.check()]
    assert errors == []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, (message.id, string)


def test_russian_has_three_plural_forms():
    assert shipped("ru").num_plurals == 3


def frozen(value):
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(lang):
    """translations/*/messages.mo is committed (a fresh clone serves every language): it must be current."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = {frozen(m.id): frozen(m.string) for m in read_mo(mo) if m.id}
    source = {frozen(m.id): frozen(m.string) for m in shipped(lang) if m.id and not m.fuzzy}
    assert compiled == source, "run: .venv/bin/pybabel compile -d translations"


@pytest.mark.parametrize(
    ("n", "nights", "cramps"),
    [
        (1, "1 ночь подряд", "1 приступ"),
        (2, "2 ночи подряд", "2 приступа"),
        (5, "5 ночей подряд", "5 приступов"),
        (11, "11 ночей подряд", "11 приступов"),
        (21, "21 ночь подряд", "21 приступ"),
        (22, "22 ночи подряд", "22 приступа"),
    ],
)
def test_russian_counts_take_the_right_form(app, n, nights, cramps):
    with app.test_request_context(), force_locale("ru"):
        streak = ngettext(
            "Stretch routine: %(num)s night in a row. Nice.", "Stretch routine: %(num)s nights in a row. Nice.", n
        )
        assert nights in streak
        assert ngettext("%(num)s cramp", "%(num)s cramps", n) == cramps


def test_each_plural_category_gets_its_own_form_in_the_page(client):
    """Scripts pick a form with Intl.PluralRules: the page holds one per category (ru: one, few, many)."""
    html = client.get("/checklist", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'data-msg-streak-one="Растяжка: {n} ночь подряд. Отлично."' in html
    assert 'data-msg-streak-few="Растяжка: {n} ночи подряд. Отлично."' in html
    assert 'data-msg-streak-many="Растяжка: {n} ночей подряд. Отлично."' in html
    html = client.get("/checklist", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'data-msg-streak-one="Rutina de estiramientos: {n} noche seguida. ¡Bien!"' in html
    assert 'data-msg-streak-other="Rutina de estiramientos: {n} noches seguidas. ¡Bien!"' in html


# --- no English left ------------------------------------------------------------

# Names that stay as they are: the brand, organisations and journals in source notes,
# services, file formats, Apple's product names and IANA time zone names.
PROPER_NAMES = {
    "calm", "calf", "nhs", "nice", "cks", "uclh", "mayo", "cochrane", "allen", "kirby", "am", "fam", "physician",
    "hallegraeff", "j", "physiother", "et", "al", "hawke", "garrison", "baker", "healthdirect",
    "csv", "json", "iphone", "ipad", "ios", "safari", "push", "web", "europe", "madrid",  # (IANA zone names)
    "fda", "mhra",
}  # fmt: skip
# Where care is sought, in the words of the reader's country (emergency.py's urgent routes and who looks
# after a pregnancy): kept beside the translation, e.g. «клиника неотложной помощи (urgent care)».
LOCAL_TERMS = {"urgent", "care", "er", "ob", "gyn", "midwife", "guardia", "urgencias", "matrona", "obstetra"}
# Words that are also words of the page's own language (or units it writes the same way).
SHARED = {
    "es": {"a", "no", "me", "son", "total", "alcohol", "min", "s", "internet", "normal", "hospital", "local"},
    "ru": set(),
}
WORD = re.compile(r"[^\W\d_]+")  # letters of any script; only all-ASCII words can be English


@functools.cache
def english_words() -> frozenset[str]:
    words = set()
    for ids in extracted().values():
        for text in ids:
            words.update(w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)s", "", text)) if w.isascii())
    return frozenset(words - PROPER_NAMES - LOCAL_TERMS)


def english_left(html: str, lang: str) -> list[str]:
    vocabulary = english_words() - SHARED.get(lang, set())
    return [
        text
        for text in visible_texts(html, lang)
        if {w.lower() for w in WORD.findall(re.sub(r"\{\w+\}", "", text)) if w.isascii()} & vocabulary
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", [*OFFLINE_PAGES, "/missing", "/manifest.webmanifest"])
def test_no_english_is_left_on_the_page(client, lang, path):
    response = client.get(path, headers={"Accept-Language": lang})
    text = response.get_data(as_text=True)
    if path == "/manifest.webmanifest":
        manifest = response.get_json(force=True)
        text = " ".join([manifest["description"], *(s["name"] + " " + s["description"] for s in manifest["shortcuts"])])
        assert manifest["lang"] == lang
        text = f"<p>{text}</p>"
    else:
        assert f'<html lang="{lang}">' in text
    assert english_left(text, lang) == []

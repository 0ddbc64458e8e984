"""Which language a response is in, what caches must know about it, and the numbers by country."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.reminders.message import payload
from app.reminders.pages import zone_name
from app.web import content, i18n
from tests.test_reminders_api import body, stored


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_browser_language_is_used_until_one_is_chosen(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})) == "ru"
    assert lang_of(client.get("/", headers={"Accept-Language": "es-MX"})) == "es"
    assert lang_of(client.get("/", headers={"Accept-Language": "de"})) == "en"


def test_a_chosen_language_is_kept_in_a_cookie_and_beats_the_browser(client):
    response = client.get("/doctor?lang=es", headers={"Accept-Language": "ru"})
    assert lang_of(response) == "es"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("calmcalf_lang=es;") and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    assert lang_of(client.get("/", headers={"Accept-Language": "ru"})) == "es"  # the cookie, from now on
    assert lang_of(client.get("/?lang=ru")) == "ru"


def test_the_worker_s_precache_asks_for_a_language_without_changing_the_choice(client):
    client.set_cookie("calmcalf_lang", "es")
    response = client.get("/relief?lang=ru", headers={"Sec-Fetch-Dest": "empty"})
    assert lang_of(response) == "ru"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("value", ["xx", "", "../../etc", "EN"])
def test_an_unknown_language_is_ignored(client, value):
    response = client.get(f"/?lang={value}", headers={"Accept-Language": "ru"})
    assert lang_of(response) == "ru"
    assert "Set-Cookie" not in response.headers
    client.set_cookie("calmcalf_lang", value)
    assert lang_of(client.get("/", headers={"Accept-Language": "es"})) == "es"


@pytest.mark.parametrize("path", ["/", "/doctor", "/missing", "/manifest.webmanifest"])
def test_translated_responses_name_what_they_vary_on(client, path):
    vary = {v.strip() for v in client.get(path).headers["Vary"].split(",")}
    assert set(i18n.vary_headers()) <= vary


def test_static_files_do_not_vary_by_language(client):
    response = client.get("/static/js/text.js")
    assert "Accept-Language" not in response.headers.get("Vary", "")
    response.close()


def test_the_manifest_linked_from_a_page_is_in_its_language(client):
    html = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=es">' in html
    manifest = client.get("/manifest.webmanifest?lang=es").get_json(force=True)
    assert manifest["lang"] == "es" and manifest["shortcuts"][0]["name"] == "Tengo un calambre"


def test_every_page_has_the_language_links(client):
    html = client.get("/checklist?lang=ru").get_data(as_text=True)
    for code, name in (("en", "English"), ("es", "Español"), ("ru", "Русский")):
        assert f'href="/checklist?lang={code}" translate="no" lang="{code}" hreflang="{code}"' in html
        assert f">{name}</a>" in html
    assert 'data-lang="ru" aria-current="true"' in html


def test_saving_a_reminder_stores_the_chosen_language(app, client):
    client.set_cookie("calmcalf_lang", "ru")
    assert client.post("/api/reminders", json=body(), headers={"Accept-Language": "es"}).status_code == 201
    assert [r.lang for r in stored(app)] == ["ru"]
    client.set_cookie("calmcalf_lang", "es")
    assert client.post("/api/reminders", json=body()).status_code == 200  # saved again: same reminder, new language
    assert [r.lang for r in stored(app)] == ["es"]


def test_the_push_message_is_in_each_language(app):
    with app.app_context():
        assert payload("es")["title"] == "Estiramientos antes de dormir"
        assert payload("ru")["body"] == "Примерно 4 минуты растяжки икр перед сном?"
        assert payload("es")["body"] == "¿Unos 4 minutos de estiramientos de pantorrilla antes de dormir?"
        assert payload("en")["title"] == "Bedtime stretches"


def test_the_routine_length_takes_the_plural_form(app, client):
    html = client.get("/bedtime", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "около 4 минут" in html  # "около" takes the genitive: 1, 21 "минуты"; 2 to 20 "минут"
    with app.test_request_context(), force_locale("ru"):
        from flask_babel import ngettext

        one = "Just before sleep, about %(num)s minute: a calf stretch and a hamstring stretch, each leg, held 10 seconds three times."
        many = one.replace("minute:", "minutes:")
        assert "около 3 минут" in ngettext(one, many, 3)
        assert "около 21 минуты" in ngettext(one, many, 21)


# English is spoken in too many countries to guess one: no country (never the UK's numbers for
# everyone) until the phone's time zone or region says which (tests/browser/test_country.py).
@pytest.mark.parametrize(("lang", "country"), [("en", "ZZ"), ("es", "ES"), ("ru", "RU")])
def test_the_doctor_page_starts_with_the_country_of_the_language(client, lang, country):
    html = client.get("/doctor", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<select id="country" data-default="{country}">' in html
    assert f'<div class="country-numbers" data-country="{country}">' in html  # shown without script too
    assert html.count('class="country-numbers"') == len(content.COUNTRIES)
    assert "NHS 111" not in html.split("numbers-title")[1].split('data-country="GB"')[0]  # no UK number for all
    # The emergency at the top shows that country's number too, and only that one, without script.
    top = html.split('id="emergency-title"')[1].split("</section>")[0]
    shown = re.findall(r'<span class="emergency-call" data-country="(\w+)" data-regions="[^"]*">', top)
    assert shown == [country]


def test_russia_has_112_and_103_and_the_uk_999_and_111():
    numbers = {c.code: [line.number for line in c.lines] for c in content.COUNTRIES}
    assert numbers["RU"] == ["112", "103"] and numbers["GB"] == ["999", "111"]
    assert numbers["ES"] == ["112"] and numbers["US"] == ["911"] and numbers["EU"] == ["112"]


def test_country_names_come_in_the_page_language(app):
    names = dict((c.code, name) for c, name in content.countries_for("ru"))
    assert names["ES"] == "Испания" and names["RU"] == "Россия"
    with app.test_request_context(), force_locale("es"):
        es = content.countries_for("es")
    assert dict((c.code, n) for c, n in es)["ZZ"] == "Otro país"
    assert es[-1][0].code == "ZZ"  # "another country" comes last


def test_a_time_zone_is_shown_as_its_city_in_the_page_language(app):
    """Not "Europe/Moscow" in Latin letters on a Russian page: the city, from CLDR through Babel."""
    with app.test_request_context():
        for lang, moscow, new_york in (
            ("ru", "Москва", "Нью-Йорк"),
            ("es", "Moscú", "Nueva York"),
            ("en", "Moscow", "New York"),
        ):
            with force_locale(lang):
                assert (zone_name("Europe/Moscow"), zone_name("America/New_York")) == (moscow, new_york)
        assert zone_name("Etc/GMT+3") == "Etc/GMT+3"  # three hours behind UTC, whatever CLDR would call it
        assert zone_name("UTC") == "UTC"

"""Emergency numbers, the urgent route and who looks after a pregnancy, by country.

Never one country's number for everyone: the page shows the country the phone's
time zone suggests, else a region the browser's languages name (static/js/country.js),
else the one the page's language suggests (Spanish: Spain, Russian: Russia; English:
none, so never the UK's numbers by default), and a person can choose another country,
remembered on the device. Every country's numbers are in the page, so the choice
works offline. Pages are the same for everyone of one language (they are cached so),
so the server's choice depends on the language only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from babel import Locale
from babel.core import get_global
from flask_babel import lazy_gettext as _l

from . import pregnancy

EMERGENCY = "emergency"
AMBULANCE = "ambulance"
ADVICE = "advice"

LINE_LABELS = {
    EMERGENCY: _l("Emergency"),
    AMBULANCE: _l("Ambulance"),
    ADVICE: _l("Urgent medical advice"),
}

OTHER = "ZZ"  # "another country": no number we can be sure of
EU = "EU"
# Where 112 is the emergency number: the European Union's countries without an entry of their own.
EU_MEMBERS = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "FI", "FR", "GR", "HR", "HU", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip

# "Urgent, but not an emergency" (a cramp over 10 minutes, a leg that may hold a clot): a real
# route in each country, never "an advice line" where there is none. One sentence per country,
# shown in the same words on /doctor and in the relief timer's 10-minute advice. %(number)s is
# the country's urgent number, %(emergency)s its emergency number.
ROUTE_NHS = _l("Call NHS %(number)s, day or night. If it is severe, call %(emergency)s.")
ROUTE_URGENT_CARE = _l("Go to an urgent care clinic or the emergency room (ER). If it is severe, call %(emergency)s.")
ROUTE_HEALTH_LINE = _l("Call %(number)s, the health line in most provinces, or go to an emergency department.")
ROUTE_HEALTHDIRECT = _l("Call healthdirect on %(number)s, or go to an emergency department.")
ROUTE_URGENCIAS_ES = _l("Go to urgencias at your health centre or a hospital, or call %(emergency)s.")
ROUTE_URGENCIAS = _l("Go to urgencias (a hospital’s emergency department), or call %(emergency)s.")
ROUTE_GUARDIA = _l("Go to the guardia (a hospital’s emergency department), or call %(emergency)s.")
ROUTE_NEOTLOZHNAYA = _l(
    "Call %(number)s for urgent care (неотложная помощь), or go to a hospital’s admissions department "
    "(приёмное отделение)."
)
ROUTE_HOSPITAL = _l("Go to a hospital emergency department, or call %(emergency)s.")
ROUTE_ANYWHERE = _l("Go to a hospital emergency department, or call your local emergency number.")


@dataclass(frozen=True)
class Line:
    """One number to call, what it is for, and the service's own name if it has one."""

    number: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Country:
    """A country's numbers, its urgent route, where to go when it is not urgent, and who looks after a pregnancy."""

    code: str
    lines: tuple[Line, ...]
    routine: str
    urgent: str
    pregnancy: str
    urgent_number: str = ""  # the number the urgent route names, if it is not the emergency number
    regions: tuple[str, ...] = ()  # other regions whose people use these numbers

    @property
    def emergency(self) -> Line | None:
        """The number to call in an emergency (an ambulance where that is the number), if we know one."""
        return next((line for line in self.lines if line.kind in (EMERGENCY, AMBULANCE)), None)

    @property
    def urgent_route(self) -> str:
        """The urgent route in the page's language, its numbers filled in."""
        emergency = self.emergency.number if self.emergency else ""
        return str(self.urgent) % {"number": self.urgent_number or emergency, "emergency": emergency}


NOT_URGENT_DOCTOR = _l("When it is not urgent: your doctor.")
NOT_URGENT_GP = _l("When it is not urgent: your GP.")
# For a country with no number here (the urgent route says the same).
NO_NUMBER = _l("Call your local emergency number.")

_CIS = {"urgent": ROUTE_NEOTLOZHNAYA, "pregnancy": pregnancy.ASK_PREGNANCY_DOCTOR, "urgent_number": "103"}
_LATAM = {"routine": NOT_URGENT_DOCTOR, "urgent": ROUTE_URGENCIAS, "pregnancy": pregnancy.ASK_OBSTETRA}

COUNTRIES = (
    Country(
        "GB",
        (Line("999", EMERGENCY), Line("111", ADVICE, "NHS 111")),
        NOT_URGENT_GP,
        ROUTE_NHS,
        pregnancy.ASK_MIDWIFE,
        urgent_number="111",
    ),
    Country(
        "IE", (Line("112", EMERGENCY), Line("999", EMERGENCY)), NOT_URGENT_GP, ROUTE_HOSPITAL, pregnancy.ASK_MIDWIFE
    ),
    Country(
        "US",
        (Line("911", EMERGENCY),),
        _l("When it is not urgent: your doctor or an urgent care clinic."),
        ROUTE_URGENT_CARE,
        pregnancy.ASK_OB_GYN,
    ),
    Country(
        "CA",
        (Line("911", EMERGENCY), Line("811", ADVICE, _l("health line in most provinces"))),
        NOT_URGENT_DOCTOR,
        ROUTE_HEALTH_LINE,
        pregnancy.ASK_WHOEVER,
        urgent_number="811",
    ),
    Country(
        "AU",
        (Line("000", EMERGENCY), Line("1800 022 222", ADVICE, "healthdirect")),
        NOT_URGENT_GP,
        ROUTE_HEALTHDIRECT,
        pregnancy.ASK_WHOEVER,
        urgent_number="1800 022 222",
    ),
    Country(
        "ES",
        (Line("112", EMERGENCY),),
        _l("When it is not urgent: your primary care doctor at your health centre."),
        ROUTE_URGENCIAS_ES,
        pregnancy.ASK_MATRONA,
    ),
    Country("MX", (Line("911", EMERGENCY),), **_LATAM),
    Country("AR", (Line("107", AMBULANCE),), **{**_LATAM, "urgent": ROUTE_GUARDIA}),
    Country("CO", (Line("123", EMERGENCY),), **_LATAM),
    Country("CL", (Line("131", AMBULANCE),), **_LATAM),
    Country("PE", (Line("106", AMBULANCE),), **_LATAM),
    Country(
        "RU",
        (Line("112", EMERGENCY), Line("103", AMBULANCE)),
        _l("When it is not urgent: a general practitioner at your local clinic."),
        **_CIS,
    ),
    Country("UA", (Line("112", EMERGENCY), Line("103", AMBULANCE)), NOT_URGENT_DOCTOR, **_CIS),
    Country("BY", (Line("103", AMBULANCE),), NOT_URGENT_DOCTOR, **_CIS),
    Country("KZ", (Line("112", EMERGENCY), Line("103", AMBULANCE)), NOT_URGENT_DOCTOR, **_CIS),
    Country(
        EU, (Line("112", EMERGENCY),), NOT_URGENT_DOCTOR, ROUTE_HOSPITAL, pregnancy.ASK_WHOEVER, regions=EU_MEMBERS
    ),
    Country(OTHER, (), _l("Call your local emergency number, or your doctor."), ROUTE_ANYWHERE, pregnancy.ASK_WHOEVER),
)

# The country a language suggests, until the time zone, the browser or the person says otherwise.
# English is spoken in too many countries to guess one (never the UK's numbers for everyone).
DEFAULT_COUNTRY = {"es": "ES", "ru": "RU"}


def country_name(code: str, locale: str) -> str:
    """The country's name in the page's language (from CLDR, through Babel)."""
    if code == OTHER:
        return str(_l("Another country"))
    return str(Locale.parse(locale).territories.get(code, code))


def _sort_key(name: str) -> str:
    """Alphabetical order that ignores accents (Á sorts with A)."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def countries_for(locale: str) -> list[tuple[Country, str]]:
    """Every country with its name, in the page's alphabetical order; "another country" last."""
    named = [(c, country_name(c.code, locale)) for c in COUNTRIES if c.code != OTHER]
    named.sort(key=lambda pair: _sort_key(pair[1]))
    other = next(c for c in COUNTRIES if c.code == OTHER)
    return [*named, (other, country_name(OTHER, locale))]


def default_country(locale: str) -> str:
    """The country shown first for this language (before the page's script looks at the phone)."""
    return DEFAULT_COUNTRY.get(locale.split("_")[0], OTHER)


def zone_regions() -> dict[str, list[str]]:
    """For each region we have numbers for, its IANA time zones and their old names (CLDR, through Babel).

    static/js/zones.js holds this (tools/zones.py writes it; a test checks it is current), so a phone's
    time zone (Intl.DateTimeFormat().resolvedOptions().timeZone) tells its country offline.
    """
    wanted = {c.code for c in COUNTRIES if c.code not in (OTHER, EU)} | set(EU_MEMBERS)
    territories = get_global("zone_territories")
    zones = {zone: region for zone, region in territories.items() if region in wanted}
    for alias, zone in get_global("zone_aliases").items():
        if zone in zones and "/" in alias:  # "GB", "CET" and such are not a phone's zone
            zones[alias] = zones[zone]
    by_region: dict[str, list[str]] = {}
    for zone in sorted(zones):
        by_region.setdefault(zones[zone], []).append(zone)
    return dict(sorted(by_region.items()))

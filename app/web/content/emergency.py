"""Emergency and medical-advice numbers by country, for "When to see a doctor".

Never one country's number for everyone: the page shows the numbers of the
country the language suggests (Spanish: Spain, Russian: Russia, English: the UK,
whose NHS guidance the app follows), and a person can choose another country,
remembered on the device. Every country's numbers are in the page, so the
choice works offline.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from babel import Locale
from flask_babel import lazy_gettext as _l

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


@dataclass(frozen=True)
class Line:
    """One number to call, what it is for, and the service's own name if it has one."""

    number: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Country:
    """A country's numbers, and where to go when it is not urgent."""

    code: str
    lines: tuple[Line, ...]
    routine: str = ""
    regions: tuple[str, ...] = ()  # other regions whose people use these numbers

    @property
    def emergency(self) -> Line | None:
        """The number to call in an emergency (an ambulance where that is the number), if we know one."""
        return next((line for line in self.lines if line.kind in (EMERGENCY, AMBULANCE)), None)


NOT_URGENT_DOCTOR = _l("When it is not urgent: your doctor.")

COUNTRIES = (
    Country(
        "GB",
        (Line("999", EMERGENCY), Line("111", ADVICE, "NHS 111")),
        _l("When it is not urgent: your GP."),
    ),
    Country("IE", (Line("112", EMERGENCY), Line("999", EMERGENCY)), _l("When it is not urgent: your GP.")),
    Country("US", (Line("911", EMERGENCY),), _l("When it is not urgent: your doctor or an urgent care clinic.")),
    Country(
        "CA",
        (Line("911", EMERGENCY), Line("811", ADVICE, _l("health line in most provinces"))),
        NOT_URGENT_DOCTOR,
    ),
    Country(
        "AU",
        (Line("000", EMERGENCY), Line("1800 022 222", ADVICE, "healthdirect")),
        _l("When it is not urgent: your GP."),
    ),
    Country(
        "ES",
        (Line("112", EMERGENCY),),
        _l("When it is not urgent: your primary care doctor at your health centre."),
    ),
    Country("MX", (Line("911", EMERGENCY),), NOT_URGENT_DOCTOR),
    Country("AR", (Line("107", AMBULANCE),), NOT_URGENT_DOCTOR),
    Country("CO", (Line("123", EMERGENCY),), NOT_URGENT_DOCTOR),
    Country("CL", (Line("131", AMBULANCE),), NOT_URGENT_DOCTOR),
    Country("PE", (Line("106", AMBULANCE),), NOT_URGENT_DOCTOR),
    Country(
        "RU",
        (Line("112", EMERGENCY), Line("103", AMBULANCE)),
        _l("When it is not urgent: a general practitioner at your local clinic."),
    ),
    Country("UA", (Line("112", EMERGENCY), Line("103", AMBULANCE)), NOT_URGENT_DOCTOR),
    Country("BY", (Line("103", AMBULANCE),), NOT_URGENT_DOCTOR),
    Country("KZ", (Line("112", EMERGENCY), Line("103", AMBULANCE)), NOT_URGENT_DOCTOR),
    Country(EU, (Line("112", EMERGENCY),), NOT_URGENT_DOCTOR, regions=tuple(EU_MEMBERS)),
    Country(OTHER, (), _l("Call your local emergency number, or your doctor.")),
)

# The country a language suggests, until the person chooses one.
DEFAULT_COUNTRY = {"en": "GB", "es": "ES", "ru": "RU"}


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
    """The country shown first for this language."""
    return DEFAULT_COUNTRY.get(locale.split("_")[0], OTHER)

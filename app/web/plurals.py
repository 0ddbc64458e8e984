"""Plural forms for the page scripts.

Scripts choose a plural form with the browser's Intl.PluralRules, which names
CLDR categories (one, few, many, other). The templates render each message once
per category of the page's language, with a number that falls in it, so every
form comes from the translation catalogue.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask
from flask_babel import get_locale


@lru_cache(maxsize=16)
def _samples(locale: str) -> tuple[tuple[str, int], ...]:
    """The first whole number of each plural category of a language."""
    rule = Locale.parse(locale).plural_form
    found: dict[str, int] = {}
    for n in range(1001):
        found.setdefault(rule(n), n)
    return tuple(sorted(found.items()))


def plural_samples() -> tuple[tuple[str, int], ...]:
    """(category, number) pairs for the current language."""
    return _samples(str(get_locale() or "en"))


def init_app(app: Flask) -> None:
    """Make plural_samples() available to every template."""
    app.jinja_env.globals["plural_samples"] = plural_samples

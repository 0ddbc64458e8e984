"""The days of the week as reminders store them ("mon" … "sun"), and their short names in the
page's language, from Babel's CLDR data (so no language needs them translated by hand)."""

from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import get_locale

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Python's weekday() order


def day_names() -> list[tuple[str, str]]:
    """Each day with its short name in this language, capitalised as a label: ("mon", "Lun")."""
    names = get_day_names("abbreviated", context="stand-alone", locale=str(get_locale() or "en"))
    return [(day, names[number][:1].upper() + names[number][1:]) for number, day in enumerate(DAYS)]

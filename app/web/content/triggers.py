"""Things worth logging for the diary and the doctor (shared/content-brief.md)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Trigger:
    """A possible trigger a person can tag in one tap: a stable key (stored on the device) and its words."""

    key: str
    label: str


# The keys are stored in IndexedDB and in exports: never rename one.
TRIGGERS = (
    Trigger("exertion", _l("Hard exercise or a long day on my feet")),
    Trigger("sitting", _l("Sat for a long time")),
    Trigger("cold", _l("Cold feet or a cold room")),
    Trigger("medicine", _l("A new or changed medicine")),
    Trigger("alcohol", _l("Alcohol")),
    Trigger("fluid", _l("Little to drink")),
)

# What a person can note about a medicine; the app itself never names or suggests one.
MEDICINE_CHANGES = {
    "started": _l("Started"),
    "changed": _l("Changed (amount or type)"),
    "stopped": _l("Stopped"),
}

MEDICINE_ADVICE = _l("Talk to your doctor before changing any medicine.")

# The fewest nights on each side before a comparison is shown.
MIN_NIGHTS = 5

__all__ = ["MEDICINE_ADVICE", "MEDICINE_CHANGES", "MIN_NIGHTS", "TRIGGERS", "Trigger"]

"""Tonight's prevention checklist, and what is shown as not helping."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .relief import Fact
from .sources import (
    AAFP,
    COCHRANE_MAGNESIUM,
    COCHRANE_STRETCH,
    HALLEGRAEFF,
    MAY_HELP,
    MAYO,
    NO_BENEFIT,
    QUININE,
    SEED,
    Source,
)


@dataclass(frozen=True)
class ChecklistItem:
    """A habit for tonight, with why it might help and on what evidence."""

    key: str
    label: str
    why: str
    evidence: str
    sources: tuple[Source, ...]


CHECKLIST = (
    ChecklistItem(
        "stretch",
        _l("Did the stretch routine"),
        _l(
            "Stretching calves and hamstrings just before sleep reduced night cramps in one trial; others found no effect."
        ),
        MAY_HELP,
        (HALLEGRAEFF, COCHRANE_STRETCH),
    ),
    ChecklistItem(
        "fluids",
        _l("Drank enough during the day"),
        _l(
            "The evidence is weak. Mayo Clinic suggests drinking enough during the day, but a review for family "
            "doctors found night cramps are linked more with tired muscles and nerves "
            "than with fluids or salts. If a doctor has limited how much you drink, follow their advice."
        ),
        MAY_HELP,
        (MAYO, AAFP),
    ),
    ChecklistItem(
        "alcohol-caffeine",
        _l("Kept alcohol and caffeine low this evening"),
        _l("Both are linked with night cramps in some people."),
        MAY_HELP,
        (MAYO,),
    ),
    ChecklistItem(
        "sheets",
        _l("Loosened the sheets at the foot of the bed"),
        _l("Tight sheets push the toes down, which shortens the calf muscle while you sleep."),
        MAY_HELP,
        (MAYO,),
    ),
    ChecklistItem(
        "shoes",
        _l("Wore comfortable shoes today"),
        _l(
            "Comfortable, supportive shoes rather than long hours in high heels may help. This is plausible but untested."
        ),
        MAY_HELP,
        (SEED,),
    ),
    ChecklistItem(
        "warm",
        _l("Had a warm shower or foot bath before bed"),
        _l("Warmth relaxes muscles and is pleasant; there is little evidence either way."),
        MAY_HELP,
        (SEED,),
    ),
)

# Shown beside the checklist, never as an item to tick.
NOT_SHOWN_TO_HELP = (
    {
        "text": _l(
            "Magnesium tablets did not help ordinary night cramps in older adults in "
            "trials. If you are pregnant, ask the midwife or doctor who looks after your pregnancy."
        ),
        "evidence": NO_BENEFIT,
        "sources": (COCHRANE_MAGNESIUM,),
    },
)

# People ask about quinine: the one drug the app names, and only to say it is not recommended
# (no dose, no other drug: shared/content-brief.md).
NOT_RECOMMENDED = Fact(
    _l(
        "Quinine, as tablets or as a lot of tonic water, is not recommended for leg cramps: it can have "
        "serious side effects, including blood disorders."
    ),
    (QUININE,),
)

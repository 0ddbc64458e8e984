"""Cramps in pregnancy: reassurance, the seated option, clots, and who to ask (shared/content-brief.md)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .relief import Fact
from .sources import COCHRANE_MAGNESIUM, DVT, HELPS, NHS_PREGNANCY

COMMON = {
    "text": _l("Leg cramps are common in pregnancy, especially in the later months. The same stretches help."),
    "evidence": HELPS,
    "sources": (NHS_PREGNANCY,),
}
SEATED = Fact(
    _l(
        "Later in pregnancy your balance changes: do the stretches sitting down or in bed, and hold on to "
        "something steady when you stand."
    ),
    (NHS_PREGNANCY,),
)
CLOTS = Fact(
    _l("Pregnancy makes blood clots more likely: take the signs of a clot above seriously."),
    (DVT,),
)
MAGNESIUM = Fact(_l("Magnesium tablets: the evidence in pregnancy is conflicting."), (COCHRANE_MAGNESIUM,))

# Who looks after a pregnancy differs by country (each Country in emergency.py names one).
ASK_MIDWIFE = _l("Ask your midwife.")
ASK_OB_GYN = _l("Ask your OB-GYN or midwife.")
ASK_MATRONA = _l("Ask your midwife (matrona).")
ASK_OBSTETRA = _l("Ask your obstetrician (obstetra) or your doctor.")
ASK_PREGNANCY_DOCTOR = _l("Ask the doctor who looks after your pregnancy (an obstetrician-gynaecologist).")
ASK_WHOEVER = _l("Ask the midwife or doctor who looks after your pregnancy.")

"""When to see a doctor: urgent signs, signs to raise soon, and look-alikes."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .sources import AAFP, DVT, NHS, NICE, PULMONARY_EMBOLISM, TORN_MUSCLE, Source

DISCLAIMER = _l(
    "Calm Calf gives first aid and habits, not a diagnosis. If you are worried, talk to a doctor, nurse or midwife."
)


@dataclass(frozen=True)
class RedFlag:
    """A sign that needs a health professional, and how soon."""

    text: str
    sources: tuple[Source, ...]
    key: str = ""  # an anchor other screens link to (/doctor#dvt)


# First on the page, and on the relief screen's 10-minute advice.
EMERGENCY_FLAGS = (
    RedFlag(
        _l(
            "Leg pain or swelling together with sudden breathlessness, chest pain or "
            "coughing up blood. A blood clot may have reached the lungs."
        ),
        (PULMONARY_EMBOLISM, DVT),
        "emergency",
    ),
)

URGENT = (
    RedFlag(
        _l("A cramp lasts longer than 10 minutes even though you have stretched."),
        (NHS,),
    ),
    RedFlag(
        _l(
            "One leg is swollen, warm, red or darker than usual, with throbbing or "
            "cramping pain. This can be a blood clot (deep vein thrombosis). Do not "
            "rub it. Pregnancy makes clots more likely."
        ),
        (DVT,),
        "dvt",
    ),
    RedFlag(
        _l(
            "A sudden “pop”, or a feeling like a kick in the calf while you were active, "
            "then pain and trouble standing on that leg. This may be a torn calf muscle "
            "or Achilles tendon, not a cramp."
        ),
        (TORN_MUSCLE,),
        "torn",
    ),
    RedFlag(
        _l("Cramps began after a cut that had soil or dirt in it."),
        (NHS,),
    ),
    RedFlag(
        _l("Cramps began after you may have been exposed to a toxin such as lead."),
        (NHS,),
    ),
)

SOON = (
    RedFlag(_l("Cramps often wake you or spoil your sleep."), (NHS, NICE)),
    RedFlag(_l("Your leg feels numb or tingly, or it swells."), (NHS, NICE)),
    RedFlag(_l("The muscles in your leg are getting smaller or weaker."), (NHS, NICE)),
    RedFlag(
        _l(
            "Cramps started after you began a new medicine. Some water tablets, "
            "statins and asthma or blood-pressure medicines can cause them. Ask your "
            "doctor or pharmacist before you stop it."
        ),
        (NICE, AAFP),
    ),
    RedFlag(
        _l(
            "You are pregnant and have cramps along with other symptoms: tell the midwife or doctor who looks after your pregnancy."
        ),
        (NHS,),
    ),
)

LOOK_ALIKES = (
    RedFlag(
        _l(
            "Restless legs: an urge to move the legs that gets better when you move. "
            "A cramp is a hard, painful knot instead."
        ),
        (NICE,),
    ),
    RedFlag(
        _l("A swollen lump behind the knee (a Baker's cyst) or a blood clot can feel similar."),
        (NICE,),
    ),
    RedFlag(
        _l(
            "Claudication: pain in the calf when you walk that eases when you rest. "
            "It comes from poor blood flow to the legs and is worth checking with a doctor."
        ),
        (NICE,),
    ),
)


# What a doctor is likely to ask, printed on the report with space to answer.
DOCTOR_QUESTIONS = (
    _l("Do you have numbness or tingling in the legs?"),
    _l("Is either leg swollen?"),
    _l("Are the leg muscles weaker or smaller than before?"),
    _l("Have you started or changed any medicines in the months before the cramps began?"),
    _l("Are you pregnant?"),
)
